"""The live board's logic, without Textual: filters, sort orders, summary, thresholds.

The board screen shows one row per employee (R3; the rows themselves are
``ringmon.model.board_rows``, re-exported here). This module decides which rows pass the quick
filters (R4, R5), in which order
(status priority, then longest in status, by default), the summary figures (R2), and which rows
are past a configured time limit. ``Board`` keeps the filtered, sorted rows incrementally, so a
batch of events costs a few binary searches, not a re-sort of 10,000 rows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ringmon.model.board_rows import (
    DeviceView,
    Row,
    build_row,
    build_rows,
    deciding_device,
    ringing_legs,
)
from ringmon.model.filter_query import Query, parse_query
from ringmon.model.status import BY_PRIORITY, RANK, Status

__all__ = [
    "NO_DEPARTMENT",
    "RINGING",
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

RINGING = "ringing"
"""A pseudo-status for the status filter: rows with a call ringing now."""

NO_DEPARTMENT = ""
"""The department filter's value for employees without a department."""


# -- filters ----------------------------------------------------------------------------------


class ChipKind(StrEnum):
    NAME = "name"
    DEPARTMENT = "department"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class Chip:
    """One active quick filter. Values of one chip combine with OR; chips combine with AND."""

    kind: ChipKind
    values: frozenset[str]
    query: Query | None = field(default=None, compare=False)
    """A name chip typed in ``/``: its query (``values`` holds the text as typed)."""

    def matches(self, row: Row) -> bool:
        if self.kind is ChipKind.NAME:
            if self.query is not None:
                return self.query.matches(row)
            return all(v in row.folded for v in self.values)
        if self.kind is ChipKind.DEPARTMENT:
            return (row.department or NO_DEPARTMENT) in self.values
        return row.status.value in self.values or (RINGING in self.values and row.ringing)

    @property
    def label(self) -> str:
        if self.kind is ChipKind.NAME:
            if self.query is not None:
                return "/" + self.query.text
            return "name~" + ",".join(sorted(self.values))
        if self.kind is ChipKind.DEPARTMENT:
            names = sorted(v or "(none)" for v in self.values)
            return "dept: " + ", ".join(names)
        order = [s.value for s in BY_PRIORITY] + [RINGING]
        vals = sorted(self.values, key=lambda v: order.index(v) if v in order else 99)
        return "status: " + ", ".join(vals)


@dataclass(frozen=True, slots=True)
class Filters:
    """The active chips, in the order they were set (``escape`` removes the last one)."""

    chips: tuple[Chip, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.chips)

    def get(self, kind: ChipKind) -> Chip | None:
        for chip in self.chips:
            if chip.kind is kind:
                return chip
        return None

    def values(self, kind: ChipKind) -> frozenset[str]:
        chip = self.get(kind)
        return chip.values if chip is not None else frozenset()

    def with_chip(self, kind: ChipKind, values: Iterable[str]) -> Filters:
        """Set (or, with no values, remove) the chip of ``kind``; a set chip becomes the last."""
        vals = frozenset(values)
        if kind is ChipKind.NAME:
            vals = frozenset(v.strip().casefold() for v in vals if v.strip())
        rest = tuple(c for c in self.chips if c.kind is not kind)
        if not vals:
            return Filters(rest)
        existing = self.get(kind)
        if existing is not None and existing.values == vals:
            return self
        return Filters((*rest, Chip(kind, vals)))

    def with_name(self, text: str) -> Filters:
        """The type-to-filter (``/``): ``text`` is a query of the filter language
        (``ringmon.model.filter_query``; raises its ``QueryError``). The chip keeps its place
        while the text is edited."""
        query = parse_query(text)
        if not query:
            return self.with_chip(ChipKind.NAME, ())
        chip = Chip(ChipKind.NAME, frozenset({query.text}), query)
        existing = self.get(ChipKind.NAME)
        if existing is not None and existing == chip and existing.query == query:
            return self
        if self.get(ChipKind.NAME) is None:
            return Filters((*self.chips, chip))
        return Filters(tuple(chip if c.kind is ChipKind.NAME else c for c in self.chips))

    def without_last(self) -> Filters:
        return Filters(self.chips[:-1])

    def matches(self, row: Row) -> bool:
        return all(chip.matches(row) for chip in self.chips)

    def funnel(self, rows: Iterable[Row]) -> list[int]:
        """For each chip, how many rows pass it and every chip before it (the last is the
        number of rows shown)."""
        counts = [0] * len(self.chips)
        chips = self.chips
        for row in rows:
            for i, chip in enumerate(chips):
                if not chip.matches(row):
                    break
                counts[i] += 1
        return counts


# -- sorting ----------------------------------------------------------------------------------


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

    def next(self, cycle: tuple[SortColumn, ...] = SORT_CYCLE) -> Sort:
        """The next column of the ``s`` cycle, ascending."""
        index = cycle.index(self.column) if self.column in cycle else -1
        return Sort(cycle[(index + 1) % len(cycle)])

    def toggled(self) -> Sort:
        return replace(self, reverse=not self.reverse)

    def by(self, column: SortColumn) -> Sort:
        """A header click: a new column ascending, the same column reversed."""
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


# -- thresholds -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """Per-status time limits in seconds (None: no limit). Off by default. (The settings'
    section that sets them is ``ringmon.config.Thresholds``.)"""

    talking: float | None = None
    ringing: float | None = None
    online: float | None = None
    dnd: float | None = None
    offline: float | None = None

    @property
    def enabled(self) -> bool:
        return any(
            v is not None for v in (self.talking, self.ringing, self.online, self.dnd, self.offline)
        )

    def limit(self, status: Status) -> float | None:
        value: float | None = getattr(self, status.value)
        return value

    def over(self, row: Row, now: float) -> bool:
        """Is the row past a limit: its status's, or the ringing one while a call rings?"""
        limit = self.limit(row.status)
        if limit is not None and now - row.since > limit:
            return True
        return (
            self.ringing is not None
            and row.ringing_since is not None
            and now - row.ringing_since > self.ringing
        )

    @classmethod
    def from_config(cls, source: Mapping[str, object] | None) -> TimeLimits:
        """From the settings' ``[thresholds]`` as a mapping by status name; values are
        seconds, ``timedelta``s, or None/0 for no limit. A name that is not a status (a
        typo) is an error, never a limit silently left off."""
        if not source:
            return cls()
        values: dict[str, float | None] = {}
        for name, raw in source.items():
            if name not in LIMITED:
                raise ValueError(f"{name!r} is not a status with a time limit")
            if raw is not None and hasattr(raw, "total_seconds"):
                raw = raw.total_seconds()
            values[name] = float(raw) if isinstance(raw, int | float) and raw else None
        return cls(**values)


LIMITED = ("talking", "ringing", "online", "dnd", "offline")
"""The statuses (and ringing) that a time limit may be set for."""


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
