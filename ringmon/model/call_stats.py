"""One employee's call figures over a set of legs (R9, R10, R11, R13): the profile's
statistics and the board's counter columns both count with ``CallStats.add``.

The definitions are in ``ringmon.model.stats`` (and docs/feed-protocol.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ringmon.model.calls import MISSED_AFTER_SECONDS, CallLeg
from ringmon.model.schema import Direction

_IN = Direction.IN
"""For hot code: reading ``Direction.IN`` goes through the enum class's slow ``__getattr__``."""


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

    def add(self, leg: CallLeg, now: float) -> float:
        """Count one leg (as its ``outcome`` says, up to ``now`` while in progress); return
        its talk time counted. Spelt out rather than through ``outcome``: every leg that ends
        comes through here (the board's counters of the day)."""
        answer_at = leg.answer_at
        end_at = leg.end_at
        if answer_at is not None:
            if leg.direction is _IN:
                self.incoming += 1
                if answer_at > leg.ring_at:
                    self._answer_total += answer_at - leg.ring_at
            else:
                self.outgoing += 1
            talk = (now if end_at is None else end_at) - answer_at
            if talk > 0.0:
                self.total_talk += talk
                return talk
            return 0.0
        if end_at is None:
            return 0.0  # ringing
        if leg.direction is not _IN:
            self.outgoing_unanswered += 1
        elif end_at - leg.ring_at > MISSED_AFTER_SECONDS:
            self.missed += 1
            if leg.answered_by_colleague:
                self.missed_answered_by_colleague += 1
        else:
            self.short_unanswered += 1
        return 0.0

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
