"""Timelines: who was in which status when, clipped to calendar days (R13, R14, R16, R18).

A timeline is built from transitions (the instants where a status changed, as
``State(record=True)`` keeps them). Before the first transition an employee or device is
offline. The part of a day that lies after ``now`` is not in the timeline: nobody knows it yet.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from ringmon.model.period import day_bounds
from ringmon.model.state import Transition
from ringmon.model.status import BY_PRIORITY, Status


@dataclass(frozen=True, slots=True)
class Interval:
    start: float
    end: float
    status: Status
    reason: str | None = None
    """Why the status, when a source said (a dnd's ``Lunch``)."""

    @property
    def seconds(self) -> float:
        return self.end - self.start


def status_at(transitions: Sequence[Transition], at: float) -> Status:
    """The status in force at instant ``at`` (the last transition at or before it)."""
    index = bisect_right([t.at for t in transitions], at)
    return transitions[index - 1].status if index else Status.OFFLINE


def intervals(transitions: Sequence[Transition], start: float, end: float) -> list[Interval]:
    """The timeline over ``[start, end)``: contiguous, no gaps, no overlaps, no repeats."""
    if end <= start:
        return []
    times = [t.at for t in transitions]
    index = bisect_right(times, start)
    last = transitions[index - 1] if index else None
    current = (last.status, last.reason) if last is not None else (Status.OFFLINE, None)
    cursor = start
    out: list[Interval] = []
    for transition in transitions[index:]:
        if transition.at >= end:
            break
        if (transition.status, transition.reason) == current:
            continue
        if transition.at > cursor:
            out.append(Interval(cursor, transition.at, *current))
            cursor = transition.at
        current = (transition.status, transition.reason)
    out.append(Interval(cursor, end, *current))
    return _joined(out)


def _joined(parts: list[Interval]) -> list[Interval]:
    joined: list[Interval] = []
    for part in parts:
        last = joined[-1] if joined else None
        if (
            last is not None
            and (last.status, last.reason) == (part.status, part.reason)
            and last.end == part.start
        ):
            joined[-1] = Interval(last.start, part.end, part.status, part.reason)
        else:
            joined.append(part)
    return joined


def day_timeline(
    transitions: Sequence[Transition], day: date, tz: tzinfo, now: float
) -> list[Interval]:
    """One calendar day's timeline in the zone, cut at ``now`` if the day is not over."""
    start, end = day_bounds(day, tz)
    return intervals(transitions, start, min(end, now))


def time_in_status(timeline: Sequence[Interval]) -> dict[Status, float]:
    """Seconds per status, every status present (zero where none), in priority order."""
    totals = dict.fromkeys(BY_PRIORITY, 0.0)
    for interval in timeline:
        totals[interval.status] += interval.seconds
    return totals
