"""Each employee's calls today, kept as legs end: the board's optional counter columns.

The figures are the profile's (``ringmon.model.stats.CallStats``, the same ``add``): a leg
belongs to the local day on which it started ringing; "calls" are the handled ones (incoming
answered, outgoing connected), "missed" follows R11, "talk time" is the answered time.
``longest`` is the longest answered time of one leg. Only the newest day is kept (the board
shows today): a leg of a newer day starts the tally over, a leg of an older day (a call that
rang before midnight and ended after) stays out of it.

Updated once per ended leg (``end``), so it costs nothing per frame whatever the number of
employees; calls in progress are added when the board draws them (``EmployeeDay.live``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TYPE_CHECKING

from ringmon.model.call_stats import CallStats
from ringmon.model.calls import CallLeg
from ringmon.model.period import day_bounds, local_date

if TYPE_CHECKING:
    from ringmon.model.entities import Employee


@dataclass(slots=True)
class EmployeeDay(CallStats):
    """One employee's finished legs of the day: their figures (``CallStats``, one object with
    them: one fewer to reach per leg that ends) and the longest answered time of one leg."""

    longest: float = 0.0


_count = CallStats.add
"""``CallStats.add`` itself: ``EmployeeDays.end`` counts with it and keeps ``longest``."""


@dataclass(frozen=True, slots=True)
class DayCounters:
    """What the board's counter columns show for one employee (calls in progress included,
    up to ``now``)."""

    calls: int = 0
    missed: int = 0
    talk: float = 0.0
    longest: float = 0.0


NO_COUNTERS = DayCounters()


def finished(day: EmployeeDay | None) -> DayCounters:
    """The counters of the day's finished legs."""
    if day is None:
        return NO_COUNTERS
    return DayCounters(day.handled, day.missed, day.total_talk, day.longest)


def with_calls_in_progress(
    done: DayCounters, answered_at: Iterable[float], now: float
) -> DayCounters:
    """``done`` plus the answered legs in progress (answered at ``answered_at``), each
    counted up to ``now``, as the profile counts a call in progress."""
    calls, talk, longest = done.calls, done.talk, done.longest
    added = False
    for at in answered_at:
        seconds = max(0.0, now - at)
        calls += 1
        talk += seconds
        longest = max(longest, seconds)
        added = True
    return DayCounters(calls, done.missed, talk, longest) if added else done


_GENERATIONS = itertools.count(1)
"""Every ``EmployeeDays`` dict of entries gets its own number, never 0 (an employee's none)."""


class EmployeeDays:
    """Per employee, the finished legs of the newest day seen."""

    __slots__ = ("_span", "day", "employees", "generation", "tz")

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.day: date | None = None
        self.employees: dict[str, EmployeeDay] = {}
        self._span = (0.0, 0.0)
        # Which ``employees`` an ``Employee.day`` belongs to: it changes with the dict (a new
        # day, a snapshot restored), and within one the entry of an id never changes.
        self.generation = next(_GENERATIONS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EmployeeDays):
            return NotImplemented
        return self.day == other.day and self.employees == other.employees

    __hash__ = None  # type: ignore[assignment]

    def end(self, leg: CallLeg, owner: Employee | None = None) -> None:
        """A leg ended: count it for its employee on the day it started ringing. ``owner``:
        the employee's object (``leg.of_employee``), which keeps its entry at hand."""
        employee = leg.employee
        if employee is None:
            return
        start, stop = self._span
        if not start <= leg.ring_at < stop:
            day = local_date(leg.ring_at, self.tz)
            if self.day is not None and day < self.day:
                return
            if day != self.day:
                self.day = day
                self.employees = {}
                self.generation = next(_GENERATIONS)
                self._span = day_bounds(day, self.tz)
        if owner is not None and owner.day_generation == self.generation:
            entry = owner.day
            assert entry is not None
        else:
            entry = self.employees.get(employee)
            if entry is None:
                entry = self.employees[employee] = EmployeeDay()
            if owner is not None:
                owner.day, owner.day_generation = entry, self.generation
        talk = _count(entry, leg, leg.end_at if leg.end_at is not None else leg.ring_at)
        if talk > entry.longest:
            entry.longest = talk

    def of(self, employee: str, today: date) -> EmployeeDay | None:
        """The employee's finished legs of ``today`` (None: none, or another day is kept)."""
        if today != self.day:
            return None
        return self.employees.get(employee)

    def restore(self, day: date, employees: dict[str, EmployeeDay]) -> None:
        """Put back what a snapshot carried."""
        self.day = day
        self.employees = employees
        self.generation = next(_GENERATIONS)
        self._span = day_bounds(day, self.tz)
