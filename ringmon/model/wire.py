"""REST documents of the hub (snapshot, history) and their conversion to and from the model.

The hub builds these from a ``State``; the client turns them back into model objects, so both
sides compute every number with the same functions. The hub writes the snapshot's JSON with
``snapshot_writer.py`` (the same bytes as these models, faster).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ringmon.model.calls import CallLeg, DayTally, OpenCall, Outcome
from ringmon.model.employee_day_docs import EmployeeDaysDoc, employee_days_dict
from ringmon.model.period import local_date
from ringmon.model.schema import Direction, QueuePause, Registration
from ringmon.model.state import Account, Device, Employee, State
from ringmon.model.status import Status


def to_dt(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


class Doc(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EmployeeDoc(Doc):
    id: str
    name: str
    department: str | None = None
    numbers: list[str] = []
    status: Status = Status.OFFLINE
    since: AwareDatetime | None = None
    reason: str | None = None


class AccountDoc(Doc):
    login: str
    number: str | None = None
    employee: str | None = None


class DeviceDoc(Doc):
    account: str
    device: str
    user_agent: str = ""
    registration: Registration
    dnd_capable: bool = False
    registered_since: AwareDatetime
    status: Status
    since: AwareDatetime
    reason: str | None = None
    paused: list[QueuePause] = []


class LegDoc(Doc):
    call: str
    leg: str
    account: str
    device: str | None = None
    employee: str | None = None
    direction: Direction
    remote: str = ""
    remote_name: str = ""
    answered_by_colleague: bool = False
    ring_at: AwareDatetime
    answer_at: AwareDatetime | None = None
    end_at: AwareDatetime | None = None
    recording: str | None = None
    outcome: Outcome | None = None
    ring_seconds: float | None = None
    talk_seconds: float | None = None

    @classmethod
    def of(cls, leg: CallLeg, now: float | None = None) -> LegDoc:
        return cls(
            call=leg.call,
            leg=leg.leg,
            account=leg.account,
            device=leg.device,
            employee=leg.employee,
            direction=leg.direction,
            remote=leg.remote,
            remote_name=leg.remote_name,
            answered_by_colleague=leg.answered_by_colleague,
            ring_at=to_dt(leg.ring_at),
            answer_at=None if leg.answer_at is None else to_dt(leg.answer_at),
            end_at=None if leg.end_at is None else to_dt(leg.end_at),
            recording=leg.recording,
            outcome=leg.outcome(),
            ring_seconds=round(leg.ring_seconds(now), 3),
            talk_seconds=round(leg.talk_seconds(now), 3),
        )

    def to_leg(self) -> CallLeg:
        return CallLeg(
            call=self.call,
            leg=self.leg,
            account=self.account,
            device=self.device,
            employee=self.employee,
            direction=self.direction,
            remote=self.remote,
            ring_at=self.ring_at.timestamp(),
            answer_at=None if self.answer_at is None else self.answer_at.timestamp(),
            end_at=None if self.end_at is None else self.end_at.timestamp(),
            recording=self.recording,
            remote_name=self.remote_name,
            answered_by_colleague=self.answered_by_colleague,
        )


class TallyDoc(Doc):
    day: date
    calls: int = 0
    answered: int = 0
    missed: int = 0


class OpenCallDoc(Doc):
    """A call the day's tally still follows: legs in progress, or ended a short while ago
    (``closed_at``) so that a further leg of it joins it (calls.CallTally)."""

    call: str
    day: date
    legs: int = 0
    answered: bool = False
    missed: bool = False
    closed_at: AwareDatetime | None = None


class SnapshotDoc(Doc):
    """``GET /v1/snapshot``: the whole current state as of ``seq``."""

    seq: int = Field(description="The last event applied; follow the feed from here.")
    now: AwareDatetime = Field(description="The hub's clock (simulated time under --speed).")
    speed: float = Field(default=1.0, description="Hub seconds per real second.")
    tz: str = Field(default="UTC", description="The call center's IANA time zone.")
    clock: AwareDatetime | None = Field(default=None, description="Time of the last event.")
    employees: list[EmployeeDoc] = []
    accounts: list[AccountDoc] = []
    devices: list[DeviceDoc] = []
    legs: list[LegDoc] = []
    today: TallyDoc
    open_calls: list[OpenCallDoc] | None = Field(
        default=None, description="The tally's calls in progress or just ended (None: unknown)."
    )
    employee_days: EmployeeDaysDoc | None = Field(
        default=None,
        description="Each employee's finished calls of the newest day (None: not kept).",
    )


def snapshot_doc(state: State, now: float, speed: float, tz_name: str) -> SnapshotDoc:
    today = local_date(now, state.tz)
    tally = state.tally.day(today)
    return SnapshotDoc(
        seq=state.seq,
        now=to_dt(now),
        speed=speed,
        tz=tz_name,
        clock=to_dt(state.clock) if state.clock else None,
        employees=[
            EmployeeDoc(
                id=e.id,
                name=e.name,
                department=e.department,
                numbers=list(e.numbers),
                status=e.status,
                since=to_dt(e.since),
                reason=e.reason,
            )
            for e in state.employees.values()
        ],
        accounts=[
            AccountDoc(login=a.login, number=a.number, employee=a.employee)
            for a in state.accounts.values()
        ],
        devices=[
            DeviceDoc(
                account=d.account,
                device=d.device,
                user_agent=d.user_agent,
                registration=d.registration,
                dnd_capable=d.dnd_capable,
                registered_since=to_dt(d.registered_since),
                status=d.status,
                since=to_dt(d.since),
                reason=d.reason,
                paused=list(d.paused),
            )
            for d in state.devices.values()
        ],
        legs=[LegDoc.of(leg, now) for leg in state.legs.values()],
        today=TallyDoc(day=today, calls=tally.calls, answered=tally.answered, missed=tally.missed),
        open_calls=[
            OpenCallDoc(
                call=call_id,
                day=call.day,
                legs=call.legs,
                answered=call.answered,
                missed=call.missed,
                closed_at=None if call.closed_at is None else to_dt(call.closed_at),
            )
            for call_id, call in state.tally.in_order()
        ],
        employee_days=(
            None
            if (days := employee_days_dict(state.employee_days)) is None
            else EmployeeDaysDoc.model_validate(days)
        ),
    )


def _closing_order(call: OpenCallDoc) -> float:
    """Calls still open first, then closed ones oldest first (the tally forgets in order)."""
    return -1.0 if call.closed_at is None else call.closed_at.timestamp()


def state_from_snapshot(doc: SnapshotDoc, tz: tzinfo) -> State:
    """A live (non-recording) state equal to the hub's at ``doc.seq``."""
    state = State(tz)
    state.seq = doc.seq
    state.clock = doc.clock.timestamp() if doc.clock else 0.0
    for e in doc.employees:
        since = e.since.timestamp() if e.since else 0.0
        state.employees[e.id] = Employee(
            e.id, e.name, e.department, tuple(e.numbers), e.status, since, reason=e.reason
        )
    for a in doc.accounts:
        acc = state.accounts[a.login] = Account(a.login, a.number, a.employee)
        if a.employee in state.employees:
            acc.owner = state.employees[a.employee]
            acc.owner.accounts.add(a.login)
    for d in doc.devices:
        if d.account not in state.accounts:
            continue
        state.devices[(d.account, d.device)] = Device(
            d.account,
            d.device,
            d.user_agent,
            d.registration,
            d.dnd_capable,
            d.registered_since.timestamp(),
            d.status,
            d.since.timestamp(),
            reason=d.reason,
            paused=tuple(d.paused),
        )
        state.accounts[d.account].devices[d.device] = state.devices[(d.account, d.device)]
    state.tally.days[doc.today.day] = DayTally(
        doc.today.calls, doc.today.answered, doc.today.missed
    )
    if doc.open_calls is not None:
        for c in sorted(doc.open_calls, key=_closing_order):
            closed_at = None if c.closed_at is None else c.closed_at.timestamp()
            state.tally.restore(c.call, OpenCall(c.day, c.legs, c.answered, c.missed, closed_at))
    if doc.employee_days is not None:
        state.employee_days.restore(
            doc.employee_days.day, {d.employee: d.to_day() for d in doc.employee_days.employees}
        )
    for leg_doc in doc.legs:
        leg = leg_doc.to_leg()
        state.legs[leg.leg] = leg
        if doc.open_calls is None:
            # A hub that does not send its tally's calls: rebuild them from the legs.
            state.tally.restore_leg(leg)
        state.restore_leg_indexes(leg)
    return state
