"""One employee's call figures over a set of legs (R9, R10, R11, R13): the profile's
statistics and the board's counter columns both count with ``CallStats.add``.

The definitions are in ``ringmon.model.stats`` (and docs/feed-protocol.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ringmon.model.calls import CallLeg, Outcome
from ringmon.model.schema import Direction


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
