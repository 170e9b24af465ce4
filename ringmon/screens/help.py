"""``?``: every key of the board, and what the mouse does (each with its keyboard twin)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ringmon.model.board import GLYPHS, RINGING_GLYPH
from ringmon.model.status import BY_PRIORITY

KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k", "move the cursor; then it stays on that employee as rows move"),
    ("← →  h l", "select the Employee, Department or Status cell"),
    ("PgUp PgDn  g G", "page up / down, first / last row"),
    ("enter", "open the selected employee's profile (double click)"),
    ("u", "device detail of the selected row (hover the User agents cell)"),
    ("/", "filter by name as you type; enter keeps it, escape puts it back"),
    ("f", "filter panel: departments and statuses, multi-select"),
    ("d", "department menu with counts per status"),
    ("=", "filter by the value of the selected cell"),
    ("escape", "clear the last filter"),
    ("ctrl+u", "clear all filters"),
    ("s", "sort by the next column (click a heading)"),
    ("S", "reverse the sort (click the sorted heading again)"),
    ("ctrl+p", "command palette: every action by name"),
    ("?", "this help"),
    ("q", "quit"),
)

WALL_KEYS: tuple[tuple[str, str], ...] = (
    ("", "wall mode is read-only: rows sorted by status, pages turn by themselves"),
    ("ctrl+p", "command palette"),
    ("?", "this help"),
    ("q", "quit"),
)


def help_text(wall: bool = False) -> str:
    keys = WALL_KEYS if wall else KEYS
    lines = ["[b]Keys[/b]", ""]
    lines += [f"  [b]{key:<16}[/b] {what}" if key else f"  {what}" for key, what in keys]
    legend = "   ".join(f"{GLYPHS[s]} {s.label}" for s in BY_PRIORITY)
    lines += [
        "",
        "[b]Statuses[/b] (an employee's status is the highest of all their devices)",
        "",
        f"  {legend}",
        f"  {RINGING_GLYPH} a call is ringing (on that device, and before the name)",
        "  ! before the name: in its status longer than the configured limit",
        "",
        "[b]In status[/b] is measured on the hub's clock. A yellow banner means the feed is",
        "stale or lost: the statuses shown are dimmed and may be out of date.",
    ]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.dismiss"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: auto;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen Static { width: auto; }
    """

    def __init__(self, wall: bool = False) -> None:
        super().__init__()
        self.wall = wall

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "ringmon · help"
            box.border_subtitle = "escape closes"
            yield Static(help_text(self.wall))
