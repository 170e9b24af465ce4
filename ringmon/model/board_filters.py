"""The board's quick filters (R4, R5): chips by name, department and status, combined.

A chip's values combine with OR, chips combine with AND; ``Filters`` keeps them in the order
they were set. The name chip may hold a query of the filter language
(``ringmon.model.filter_query``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ringmon.model.board_rows import Row
from ringmon.model.filter_query import Query, parse_query
from ringmon.model.status import BY_PRIORITY

RINGING = "ringing"
"""A pseudo-status for the status filter: rows with a call ringing now."""

NO_DEPARTMENT = ""
"""The department filter's value for employees without a department."""


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
