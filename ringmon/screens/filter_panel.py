"""The filter panel (``f``, R4): departments and statuses, each multi-select.

Values within one list combine with OR, the two lists with AND (department Sales AND status
offline). A list shows what the board will show: with no filter every entry is ticked, and
``space`` on one of them unticks just that one. ``tab`` moves between the lists, ``enter``
applies (a list ticked in full, or not at all, filters nothing), ``escape`` cancels,
``ctrl+u`` ticks everything again (no filter).

The panel follows the board while it is open (``follow``): opened before the hub's snapshot
came, it says that it waits for the hub, and the departments and counts fill in when the data
come; events change the counts as they change the board.
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
from ringmon.present.words import figure
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
    FilterPanel #panel-waiting { padding: 0 1; }
    """

    def __init__(
        self,
        departments: Mapping[str, Mapping[str, int]],
        chosen_departments: frozenset[str],
        chosen_statuses: frozenset[str],
        waiting: str | None = None,
    ) -> None:
        super().__init__()
        self.departments = departments
        self.chosen_departments = chosen_departments
        self.chosen_statuses = chosen_statuses
        self.waiting = waiting
        """Why there are no data yet (connecting, the hub loading): said above the lists."""

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Filter"
            note = Static(self._waiting_text(), id="panel-waiting")
            note.display = self.waiting is not None
            yield note
            with Horizontal():
                departments = ChoiceList(*self._department_items(), id="departments")
                departments.border_title = "Departments"
                yield departments
                statuses = ChoiceList(*self._status_items(), id="statuses")
                statuses.border_title = "Statuses"
                yield statuses
            yield Static(
                "space ticks/unticks · a: all/none · tab: other list · enter applies · "
                "escape cancels · ctrl+u: no filter",
                id="panel-help",
            )

    def follow(self, departments: Mapping[str, Mapping[str, int]], waiting: str | None) -> None:
        """Show the board's counts as they are now (the panel may have opened before the
        snapshot came, or while events change them); ``waiting`` says why there are no data
        yet. The user's ticks stay; a department new to the list is ticked as the filter the
        panel opened with says."""
        self.departments = departments
        self.waiting = waiting
        note = self.query_one("#panel-waiting", Static)
        note.update(self._waiting_text())
        note.display = waiting is not None
        chosen = self.chosen_departments
        self.query_one("#departments", ChoiceList).set_choices(
            self._department_choices(), lambda d: not chosen or d in chosen
        )
        self.query_one("#statuses", ChoiceList).set_choices(self._status_choices(), lambda s: True)

    def _waiting_text(self) -> str:
        if self.waiting is None:
            return ""
        return as_markup(
            f"{self.waiting} The departments and the counts fill in when the hub's snapshot comes."
        )

    def _department_choices(self) -> list[tuple[str, str]]:
        names = sorted(self.departments, key=lambda d: (d == NO_DEPARTMENT, d.casefold()))
        return [
            (f"{as_markup(department_label(d))} ({figure(_total(self.departments[d]))})", d)
            for d in names
        ]

    def _status_choices(self) -> list[tuple[str, str]]:
        """Every status with its count (none while there are no data: not a count of 0)."""
        totals: dict[str, int] = {}
        for counts in self.departments.values():
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value

        def count(key: str) -> str:
            return "" if self.waiting is not None else f" ({figure(totals.get(key, 0))})"

        choices = [(f"{GLYPHS[s]} {s.label}{count(s.value)}", s.value) for s in BY_PRIORITY]
        choices.insert(1, (f"{RINGING_GLYPH} ringing{count(RINGING)}", RINGING))
        return choices

    def _department_items(self) -> list[Selection[str]]:
        choices = self._department_choices()
        ticked = ticked_at_start(self.chosen_departments, frozenset(d for _, d in choices))
        return [Selection(prompt, d, d in ticked) for prompt, d in choices]

    def _status_items(self) -> list[Selection[str]]:
        ticked = ticked_at_start(self.chosen_statuses, STATUS_VALUES)
        return [Selection(prompt, s, s in ticked) for prompt, s in self._status_choices()]

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
