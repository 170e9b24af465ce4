"""The filter panel (``f``, R4): departments and statuses, each multi-select.

Values within one list combine with OR, the two lists with AND (department Sales AND status
offline). A list shows what the board will show: with no filter every entry is ticked, and
``space`` on one of them unticks just that one. ``tab`` moves between the lists, ``enter``
applies (a list ticked in full, or not at all, filters nothing), ``escape`` cancels,
``ctrl+u`` ticks everything again (no filter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.widgets.selection_list import Selection

from ringmon.model.board import NO_DEPARTMENT, RINGING
from ringmon.model.status import BY_PRIORITY
from ringmon.present.glyphs import GLYPHS, RINGING_GLYPH
from ringmon.present.markup import as_markup
from ringmon.screens.choice_list import ChoiceList

Result = tuple[frozenset[str], frozenset[str]]

STATUS_VALUES = frozenset([*(s.value for s in BY_PRIORITY), RINGING])


def _total(counts: Mapping[str, int]) -> int:
    return sum(v for k, v in counts.items() if k != RINGING)


def department_label(name: str) -> str:
    return name or "(no department)"


def ticked_at_start(chosen: frozenset[str], values: frozenset[str]) -> frozenset[str]:
    """What a list ticks when it opens: the filter's values, or all of them when none."""
    return chosen if chosen else values


def filter_of(ticked: frozenset[str], values: frozenset[str]) -> frozenset[str]:
    """The filter a list's ticks mean: none when everything (or nothing) is ticked."""
    return frozenset() if ticked >= values or not ticked else ticked


def status_filter(ticked: frozenset[str]) -> frozenset[str]:
    """Every status ticked shows every row, ringing or not: no status filter then."""
    return filter_of(ticked, STATUS_VALUES - {RINGING})


class FilterPanel(ModalScreen[Result | None]):
    """Pick departments and statuses; returns (departments, statuses) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filter_panel.cancel"),
        Binding("ctrl+u", "clear", "Clear all", id="filter_panel.clear"),
    ]

    DEFAULT_CSS = """
    FilterPanel { align: center middle; }
    FilterPanel > Vertical {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
    }
    FilterPanel Horizontal { height: auto; max-height: 20; }
    FilterPanel ChoiceList { width: 1fr; height: auto; max-height: 18; }
    FilterPanel #panel-help { color: $text-muted; padding: 0 1; }
    """

    def __init__(
        self,
        departments: Mapping[str, Mapping[str, int]],
        chosen_departments: frozenset[str],
        chosen_statuses: frozenset[str],
    ) -> None:
        super().__init__()
        self.departments = departments
        self.chosen_departments = chosen_departments
        self.chosen_statuses = chosen_statuses

    def compose(self) -> ComposeResult:
        totals: dict[str, int] = {}
        for counts in self.departments.values():
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        names = sorted(self.departments, key=lambda d: (d == NO_DEPARTMENT, d.casefold()))
        ticked = ticked_at_start(self.chosen_departments, frozenset(names))
        dept_items = [
            Selection(
                f"{as_markup(department_label(d))} ({_total(self.departments[d])})", d, d in ticked
            )
            for d in names
        ]
        ticked = ticked_at_start(self.chosen_statuses, STATUS_VALUES)
        status_items = [
            Selection(
                f"{GLYPHS[s]} {s.label} ({totals.get(s.value, 0)})", s.value, s.value in ticked
            )
            for s in BY_PRIORITY
        ]
        status_items.insert(
            1,
            Selection(
                f"{RINGING_GLYPH} ringing ({totals.get(RINGING, 0)})",
                RINGING,
                RINGING in ticked,
            ),
        )
        with Vertical() as box:
            box.border_title = "Filter"
            with Horizontal():
                departments = ChoiceList(*dept_items, id="departments")
                departments.border_title = "Departments"
                yield departments
                statuses = ChoiceList(*status_items, id="statuses")
                statuses.border_title = "Statuses"
                yield statuses
            yield Static(
                "space ticks/unticks · a: all/none · tab: other list · enter applies · "
                "escape cancels · ctrl+u: no filter",
                id="panel-help",
            )

    @on(ChoiceList.Apply)
    def _apply(self, message: ChoiceList.Apply) -> None:
        departments = self.query_one("#departments", ChoiceList)
        statuses = self.query_one("#statuses", ChoiceList)
        self.dismiss(
            (
                filter_of(frozenset(departments.selected), departments.all_values),
                status_filter(frozenset(statuses.selected)),
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_clear(self) -> None:
        for choice in self.query(ChoiceList):
            choice.select_all()
