"""The board's sort orders: status priority then longest in status (R3's default), name,
department, time in status, and the day's counters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from ringmon.model.board_rows import Row
from ringmon.model.status import RANK


class SortColumn(StrEnum):
    STATUS = "status"
    EMPLOYEE = "employee"
    DEPARTMENT = "department"
    IN_STATUS = "in_status"
    CALLS_TODAY = "calls_today"
    MISSED_TODAY = "missed_today"
    TALK_TODAY = "talk_today"
    LONGEST_CALL = "longest_call"

    @property
    def heading(self) -> str:
        return _SORT_TITLES[self]


_SORT_TITLES = {
    SortColumn.STATUS: "status",
    SortColumn.EMPLOYEE: "employee",
    SortColumn.DEPARTMENT: "department",
    SortColumn.IN_STATUS: "in status",
    SortColumn.CALLS_TODAY: "calls today",
    SortColumn.MISSED_TODAY: "missed today",
    SortColumn.TALK_TODAY: "talk time today",
    SortColumn.LONGEST_CALL: "longest call",
}
LARGEST_FIRST: frozenset[SortColumn] = frozenset(
    {
        SortColumn.IN_STATUS,
        SortColumn.CALLS_TODAY,
        SortColumn.MISSED_TODAY,
        SortColumn.TALK_TODAY,
        SortColumn.LONGEST_CALL,
    }
)
"""The columns whose first order is their largest value first (the longest in status, the
most calls): descending, ``▼``. The others start ascending, ``▲``: names and departments
A to Z, statuses in R16's priority order."""
SORT_CYCLE: tuple[SortColumn, ...] = (
    SortColumn.STATUS,
    SortColumn.EMPLOYEE,
    SortColumn.DEPARTMENT,
    SortColumn.IN_STATUS,
)
"""The ``s`` cycle; the counter columns join it while they are shown."""
COUNTER_SORTS: tuple[SortColumn, ...] = (
    SortColumn.CALLS_TODAY,
    SortColumn.MISSED_TODAY,
    SortColumn.TALK_TODAY,
    SortColumn.LONGEST_CALL,
)


@dataclass(frozen=True, slots=True)
class Sort:
    """A sort order. Every key ends with the employee id, so the order is total and a row's
    place is found by binary search."""

    column: SortColumn = SortColumn.STATUS
    reverse: bool = False

    @property
    def ascending(self) -> bool:
        """Whether the rows go from the smallest value to the largest (the shortest in
        status first, names A to Z, R16's priority order for statuses)."""
        return (self.column not in LARGEST_FIRST) != self.reverse

    @property
    def arrow(self) -> str:
        """The header's arrow, as a spreadsheet's: ``▲`` ascending, ``▼`` descending."""
        return "▲" if self.ascending else "▼"

    def next(self, cycle: tuple[SortColumn, ...] = SORT_CYCLE) -> Sort:
        """The next column of the ``s`` cycle, in its first order."""
        index = cycle.index(self.column) if self.column in cycle else -1
        return Sort(cycle[(index + 1) % len(cycle)])

    def toggled(self) -> Sort:
        return replace(self, reverse=not self.reverse)

    def by(self, column: SortColumn) -> Sort:
        """A header click: a new column in its first order, the same column reversed."""
        return self.toggled() if column is self.column else Sort(column)

    def key(self, row: Row) -> tuple[Any, ...]:
        rank = -RANK[row.status]
        if self.column is SortColumn.STATUS:
            # Status priority, then the longest in status first (R3's default order).
            return (rank, row.since, row.folded, row.id)
        if self.column is SortColumn.IN_STATUS:
            return (row.since, rank, row.folded, row.id)
        if self.column is SortColumn.EMPLOYEE:
            return (row.folded, row.id)
        if self.column in COUNTER_SORTS:
            # Most first. A call in progress counts in "calls" at once, in the times once
            # it ends (a key cannot follow the clock).
            done = row.calls_done
            value: float = {
                SortColumn.CALLS_TODAY: done.calls + len(row.answered_open),
                SortColumn.MISSED_TODAY: done.missed,
                SortColumn.TALK_TODAY: done.talk,
                SortColumn.LONGEST_CALL: done.longest,
            }[self.column]
            return (-value, rank, row.folded, row.id)
        dept = row.department
        return (dept is None, (dept or "").casefold(), rank, row.since, row.folded, row.id)
