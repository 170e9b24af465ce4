"""The live state: employees, SIP accounts, devices and call legs, kept by applying events.

``State.apply`` is the one place where an event changes anything. It checks the whole event
against the state first and raises ``EventRejected`` before touching anything, so an event is
applied entirely or not at all (its time too: one outside ``EARLIEST``..``LATEST`` is refused
before any calendar day is computed from it). Times are float seconds since the epoch (UTC)
inside the model.

Out-of-order rule (documented in docs/feed-protocol.md): events are applied in arrival (seq)
order and time never runs backwards. An event up to ``late_tolerance`` seconds older than the
newest event already applied is applied at that newest time (its ``ts`` is clamped and the
clamped value is what the hub stores and serves); an older one is rejected as stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from ringmon.model.calls import CallLeg, CallTally, DayTally
from ringmon.model.derived import DerivedStatus
from ringmon.model.employee_day import EmployeeDays
from ringmon.model.entities import Account as Account
from ringmon.model.entities import Device as Device
from ringmon.model.entities import DeviceKey as DeviceKey
from ringmon.model.entities import Employee as Employee
from ringmon.model.entities import History as History
from ringmon.model.entities import Transition as Transition
from ringmon.model.schema import (
    AccountRemove,
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    EmployeeRemove,
    EmployeeUpsert,
    Event,
    Registration,
)
from ringmon.model.status import FROM_REGISTRATION, Status

DEFAULT_LATE_TOLERANCE = 300.0

EARLIEST = datetime(2, 1, 1, tzinfo=UTC).timestamp()
LATEST = datetime(9998, 12, 31, tzinfo=UTC).timestamp()
"""The times an event may have: a day inside the calendar's ends in every time zone (a
local date, the day after it) is computable, so no rule ever overflows half way through."""

Fields = dict[str, Any]
"""An event's fields, as its ``__dict__`` holds them (what ``State.apply`` hands handlers)."""

# Module constants, not ``Status.TALKING``: an enum class has a ``__getattr__`` hook too.
_OFFLINE = Status.OFFLINE
_DND_REGISTRATION = Registration.DND


class EventRejected(ValueError):
    """An event that does not fit the state; nothing of it was applied."""

    def __init__(self, reason: str, kind: str = "inconsistent") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


