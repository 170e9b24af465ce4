"""Call legs and the missed-call rule (R11)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum

from ringmon.model.schema import Direction

MISSED_AFTER_SECONDS = 5.0
"""R11: a call that rang the employee for more than this and was not answered is missed."""


class Outcome(StrEnum):
    ANSWERED = "answered"
    MISSED = "missed"
    SHORT = "short"  # unanswered, rang 5 s or less: not a missed call (R11)
    UNANSWERED = "unanswered"  # an outgoing call nobody picked up
    RINGING = "ringing"
    TALKING = "talking"


@dataclass(slots=True)
class CallLeg:
    """One employee's part of a call: it rang (or was dialled), maybe answered, then ended."""

    call: str
    leg: str
    account: str
    device: str | None
    employee: str | None
    direction: Direction
    remote: str
    ring_at: float
    answer_at: float | None = None
    end_at: float | None = None
    recording: str | None = None

    @property
    def answered(self) -> bool:
        return self.answer_at is not None

    def ring_seconds(self, now: float | None = None) -> float:
        """How long it rang: until answered, or until it ended unanswered (or ``now``)."""
        stop = self.answer_at if self.answer_at is not None else self.end_at
        if stop is None:
            stop = now if now is not None else self.ring_at
        return max(0.0, stop - self.ring_at)

    def talk_seconds(self, now: float | None = None) -> float:
        if self.answer_at is None:
            return 0.0
        stop = self.end_at if self.end_at is not None else now
        return 0.0 if stop is None else max(0.0, stop - self.answer_at)

    def outcome(self) -> Outcome:
        if self.answer_at is not None:
            return Outcome.ANSWERED if self.end_at is not None else Outcome.TALKING
        if self.end_at is None:
            return Outcome.RINGING
        if self.direction is Direction.OUT:
            return Outcome.UNANSWERED
        return Outcome.MISSED if is_missed(self) else Outcome.SHORT


def is_missed(leg: CallLeg) -> bool:
    """R11: incoming, ended without an answer, after ringing for more than 5 seconds."""
    return (
        leg.direction is Direction.IN
        and leg.answer_at is None
        and leg.end_at is not None
        and leg.end_at - leg.ring_at > MISSED_AFTER_SECONDS
    )


@dataclass(slots=True)
class DayTally:
    """A whole call center's calls on one calendar day (a call counts once, however many
    people it rang: the summary panel's figures, R2)."""

    calls: int = 0
    answered: int = 0
    missed: int = 0


@dataclass(slots=True)
class OpenCall:
    day: date
    legs: int = 0
    answered: bool = False
    missed: bool = False


@dataclass(slots=True)
class CallTally:
    """Counts calls per local calendar day as their legs ring and end.

    A call is counted on the day its first leg rang. It is answered if any leg was answered,
    and missed if it was not answered and at least one leg was missed by R11.
    """

    tz: tzinfo
    days: dict[date, DayTally] = field(default_factory=dict)
    open_calls: dict[str, OpenCall] = field(default_factory=dict)

    def ring(self, leg: CallLeg) -> None:
        call = self.open_calls.get(leg.call)
        if call is None:
            day = datetime.fromtimestamp(leg.ring_at, self.tz).date()
            call = self.open_calls[leg.call] = OpenCall(day)
            self.day(day).calls += 1
        call.legs += 1

    def end(self, leg: CallLeg) -> None:
        call = self.open_calls.get(leg.call)
        if call is None:
            return
        call.legs -= 1
        call.answered = call.answered or leg.answered
        call.missed = call.missed or is_missed(leg)
        if call.legs <= 0:
            del self.open_calls[leg.call]
            tally = self.day(call.day)
            if call.answered:
                tally.answered += 1
            elif call.missed:
                tally.missed += 1

    def day(self, day: date) -> DayTally:
        tally = self.days.get(day)
        if tally is None:
            tally = self.days[day] = DayTally()
        return tally
