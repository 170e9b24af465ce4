"""``?`` or F1: every key of the screen at hand, and what the mouse does (each with its
keyboard twin). The board's keys are written out below; another screen's are read from its
bindings, so a key added there is listed here too."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ringmon.model.status import BY_PRIORITY
from ringmon.present.glyphs import CHANGE_GLYPH, GLYPHS, RINGING_GLYPH
from ringmon.present.markup import as_markup

KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k", "move the cursor; then it stays on that employee as rows move"),
    ("← →  h l", "select the Employee, Department or Status cell"),
    ("PgUp PgDn  g G", "page up / down, first / last row"),
    ("enter", "open the selected employee's profile (double click)"),
    ("u", "device detail of the selected row (hover the User agents cell)"),
    ("/", "filter as you type: a name, dept:sales, status:talking,online, status:!offline"),
    ("f", "filter panel: departments and statuses, multi-select"),
    ("d", "department menu with counts per status"),
    ("=", "filter by the value of the selected cell"),
    ("escape", "clear the last filter"),
    ("ctrl+u", "clear all filters"),
    ("v", "saved views of the config file ([views.NAME]); also in the palette"),
    ("c", "columns: today's calls, missed, talk time, longest call (remembered)"),
    ("space", "freeze the order (rows also hold still 5 s after any key); again: thaw"),
    ("s", "sort by the next column (click a heading)"),
    ("S", "reverse the sort (click the sorted heading again)"),
    ("[ {", "replay: the board 1 / 15 min earlier (then escape: back to live)"),
    ("] }  p", "replay: 1 / 15 min later; p plays at 1x, 10x, 60x, paused"),
    (": ctrl+p", "command palette: every action by name"),
    ("? F1", "this help"),
    ("q", "quit"),
)

WALL_KEYS: tuple[tuple[str, str], ...] = (
    ("", "wall mode is read-only: rows sorted by status, pages turn by themselves;"),
    ("", "more employees than rows fit: tiles, a department a page"),
    (": ctrl+p", "command palette"),
    ("? F1", "this help"),
    ("q", "quit"),
)

EVERYWHERE: tuple[tuple[str, str], ...] = (
    (": ctrl+p", "command palette: every action by name"),
    ("? F1", "this help"),
    ("q", "quit ringmon"),
)
"""Keys that do the same on every screen (listed after a screen's own keys)."""

_GENERAL_ACTIONS = frozenset({"app.quit", "app.help", "help", "app.command_palette"})


def screen_keys(app: App[Any], screen: Screen[Any]) -> tuple[tuple[str, str], ...]:
    """A screen's own keys, from its bindings, then the ones that work everywhere."""
    keys: list[tuple[str, str]] = []
    for binding in type(screen).BINDINGS:
        if not isinstance(binding, Binding) or binding.action in _GENERAL_ACTIONS:
            continue
        keys.append((app.get_key_display(binding), binding.description or binding.action))
    return (*keys, *EVERYWHERE)


def help_text(wall: bool = False, keys: tuple[tuple[str, str], ...] | None = None) -> str:
    if keys is None:
        keys = WALL_KEYS if wall else KEYS
    lines = ["[b]Keys[/b]", ""]
    # A key such as "[" opens markup: escaped, and padded by what it shows.
    lines += [
        f"  [b]{as_markup(key)}{' ' * (16 - len(key))}[/b] {what}" if key else f"  {what}"
        for key, what in keys
    ]
    legend = "   ".join(f"{GLYPHS[s]} {s.label}" for s in BY_PRIORITY)
    lines += [
        "",
        "[b]Statuses[/b] (an employee's status is the highest of all their devices)",
        "",
        f"  {legend}",
        f"  {RINGING_GLYPH} a call is ringing (on that device, and before the name)",
        "  ! before the name: in its status longer than the configured limit",
        f"  {CHANGE_GLYPH} before the name: its status changed in the last 10 seconds",
        "",
        "[b]In status[/b] is measured on the hub's clock. A yellow banner means the feed is",
        "stale or lost: the statuses shown are dimmed and may be out of date.",
    ]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.dismiss"),
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

    def __init__(self, wall: bool = False, keys: tuple[tuple[str, str], ...] | None = None) -> None:
        super().__init__()
        self.wall = wall
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "ringmon · help"
            box.border_subtitle = "escape closes"
            yield Static(help_text(self.wall, self.keys))


def toggle_help(app: App[Any]) -> None:
    """F1 (and ``?`` where a screen has no help of its own): the help of the screen at hand,
    or close it when it is the help that is open."""
    screen = app.screen
    if isinstance(screen, HelpScreen):
        screen.dismiss()
        return
    from ringmon.screens.board import BoardScreen

    if isinstance(screen, BoardScreen):
        app.push_screen(HelpScreen(wall=screen.wall))
    else:
        app.push_screen(HelpScreen(keys=screen_keys(app, screen)))
