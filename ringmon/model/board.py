"""The live board's logic, without Textual: the shown rows, filtered and sorted, and the summary.

The board screen shows one row per employee (R3). Its parts, each in a module of its own and
re-exported here: the rows (``ringmon.model.board_rows``), the quick filters (R4, R5;
``board_filters``), the sort orders (status priority, then longest in status, by default;
``board_sort``) and the time limits (``time_limits``). This module keeps the summary figures
(R2) and ``Board``, which keeps the filtered, sorted rows incrementally, so a batch of events
costs a few binary searches, not a re-sort of 10,000 rows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ringmon.model.board_filters import NO_DEPARTMENT, RINGING, Chip, ChipKind, Filters
from ringmon.model.board_rows import (
    DeviceView,
    Row,
    build_row,
    build_rows,
    deciding_device,
    ringing_legs,
)
from ringmon.model.board_sort import COUNTER_SORTS, SORT_CYCLE, Sort, SortColumn
from ringmon.model.status import Status
from ringmon.model.time_limits import LIMITED, TimeLimits

__all__ = [
    "COUNTER_SORTS",
    "LIMITED",
    "NO_DEPARTMENT",
    "RINGING",
    "SORT_CYCLE",
    "Board",
    "Change",
    "Chip",
    "ChipKind",
    "DeviceView",
    "Filters",
    "Row",
    "Sort",
    "SortColumn",
    "Summary",
    "TimeLimits",
    "build_row",
    "build_rows",
    "deciding_device",
    "ringing_legs",
]


# -- summary ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """The summary panel's figures (R2)."""

    talking: int = 0
    ringing: int = 0
    online: int = 0
    dnd: int = 0
    offline: int = 0
    calls_today: int = 0
    missed_today: int = 0
    over_limit: int = 0

    @property
    def total(self) -> int:
        return self.talking + self.online + self.dnd + self.offline

    def count(self, status: Status) -> int:
        value: int = getattr(self, status.value)
        return value


# -- the board --------------------------------------------------------------------------------


@dataclass(slots=True)
class Change:
    """What one update did to the shown rows."""

    moved: bool = False
    """Rows entered, left, or changed place: lines from ``first_index`` on may differ."""
    first_index: int | None = None
    changed: set[str] = field(default_factory=set)
    """Ids whose rows changed in place (or moved)."""


