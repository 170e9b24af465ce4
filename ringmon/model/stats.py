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

from ringmon.model.calls import CallLeg, Outcome
from ringmon.model.period import local_date
from ringmon.model.schema import Direction
from ringmon.model.state import Transition
from ringmon.model.status import BY_PRIORITY, Status
from ringmon.model.timeline import Interval, day_timeline, time_in_status


@dataclass(slots=True)
class CallStats:
    incoming: int = 0
    outgoing: int = 0
    missed: int = 0
    short_unanswered: int = 0
    outgoing_unanswered: int = 0
    missed_answered_by_colleague: int = 0
    total_talk: float = 0.0
    _answer_total: float = 0.0

    @property
    def handled(self) -> int:
        return self.incoming + self.outgoing

    @property
    def average_talk(self) -> float:
        return self.total_talk / self.handled if self.handled else 0.0

    @property
    def average_answer(self) -> float:
        return self._answer_total / self.incoming if self.incoming else 0.0

    def add(self, leg: CallLeg, now: float) -> None:
        outcome = leg.outcome()
        if leg.answered:
            if leg.direction is Direction.IN:
                self.incoming += 1
                self._answer_total += leg.ring_seconds()
            else:
                self.outgoing += 1
            self.total_talk += leg.talk_seconds(now)
        elif outcome is Outcome.MISSED:
            self.missed += 1
            if leg.answered_by_colleague:
                self.missed_answered_by_colleague += 1
        elif outcome is Outcome.SHORT:
            self.short_unanswered += 1
        elif outcome is Outcome.UNANSWERED:
            self.outgoing_unanswered += 1

    def merge(self, other: CallStats) -> None:
        self.incoming += other.incoming
        self.outgoing += other.outgoing
        self.missed += other.missed
        self.short_unanswered += other.short_unanswered
        self.outgoing_unanswered += other.outgoing_unanswered
        self.missed_answered_by_colleague += other.missed_answered_by_colleague
        self.total_talk += other.total_talk
        self._answer_total += other._answer_total

    def as_dict(self) -> dict[str, float | int]:
        return {
            "handled": self.handled,
            "incoming": self.incoming,
            "outgoing": self.outgoing,
            "missed": self.missed,
            "short_unanswered": self.short_unanswered,
            "outgoing_unanswered": self.outgoing_unanswered,
            "missed_answered_by_colleague": self.missed_answered_by_colleague,
            "total_talk": round(self.total_talk, 3),
            "average_talk": round(self.average_talk, 3),
            "average_answer": round(self.average_answer, 3),
        }


def call_stats(legs: Iterable[CallLeg], now: float) -> CallStats:
    stats = CallStats()
    for leg in legs:
        stats.add(leg, now)
    return stats


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
