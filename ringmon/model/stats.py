"""Period statistics of one employee (R9, R10, R11, R13).

Definitions (docs/feed-protocol.md repeats them):
- a leg belongs to the calendar day on which it started ringing;
- ``incoming``: incoming legs the employee answered; ``outgoing``: outgoing legs that connected;
  ``handled`` is their sum;
- ``missed``: incoming legs unanswered after ringing more than 5 s (R11);
  ``short_unanswered``: incoming legs unanswered after 5 s or less (not missed);
  ``outgoing_unanswered``: outgoing legs nobody picked up;
  ``missed_answered_by_colleague``: of the missed, those whose call another employee answered
  (a hunt group, a queue: ``calls.mark_answered_by_colleague``);
- ``total_talk``: answered time of every handled leg (a call in progress counts up to now);
  ``average_talk`` = total_talk / handled; ``average_answer``: the mean ring time of the
  answered incoming legs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, tzinfo

from ringmon.model.call_stats import CallStats, call_stats
from ringmon.model.calls import CallLeg
from ringmon.model.period import local_date
from ringmon.model.state import Transition
from ringmon.model.status import BY_PRIORITY, Status
from ringmon.model.timeline import Interval, day_timeline, time_in_status

__all__ = [
    "CallStats",
    "DayStats",
    "PeriodStats",
    "call_stats",
    "legs_by_day",
    "period_stats",
]


@dataclass(slots=True)
class DayStats:
    day: date
    calls: CallStats
    timeline: list[Interval]
    in_status: dict[Status, float]


@dataclass(slots=True)
class PeriodStats:
    days: list[DayStats]
    calls: CallStats = field(default_factory=CallStats)
    in_status: dict[Status, float] = field(default_factory=lambda: dict.fromkeys(BY_PRIORITY, 0.0))


def legs_by_day(
    legs: Iterable[CallLeg], days: Sequence[date], tz: tzinfo, now: float
) -> dict[date, list[CallLeg]]:
    """The legs of each day of a period: a leg belongs to the local day it started ringing
    on, and only once it has (a leg "ringing" after ``now`` is not known yet). The call log
    and the statistics both take their legs from here, so they always count the same calls.
    """
    by_day: dict[date, list[CallLeg]] = {day: [] for day in days}
    for leg in legs:
        bucket = by_day.get(local_date(leg.ring_at, tz))
        if bucket is not None and leg.ring_at <= now:
            bucket.append(leg)
    return by_day


def period_stats(
    transitions: Sequence[Transition],
    legs: Iterable[CallLeg],
    days: Sequence[date],
    tz: tzinfo,
    now: float,
) -> PeriodStats:
    """Every number of the profile for a period: per day and in total."""
    by_day = legs_by_day(legs, days, tz, now)
    result = PeriodStats(days=[])
    for day in days:
        timeline = day_timeline(transitions, day, tz, now)
        day_stats = DayStats(
            day=day,
            calls=call_stats(by_day[day], now),
            timeline=timeline,
            in_status=time_in_status(timeline),
        )
        result.days.append(day_stats)
        result.calls.merge(day_stats.calls)
        for status, seconds in day_stats.in_status.items():
            result.in_status[status] += seconds
    return result
