"""Call legs and the missed-call rule (R11)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING

from ringmon.model.period import day_bounds, local_date
from ringmon.model.schema import Direction

if TYPE_CHECKING:
    from ringmon.model.entities import Account, Device, Employee

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
    remote_name: str = ""
    """The other party's name, when the source knows it (caller-id name)."""
    answered_by_colleague: bool = False
    """Unanswered here, answered by another employee's leg of the same call (a hunt group,
    a queue): see ``mark_answered_by_colleague``."""
    # The state's objects it concerns, while in progress: its account, the device it names
    # (``device``: once answered, the device it talks on), its call's record in the tally,
    # its employee.
    # References held end to end (no lookup by id when the leg is answered or ends), no part
    # of the leg itself.
    on_account: Account | None = field(default=None, init=False, repr=False, compare=False)
    on_device: Device | None = field(default=None, init=False, repr=False, compare=False)
    in_call: OpenCall | None = field(default=None, init=False, repr=False, compare=False)
    of_employee: Employee | None = field(default=None, init=False, repr=False, compare=False)
    """The employee object whose ``legs`` hold it (that of ``employee``, or of a removed one)."""

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


_IN = Direction.IN
"""For hot code: reading ``Direction.IN`` goes through the enum class's slow ``__getattr__``."""


def is_missed(leg: CallLeg) -> bool:
    """R11: incoming, ended without an answer, after ringing for more than 5 seconds."""
    return (
        leg.direction is _IN
        and leg.answer_at is None
        and leg.end_at is not None
        and leg.end_at - leg.ring_at > MISSED_AFTER_SECONDS
    )


def mark_answered_by_colleague(
    legs: Iterable[CallLeg], answered: Iterable[tuple[str, str | None]]
) -> None:
    """Set ``answered_by_colleague`` on the unanswered incoming legs of ``legs`` (one
    employee's) whose call another employee answered; ``answered`` is (call id, employee) of
    answered legs, anyone's. R11 stays per leg (such a leg is still the employee's missed call
    when it rang over 5 s); the profile and ``export stats`` say how many of the missed were
    answered by a colleague (issue 12's product decision)."""
    by_call: dict[str, set[str | None]] = {}
    for call, employee in answered:
        by_call.setdefault(call, set()).add(employee)
    for leg in legs:
        if leg.answer_at is None and leg.direction is _IN:
            answerers = by_call.get(leg.call, set()) - {leg.employee}
            leg.answered_by_colleague = bool(answerers - {None})


@dataclass(slots=True)
class DayTally:
    """A whole call center's calls on one calendar day (a call counts once, however many
    people it rang: the summary panel's figures, R2)."""

    calls: int = 0
    answered: int = 0
    missed: int = 0


CALL_LINGER_SECONDS = 900.0
"""How long a call is remembered after its last leg ended: a further leg of the same call in
that time (a sequential hunt group, a transfer) joins it instead of counting as a new call."""


@dataclass(slots=True)
class OpenCall:
    """What the tally knows of one call: the day it counts on, its legs in progress, and
    whether any leg was answered or missed. ``closed_at`` is when its last leg ended (None
    while a leg is in progress): only a closed call has an outcome in its day's tally."""

    day: date
    legs: int = 0
    answered: bool = False
    missed: bool = False
    closed_at: float | None = None