class State(DerivedStatus):
    """Everything ringmon knows right now; optionally a recorder of its whole history."""

    def __init__(
        self,
        tz: tzinfo | None = None,
        *,
        record: bool = False,
        late_tolerance: float = DEFAULT_LATE_TOLERANCE,
    ) -> None:
        self.tz: tzinfo = tz if tz is not None else ZoneInfo("UTC")
        self.employees: dict[str, Employee] = {}
        self.accounts: dict[str, Account] = {}
        self.devices: dict[DeviceKey, Device] = {}
        self.legs: dict[str, CallLeg] = {}
        self.tally = CallTally(self.tz)
        self.employee_days = EmployeeDays(self.tz)  # the board's counters of today
        # Indexes kept beside the legs so that no event has to scan every call in progress:
        # every leg in progress on its employee (``Employee.legs``: ``legs_of``, ``ringing``,
        # the board's rows look only at their own); answered ones as ``talking`` counts on
        # each ``Device`` (or ``Account``, for a leg that named no device). Employees removed
        # while legs of theirs were in progress stay here until the last of them ends.
        self._removed_with_legs: dict[str, Employee] = {}
        self._clock = 0.0
        self.late_tolerance = late_tolerance
        self.history: History | None = History() if record else None
        self.seq: int = 0
        # The last applied event's ``ts``: the next event of the same time is applied at
        # ``clock`` with no further check (forgotten when ``clock`` is set from outside).
        self._last_ts: datetime | None = None

    @property
    def clock(self) -> float:
        """The effective time of the newest applied event (seconds since the epoch)."""
        return self._clock

    @clock.setter
    def clock(self, at: float) -> None:
        self._clock = at
        self._last_ts = None

    # -- applying events ------------------------------------------------------------------

    def apply(self, event: Event) -> float:
        """Apply one event; return its effective time. Raises ``EventRejected``.

        The hot path of ingest (every frame of the feed comes through here). The handlers read
        the event's fields from its ``__dict__``: a pydantic model has a ``__getattr__`` hook,
        which keeps Python from caching attribute reads on it, so each ``event.x`` costs about
        twice a dict subscript, and the fields are most of what applying an event reads.
        """
        ev = event.__dict__
        seq = ev["seq"]
        if seq is not None and seq <= self.seq:
            raise EventRejected(f"seq {seq} is not after {self.seq} already applied", "duplicate")
        ts = ev["ts"]
        if ts == self._last_ts:
            # A third of the feed's events have the time of the one before (a hunt group's
            # legs, a burst of registrations): it was checked then, and took the clock's time
            # (the clock moved to it, or it was clamped to the clock).
            at = self._clock
            _HANDLERS[type(event)](self, ev, at)
        else:
            at = ts.timestamp()
            if not EARLIEST <= at <= LATEST:
                raise EventRejected(
                    f"event time {event.ts.isoformat()} is outside the years 2 to 9998 that "
                    "ringmon handles",
                    "malformed",
                )
            clock = self._clock
            if at < clock:
                if at < clock - self.late_tolerance:
                    raise EventRejected(
                        f"event at {event.ts.isoformat()} is {clock - at:.0f} s older than "
                        f"the newest applied; the limit is {self.late_tolerance:.0f} s",
                        "stale",
                    )
                at = clock
            _HANDLERS[type(event)](self, ev, at)
            self._clock = at
            self._last_ts = ts
        if seq is not None:
            self.seq = seq
        return at

    # Each handler gets the event's fields (``Fields``: see ``apply``) and its effective time.

    def _employee_upsert(self, ev: Fields, at: float) -> None:
        emp_id = ev["id"]
        emp = self.employees.get(emp_id)
        if emp is None:
            emp = Employee(emp_id, ev["name"], ev["department"], ev["numbers"], _OFFLINE, at)
            self.employees[emp_id] = emp
            if self._removed_with_legs:
                self._take_back_legs(emp)
            if self.history is not None:
                self.history.employee.setdefault(emp_id, [])
        else:
            emp.name, emp.department, emp.numbers = ev["name"], ev["department"], ev["numbers"]

    def _employee_remove(self, ev: Fields, at: float) -> None:
        emp = self._employee(ev["id"])
        for login in list(emp.accounts):
            acc = self.accounts[login]
            acc.employee, acc.owner = None, None
        emp.accounts.clear()
        emp.equipment = None
        self._set_employee_status(emp, _OFFLINE, at)
        del self.employees[emp.id]
        if emp.legs:
            self._removed_with_legs[emp.id] = emp

    def _account_upsert(self, ev: Fields, at: float) -> None:
        login, employee = ev["login"], ev["employee"]
        if employee is not None and employee not in self.employees:
            raise EventRejected(f"account {login!r} names unknown employee {employee!r}")
        acc = self.accounts.get(login)
        if acc is None:
            acc = Account(login, ev["number"], None)
            self.accounts[login] = acc
        acc.number = ev["number"]
        if acc.employee != employee:
            old = acc.owner
            new = None if employee is None else self.employees[employee]
            acc.employee, acc.owner = employee, new
            if old is not None:
                old.accounts.discard(login)
                old.equipment = None
                self._refresh_employee(old, at)
            if new is not None:
                new.accounts.add(login)
                new.equipment = None
                self._refresh_employee(new, at)

    def _account_remove(self, ev: Fields, at: float) -> None:
        login = ev["login"]
        acc = self._account(login)
        for leg in [leg for leg in self.legs.values() if leg.account == login]:
            self._call_end({"leg": leg.leg, "call": leg.call, "recording": None}, at)
        for device_id, dev in acc.devices.items():
            del self.devices[(login, device_id)]
            self._record_device(dev, _OFFLINE, at)
        del self.accounts[login]
        emp = acc.owner
        if emp is not None:
            emp.accounts.discard(login)
            emp.equipment = None
            self._refresh_employee(emp, at)

    def _device_status(self, ev: Fields, at: float) -> None:
        login, device_id, registration = ev["account"], ev["device"], ev["status"]
        acc = self._account(login)
        if registration is _DND_REGISTRATION and not ev["dnd_capable"]:
            raise EventRejected(
                f"device {device_id!r} of {login!r} reports dnd but cannot: "
                "only a dnd_capable user agent may"
            )
        dev = acc.devices.get(device_id)
        if dev is None:
            dev = Device(
                login,
                device_id,
                ev["user_agent"],
                registration,
                ev["dnd_capable"],
                at,
                _OFFLINE,
                at,
            )
            self.devices[(login, device_id)] = acc.devices[device_id] = dev
            if acc.owner is not None:
                acc.owner.equipment = None
        else:
            if dev.registration != registration:
                dev.registered_since = at
            dev.registration = registration
            dev.user_agent = ev["user_agent"] or dev.user_agent
            dev.dnd_capable = ev["dnd_capable"]
        reason, dev.paused = ev["reason"], ev["paused"] or ()
        if self.history is not None:
            self.history.device_agent[(login, device_id)] = dev.user_agent
        if reason != dev.reason:
            dev.reason = reason
            if dev.status is FROM_REGISTRATION[registration] and not dev.talking:
                self._reason_changed(dev, acc.owner, at)
        self._refresh_device(dev, acc.owner, at)

    def _call_ring(self, ev: Fields, at: float) -> None:
        login, leg_id, device = ev["account"], ev["leg"], ev["device"]
        acc = self.accounts.get(login)
        if acc is None:
            acc = self._account(login)  # raises
        legs = self.legs
        if leg_id in legs:
            raise EventRejected(f"call leg {leg_id!r} is already in progress", "duplicate")
        # The account's own few devices, not the big ``devices`` table (no key to build).
        if device is None:
            dev = None
        else:
            dev = acc.devices.get(device)
            if dev is None:
                raise EventRejected(f"call leg {leg_id!r} rings unknown device {device!r}")
        employee = acc.employee
        leg = CallLeg(
            ev["call"], leg_id, login, device, employee, ev["direction"], ev["remote"], at
        )
        leg.on_account = acc
        leg.on_device = dev
        remote_name = ev["remote_name"]
        if remote_name:
            leg.remote_name = remote_name
        legs[leg_id] = leg
        self.tally.ring(leg)
        if employee is not None:
            owner = acc.owner or self._legs_holder(employee)
            held = owner.legs
            owner.legs = (*held, leg) if held else (leg,)
            leg.of_employee = owner

    def _call_answer(self, ev: Fields, at: float) -> None:
        leg_id, device = ev["leg"], ev["device"]
        leg = self.legs.get(leg_id)
        if leg is None or leg.call != ev["call"]:
            leg = self._leg(leg_id, ev["call"])  # raises
        if leg.answer_at is not None:
            raise EventRejected(f"call leg {leg_id!r} is already answered", "duplicate")
        acc = leg.on_account or self.accounts[leg.account]
        if device is None:
            dev = leg.on_device
        else:
            dev = acc.devices.get(device)
            if dev is None:
                raise EventRejected(f"call leg {leg_id!r} answered on unknown device")
            leg.device, leg.on_device = device, dev
        leg.answer_at = at
        call = leg.in_call
        if call is not None:
            call.answered = True
        else:
            self.tally.answer(leg)
        # It makes its device talking, or (on an account that named none) its employee (R16).
        if dev is not None:
            dev.talking += 1
            if dev.talking == 1:
                self._refresh_device(dev, acc.owner, at)
        elif leg.device is None:
            acc.talking += 1
            if acc.owner is not None:
                self._refresh_employee(acc.owner, at)

    def _call_end(self, ev: Fields, at: float) -> None:
        """A leg in progress ends (``call.end``, or its account removed). The hot path of
        ingest with the ring: every reference it needs is on the leg (``on_account``,
        ``on_device``, ``in_call``), nothing is looked up by id but the leg's own entries."""
        leg_id = ev["leg"]
        legs = self.legs
        leg = legs.get(leg_id)
        if leg is None or leg.call != ev["call"]:
            leg = self._leg(leg_id, ev["call"])  # raises
        del legs[leg_id]
        leg.end_at = at
        leg.recording = ev["recording"]
        owner = leg.of_employee
        if owner is not None:
            leg.of_employee = None
            held = owner.legs
            if len(held) == 1 and held[0] is leg:
                owner.legs = ()
                if self._removed_with_legs:
                    self._removed_with_legs.pop(owner.id, None)  # nothing more to keep
            else:
                owner.legs = tuple(other for other in held if other is not leg)
        self.tally.end(leg)
        leg.in_call = None  # the tally may forget the call now (a recorded leg stays small)
        self.employee_days.end(leg, owner)
        if self.history is not None:
            self.history.calls.append(leg)
        if leg.answer_at is None:
            return
        acc = leg.on_account or self.accounts.get(leg.account)
        dev = leg.on_device
        if dev is not None:
            dev.talking -= 1
            if not dev.talking:
                self._refresh_device(dev, None if acc is None else acc.owner, at)
            return
        # Talking on an account whose device nobody named: only the employee can tell.
        if acc is not None and leg.device is None:
            acc.talking -= 1
            if acc.owner is not None:
                self._refresh_employee(acc.owner, at)

    def _take_back_legs(self, emp: Employee) -> None:
        """An employee back under the id of a removed one: its legs in progress are theirs."""
        gone = self._removed_with_legs.pop(emp.id, None)
        if gone is not None:
            emp.legs = gone.legs
            for leg in emp.legs:
                leg.of_employee = emp

    # -- lookups --------------------------------------------------------------------------

    def _employee(self, employee_id: str) -> Employee:
        try:
            return self.employees[employee_id]
        except KeyError:
            raise EventRejected(f"unknown employee {employee_id!r}") from None

    def _account(self, login: str) -> Account:
        try:
            return self.accounts[login]
        except KeyError:
            raise EventRejected(f"unknown SIP account {login!r}") from None

    def _leg(self, leg_id: str, call_id: str) -> CallLeg:
        leg = self.legs.get(leg_id)
        if leg is None:
            raise EventRejected(f"call leg {leg_id!r} is not in progress")
        if leg.call != call_id:
            raise EventRejected(
                f"call leg {leg_id!r} belongs to call {leg.call!r}, not {call_id!r}"
            )
        return leg

    def devices_of(self, employee_id: str) -> list[Device]:
        """The employee's devices, by account login then device id."""
        emp = self.employees.get(employee_id)
        return [] if emp is None else list((emp.equipment or self.equipment(emp))[1])

    def accounts_of(self, employee_id: str) -> list[Account]:
        """The employee's accounts, by login."""
        emp = self.employees.get(employee_id)
        return [] if emp is None else list((emp.equipment or self.equipment(emp))[0])

    def legs_of(self, employee_id: str) -> list[CallLeg]:
        """The employee's legs in progress, in the order they rang (a removed one's too)."""
        emp = self.employees.get(employee_id) or self._removed_with_legs.get(employee_id)
        return [] if emp is None else list(emp.legs)

    def ringing(self, employee_id: str) -> bool:
        """Whether a leg of the employee's in progress is not answered yet."""
        emp = self.employees.get(employee_id) or self._removed_with_legs.get(employee_id)
        return emp is not None and any(leg.answer_at is None for leg in emp.legs)

    def departments(self) -> list[str]:
        return sorted({e.department for e in self.employees.values() if e.department})

    def today(self, now: float) -> DayTally:
        return self.tally.day(self.local_date(now))

    def local_date(self, at: float) -> date:
        return datetime.fromtimestamp(at, self.tz).date()

    def apply_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.apply(event)


_HANDLERS: dict[type[Any], Callable[[State, Fields, float], None]] = {
    EmployeeUpsert: State._employee_upsert,
    EmployeeRemove: State._employee_remove,
    AccountUpsert: State._account_upsert,
    AccountRemove: State._account_remove,
    DeviceStatus: State._device_status,
    CallRing: State._call_ring,
    CallAnswer: State._call_answer,
    CallEnd: State._call_end,
}
"""The handler of each event class (by class: cheaper to hash than the ``type`` string)."""