class Board:
    """All rows, and the shown ones (filtered) in sort order, kept incrementally."""

    def __init__(self, sort: Sort | None = None, filters: Filters | None = None) -> None:
        self.rows: dict[str, Row] = {}
        self.sort = sort or Sort()
        self.filters = filters or Filters()
        self._keys: dict[str, tuple[Any, ...]] = {}
        self._order: list[tuple[Any, ...]] = []
        self._status_counts: dict[Status, int] = dict.fromkeys(Status, 0)
        self._ringing = 0
        self.held = False
        """The order holds: a shown row that changes keeps its place (see ``hold``)."""
        self._out_of_place: set[str] = set()

    # -- queries --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[Row]:
        for i in range(len(self._order)):
            yield self.row_at(i)

    def row_at(self, index: int) -> Row:
        """The row shown at ``index`` (0 is the top)."""
        order = self._order
        key = order[len(order) - 1 - index] if self.sort.reverse else order[index]
        return self.rows[key[-1]]

    def index_of(self, employee_id: str) -> int | None:
        """Where the employee's row is shown, or None if filtered out or unknown."""
        key = self._keys.get(employee_id)
        if key is None:
            return None
        i = bisect_left(self._order, key)
        if i >= len(self._order) or self._order[i] != key:
            return None
        return len(self._order) - 1 - i if self.sort.reverse else i

    def counts(self) -> dict[Status, int]:
        return dict(self._status_counts)

    @property
    def ringing_count(self) -> int:
        return self._ringing

    def summary(self, calls_today: int = 0, missed_today: int = 0, over: int = 0) -> Summary:
        c = self._status_counts
        return Summary(
            talking=c[Status.TALKING],
            ringing=self._ringing,
            online=c[Status.ONLINE],
            dnd=c[Status.DND],
            offline=c[Status.OFFLINE],
            calls_today=calls_today,
            missed_today=missed_today,
            over_limit=over,
        )

    def departments(self) -> dict[str, dict[str, int]]:
        """Per department (``""``: none), the number of employees per status and ringing."""
        out: dict[str, dict[str, int]] = {}
        for row in self.rows.values():
            counts = out.setdefault(row.department or NO_DEPARTMENT, {})
            counts[row.status.value] = counts.get(row.status.value, 0) + 1
            if row.ringing:
                counts[RINGING] = counts.get(RINGING, 0) + 1
        return out

    def over_limit(self, thresholds: TimeLimits, now: float) -> set[str]:
        """Ids of every row past a limit (all rows, filtered or not)."""
        if not thresholds.enabled:
            return set()
        return {r.id for r in self.rows.values() if thresholds.over(r, now)}

    # -- changes --------------------------------------------------------------------------

    def reset(self, rows: Iterable[Row]) -> None:
        """Replace every row (a new snapshot)."""
        self.rows = {r.id: r for r in rows}
        self._status_counts = dict.fromkeys(Status, 0)
        self._ringing = 0
        for row in self.rows.values():
            self._status_counts[row.status] += 1
            self._ringing += row.ringing
        self._rebuild()

    def set_sort(self, sort: Sort) -> None:
        if sort != self.sort:
            self.sort = sort
            self._rebuild()

    def set_filters(self, filters: Filters) -> None:
        if filters != self.filters:
            self.filters = filters
            self._rebuild()

    def hold(self, held: bool) -> bool:
        """Hold the order (rows keep their places while the user looks at them) or let it go;
        True when letting go moved rows to where the sort puts them now."""
        self.held = held
        if held or not self._out_of_place:
            return False
        self._rebuild()
        return True

    @property
    def out_of_place(self) -> int:
        """How many shown rows a held order keeps away from their sorted place."""
        return len(self._out_of_place)

    def _rebuild(self) -> None:
        self._out_of_place.clear()
        key = self.sort.key
        matches = self.filters.matches
        self._keys = {r.id: key(r) for r in self.rows.values()}
        self._order = sorted(self._keys[r.id] for r in self.rows.values() if matches(r))

    def update(self, rows: Mapping[str, Row | None]) -> Change:
        """Apply new rows (None: the employee is gone); return what changed on screen."""
        change = Change()
        order = self._order
        sort_key = self.sort.key
        matches = self.filters.matches
        low: int | None = None
        for emp_id, row in rows.items():
            old = self.rows.get(emp_id)
            if old is row:
                continue
            if old is not None:
                self._status_counts[old.status] -= 1
                self._ringing -= old.ringing
                old_key = self._keys.pop(emp_id)
                i = bisect_left(order, old_key)
                if i < len(order) and order[i] == old_key:
                    # Shown before: it leaves its place (maybe to come back to the same one).
                    if row is not None and matches(row):
                        new_key = sort_key(row)
                        if new_key != old_key and self.held:
                            # Held: it changes in place, under its old key, until let go.
                            self._out_of_place.add(emp_id)
                            new_key = old_key
                        elif new_key == old_key:
                            self._out_of_place.discard(emp_id)
                        if new_key == old_key:
                            order[i] = new_key
                            self.rows[emp_id] = row
                            self._keys[emp_id] = new_key
                            self._status_counts[row.status] += 1
                            self._ringing += row.ringing
                            change.changed.add(emp_id)
                            continue
                    del order[i]
                    self._out_of_place.discard(emp_id)
                    low = i if low is None else min(low, i)
                    change.moved = True
            if row is None:
                self.rows.pop(emp_id, None)
                continue
            self.rows[emp_id] = row
            self._status_counts[row.status] += 1
            self._ringing += row.ringing
            new_key = sort_key(row)
            self._keys[emp_id] = new_key
            if matches(row):
                i = bisect_left(order, new_key)
                order.insert(i, new_key)
                low = i if low is None else min(low, i)
                change.moved = True
                change.changed.add(emp_id)
        if low is not None:
            # Reversed, every line from the top down to that place may have shifted.
            change.first_index = 0 if self.sort.reverse else low
        return change