@dataclass(slots=True)
class CallTally:
    """Counts calls per local calendar day as their legs ring, answer and end.

    A call counts once, on the day its first leg rang, however many legs it has, in parallel
    (a hunt group ringing four people) or one after another (a sequential hunt group, a
    transfer). When no leg of it is in progress it is answered if any leg was answered, else
    missed if any leg was missed by R11. A later leg of the same call reopens it: its outcome
    is withdrawn from the tally until that leg ends too (a call missed by the first person of a
    sequential hunt group and answered by the second is answered, not missed).
    """

    tz: tzinfo
    days: dict[date, DayTally] = field(default_factory=dict)
    open_calls: dict[str, OpenCall] = field(default_factory=dict)
    linger: float = CALL_LINGER_SECONDS
    # (closed_at, call id) in closing order, to forget closed calls without scanning them all.
    _closed: deque[tuple[float, str]] = field(default_factory=deque)
    # The local day of the last ring and its bounds: nearly every call rings on that day.
    _day: date = date.min
    _day_span: tuple[float, float] = (0.0, 0.0)

    def ring(self, leg: CallLeg) -> None:
        at = leg.ring_at
        closed = self._closed
        if closed and closed[0][0] < at - self.linger:
            self._forget_closed_before(at - self.linger)
        call = self.open_calls.get(leg.call)
        if call is None:
            start, end = self._day_span
            day = self._day if start <= at < end else self._day_of(at)
            call = self.open_calls[leg.call] = leg.in_call = OpenCall(day, 1)
            tally = self.days.get(day)
            if tally is None:
                tally = self.day(day)
            tally.calls += 1
            return
        leg.in_call = call
        if call.closed_at is not None:
            self._count(call, -1)
            call.closed_at = None
        call.legs += 1

    def answer(self, leg: CallLeg) -> None:
        call = leg.in_call if leg.in_call is not None else self.open_calls.get(leg.call)
        if call is not None:
            call.answered = True

    def end(self, leg: CallLeg) -> None:
        """A leg ended (``end_at`` set). Every leg comes through here: ``is_missed`` and
        ``_count`` are spelt out."""
        call = leg.in_call
        if call is None:
            call = self.open_calls.get(leg.call)
            if call is None:
                return
        if call.closed_at is not None:
            return
        call.legs -= 1
        end_at = leg.end_at
        if leg.answer_at is not None:
            call.answered = True
        elif (
            not call.missed
            and leg.direction is _IN
            and end_at is not None
            and end_at - leg.ring_at > MISSED_AFTER_SECONDS
        ):
            call.missed = True
        if call.legs <= 0:
            call.legs = 0
            closed_at = call.closed_at = end_at if end_at is not None else leg.ring_at
            if call.answered or call.missed:
                tally = self.days.get(call.day) or self.day(call.day)
                if call.answered:
                    tally.answered += 1
                else:
                    tally.missed += 1
            self._closed.append((closed_at, leg.call))

    def in_order(self) -> list[tuple[str, OpenCall]]:
        """The calls as a snapshot writes them: open ones, then closed ones by closing time,
        each by call id. One order whatever the dict's history: the state rebuilt from a
        snapshot and the state fed live write the same document (a replay is byte-equal)."""
        return sorted(self.open_calls.items(), key=_writing_order)

    def restore(self, call_id: str, call: OpenCall) -> None:
        """Put back a call as a snapshot carried it (its day's counts are restored apart)."""
        self.open_calls[call_id] = call
        if call.closed_at is not None:
            self._closed.append((call.closed_at, call_id))

    def restore_leg(self, leg: CallLeg) -> None:
        """Count a leg in progress of a snapshot that carried no calls of the tally (an older
        hub): its call is open, on the local day the leg rang."""
        call = self.open_calls.get(leg.call)
        if call is None:
            call = self.open_calls[leg.call] = OpenCall(local_date(leg.ring_at, self.tz))
        call.legs += 1
        call.answered = call.answered or leg.answered

    def day(self, day: date) -> DayTally:
        tally = self.days.get(day)
        if tally is None:
            tally = self.days[day] = DayTally()
        return tally

    def _day_of(self, at: float) -> date:
        start, end = self._day_span
        if not start <= at < end:
            self._day = local_date(at, self.tz)
            self._day_span = day_bounds(self._day, self.tz)
        return self._day

    def _count(self, call: OpenCall, sign: int) -> None:
        """Add (or withdraw) a closed call's outcome to its day."""
        tally = self.days.get(call.day)
        if tally is None:
            tally = self.day(call.day)
        if call.answered:
            tally.answered += sign
        elif call.missed:
            tally.missed += sign

    def _forget_closed_before(self, limit: float) -> None:
        closed, open_calls = self._closed, self.open_calls
        while closed:
            closed_at, call_id = closed[0]
            if closed_at >= limit:
                return
            closed.popleft()
            call = open_calls.get(call_id)
            # A call reopened and closed again since has a later entry of its own.
            if call is not None and call.closed_at == closed_at:
                del open_calls[call_id]


def _writing_order(item: tuple[str, OpenCall]) -> tuple[float, str]:
    closed_at = item[1].closed_at
    return (-math.inf if closed_at is None else closed_at, item[0])
