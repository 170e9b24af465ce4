"""The department menu (``d``, R5): every department with its counts per status.

Every department is ticked while none is filtered (``[x]``/``[ ]``, readable without colour);
``space`` ticks or unticks one (on a full list: unticks just that one). ``enter`` filters by
the ticked departments once any was toggled (all or none ticked: no department filter), else
by the highlighted one alone. Like the filter panel, the menu follows the board while it is
open (``follow``): opened before the hub's snapshot, it says that it waits for the hub.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.widgets.selection_list import Selection

from ringmon.model.board import NO_DEPARTMENT, RINGING
from ringmon.model.status import Status
from ringmon.present.glyphs import GLYPHS, RINGING_GLYPH
from ringmon.present.status_style import RINGING_VAR, STATUS_VARS
from ringmon.present.words import figure
from ringmon.screens.choice_list import ChoiceList
from ringmon.screens.filter_panel import department_label, filter_of, ticked_at_start

COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    # (count key, heading, glyph, width)
    (Status.TALKING.value, "talking", GLYPHS[Status.TALKING], 8),
    (RINGING, "ringing", RINGING_GLYPH, 8),
    (Status.ONLINE.value, "online", GLYPHS[Status.ONLINE], 7),
    (Status.DND.value, "dnd", GLYPHS[Status.DND], 6),
    (Status.OFFLINE.value, "offline", GLYPHS[Status.OFFLINE], 8),
)
TOTAL_WIDTH = 7


def department_heading(width: int) -> str:
    """The column headings above the list, aligned with ``department_line``."""
    heads = "".join(f"{head:>{w}}" for _key, head, _glyph, w in COLUMNS)
    return f"{'Department':<{width}}{heads}{'total':>{TOTAL_WIDTH}}"


def department_line(name: str, counts: Mapping[str, int], width: int) -> Content:
    """``Sales                  ● 3     ♪ 1     ○ 12   ⊘ 1    · 4     21``"""
    total = sum(v for k, v in counts.items() if k != RINGING)
    label = Content(department_label(name)).truncate(width, ellipsis=True)
    parts: list[Content | str] = [label, " " * (width - label.cell_length)]
    for key, _head, glyph, w in COLUMNS:
        number = figure(counts.get(key, 0))
        var = RINGING_VAR if key == RINGING else STATUS_VARS[Status(key)]
        parts.append(" " * (w - len(number) - 2))
        parts.append(Content.from_markup(f"[{var}]{glyph}[/] {number}"))
    parts.append(f"{figure(total):>{TOTAL_WIDTH}}")
    return Content.assemble(*parts)


class DepartmentMenu(ModalScreen[frozenset[str] | None]):
    """Departments with per-status counts; returns the chosen ones (None: cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,d", "cancel", "Cancel", id="department_menu.cancel"),
    ]

    DEFAULT_CSS = """
    DepartmentMenu { align: center middle; }
    DepartmentMenu > Vertical {
        width: auto;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
    }
    DepartmentMenu ChoiceList { width: auto; height: auto; max-height: 20; }
    DepartmentMenu #menu-head { padding: 0 0 0 6; color: $text-muted; width: auto; }
    DepartmentMenu #menu-help { color: $text-muted; padding: 0 1; }
    DepartmentMenu #menu-waiting { padding: 0 1; max-width: 72; }
    """

    NAME_WIDTH = 22

    def __init__(
        self,
        departments: Mapping[str, Mapping[str, int]],
        chosen: frozenset[str],
        waiting: str | None = None,
    ) -> None:
        super().__init__()
        self.departments = departments
        self.chosen = chosen
        self.waiting = waiting
        """Why there are no data yet (connecting, the hub loading): said above the list."""
        self.ticked_at_start: frozenset[str] = frozenset()

    def compose(self) -> ComposeResult:
        choices = self._choices()
        self.ticked_at_start = ticked_at_start(self.chosen, frozenset(d for _, d in choices))
        items = [Selection(line, d, d in self.ticked_at_start) for line, d in choices]
        head = department_heading(self.NAME_WIDTH)
        with Vertical() as box:
            box.border_title = "Departments"
            note = Static(self._waiting_text(), id="menu-waiting")
            note.display = self.waiting is not None
            yield note
            yield Static(head, id="menu-head")
            yield ChoiceList(*items, id="department-list")
            yield Static(
                "enter: the highlighted, or the ticked after space · space ticks · esc",
                id="menu-help",
            )

    def follow(self, departments: Mapping[str, Mapping[str, int]], waiting: str | None) -> None:
        """Show the board's counts as they are now (the menu may have opened before the
        snapshot came); the user's ticks stay, a department new to the list is ticked as the
        filter the menu opened with says (and counts as untouched by the user)."""
        self.departments = departments
        self.waiting = waiting
        note = self.query_one("#menu-waiting", Static)
        note.update(self._waiting_text())
        note.display = waiting is not None
        choices = self.query_one("#department-list", ChoiceList)
        had = choices.all_values
        chosen = self.chosen
        choices.set_choices(self._choices(), lambda d: not chosen or d in chosen)
        now = choices.all_values
        came = frozenset(choices.selected) & (now - had)
        self.ticked_at_start = (self.ticked_at_start & now) | came

    def _choices(self) -> list[tuple[Content, str]]:
        names = sorted(self.departments, key=lambda d: (d == NO_DEPARTMENT, d.casefold()))
        return [(department_line(d, self.departments[d], self.NAME_WIDTH), d) for d in names]

    def _waiting_text(self) -> Content:
        if self.waiting is None:
            return Content("")
        return Content(
            f"{self.waiting} The departments and their counts fill in when the hub's "
            "snapshot comes."
        )

    @on(ChoiceList.Apply)
    def _apply(self, message: ChoiceList.Apply) -> None:
        choices = message.choice_list
        ticked = frozenset(choices.selected)
        if ticked != self.ticked_at_start:
            self.dismiss(filter_of(ticked, choices.all_values))
            return
        value = choices.highlighted_value
        self.dismiss(frozenset() if value is None else frozenset({value}))

    def action_cancel(self) -> None:
        self.dismiss(None)
