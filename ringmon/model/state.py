"""The live state: employees, SIP accounts, devices and call legs, kept by applying events.

``State.apply`` is the one place where an event changes anything. It checks the whole event
against the state first and raises ``EventRejected`` before touching anything, so an event is
applied entirely or not at all. Times are float seconds since the epoch (UTC) inside the model.

Out-of-order rule (documented in docs/feed-protocol.md): events are applied in arrival (seq)
order and time never runs backwards. An event up to ``late_tolerance`` seconds older than the
newest event already applied is applied at that newest time (its ``ts`` is clamped and the
clamped value is what the hub stores and serves); an older one is rejected as stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from ringmon.model.calls import CallLeg, CallTally, DayTally
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
from ringmon.model.status import RANK, Status, device_status, merge_status

DEFAULT_LATE_TOLERANCE = 300.0

DeviceKey = tuple[str, str]
"""(SIP account login, device id)."""


class EventRejected(ValueError):
    """An event that does not fit the state; nothing of it was applied."""

    def __init__(self, reason: str, kind: str = "inconsistent") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(slots=True)
class Employee:
    id: str
    name: str
    department: str | None
    numbers: tuple[str, ...]
    status: Status = Status.OFFLINE
    since: float = 0.0
    accounts: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Account:
    login: str
    number: str | None
    employee: str | None
    devices: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Device:
    account: str
    device: str
    user_agent: str
    registration: Registration
    dnd_capable: bool
    registered_since: float
    status: Status
    since: float


@dataclass(slots=True)
class Transition:
    at: float
    status: Status


@dataclass(slots=True)
class History:
    """What a recording state remembers: every status change and every call leg."""

    employee: dict[str, list[Transition]] = field(default_factory=dict)
    device: dict[DeviceKey, list[Transition]] = field(default_factory=dict)
    device_agent: dict[DeviceKey, str] = field(default_factory=dict)
    calls: list[CallLeg] = field(default_factory=list)


class State:
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
        # Indexes kept beside the legs so that no event has to scan every call in progress.
        self._talking: dict[tuple[str, str | None], int] = {}
        self._ringing: dict[str, int] = {}
        self.clock: float = 0.0
        self.late_tolerance = late_tolerance
        self.history: History | None = History() if record else None
        self.seq: int = 0

    # -- applying events ------------------------------------------------------------------

    def apply(self, event: Event) -> float:
        """Apply one event; return its effective time. Raises ``EventRejected``.

        The hot path of ingest (every frame of the feed comes through here): it reads each
        attribute once and leaves the rest to the handler of the event's type.
        """
        seq = event.seq
        if seq is not None and seq <= self.seq:
            raise EventRejected(f"seq {seq} is not after {self.seq} already applied", "duplicate")
        at = event.ts.timestamp()
        clock = self.clock
        if at < clock:
            if at < clock - self.late_tolerance:
                raise EventRejected(
                    f"event at {event.ts.isoformat()} is {clock - at:.0f} s older than the "
                    f"newest applied; the limit is {self.late_tolerance:.0f} s",
                    "stale",
                )
            at = clock
        _HANDLERS[event.type](self, event, at)
        self.clock = at
        if seq is not None:
            self.seq = seq
        return at

    def _employee_upsert(self, ev: EmployeeUpsert, at: float) -> None:
        emp = self.employees.get(ev.id)
        if emp is None:
            emp = Employee(ev.id, ev.name, ev.department, ev.numbers, Status.OFFLINE, at)
            self.employees[ev.id] = emp
            if self.history is not None:
                self.history.employee.setdefault(ev.id, [])
        else:
            emp.name, emp.department, emp.numbers = ev.name, ev.department, ev.numbers

    def _employee_remove(self, ev: EmployeeRemove, at: float) -> None:
        emp = self._employee(ev.id)
        for login in list(emp.accounts):
            self.accounts[login].employee = None
        emp.accounts.clear()
        self._set_employee_status(emp, Status.OFFLINE, at)
        del self.employees[ev.id]

    def _account_upsert(self, ev: AccountUpsert, at: float) -> None:
        if ev.employee is not None and ev.employee not in self.employees:
            raise EventRejected(f"account {ev.login!r} names unknown employee {ev.employee!r}")
        acc = self.accounts.get(ev.login)
        if acc is None:
            acc = Account(ev.login, ev.number, None)
            self.accounts[ev.login] = acc
        acc.number = ev.number
        if acc.employee != ev.employee:
            old = self.employees.get(acc.employee) if acc.employee else None
            acc.employee = ev.employee
            if old is not None:
                old.accounts.discard(ev.login)
                self._refresh_employee(old, at)
            if ev.employee is not None:
                new = self.employees[ev.employee]
                new.accounts.add(ev.login)
                self._refresh_employee(new, at)

    def _account_remove(self, ev: AccountRemove, at: float) -> None:
        acc = self._account(ev.login)
        for leg in [leg for leg in self.legs.values() if leg.account == ev.login]:
            self._finish_leg(leg, at, None)
        for device_id in list(acc.devices):
            dev = self.devices.pop((ev.login, device_id))
            self._record_device(dev, Status.OFFLINE, at)
        del self.accounts[ev.login]
        if acc.employee is not None:
            emp = self.employees[acc.employee]
            emp.accounts.discard(ev.login)
            self._refresh_employee(emp, at)

    def _device_status(self, ev: DeviceStatus, at: float) -> None:
        acc = self._account(ev.account)
        if ev.status is Registration.DND and not ev.dnd_capable:
            raise EventRejected(
                f"device {ev.device!r} of {ev.account!r} reports dnd but cannot (R15): "
                "only a dnd_capable user agent may"
            )
        key = (ev.account, ev.device)
        dev = self.devices.get(key)
        if dev is None:
            dev = Device(
                ev.account,
                ev.device,
                ev.user_agent,
                ev.status,
                ev.dnd_capable,
                at,
                Status.OFFLINE,
                at,
            )
            self.devices[key] = dev
            acc.devices.add(ev.device)
        else:
            if dev.registration != ev.status:
                dev.registered_since = at
            dev.registration = ev.status
            dev.user_agent = ev.user_agent or dev.user_agent
            dev.dnd_capable = ev.dnd_capable
        if self.history is not None:
            self.history.device_agent[key] = dev.user_agent
        self._refresh_device(dev, at)

    def _call_ring(self, ev: CallRing, at: float) -> None:
        account, leg_id, device = ev.account, ev.leg, ev.device
        acc = self._account(account)
        if leg_id in self.legs:
            raise EventRejected(f"call leg {leg_id!r} is already in progress", "duplicate")
        if device is not None and (account, device) not in self.devices:
            raise EventRejected(f"call leg {leg_id!r} rings unknown device {device!r}")
        employee = acc.employee
        leg = CallLeg(ev.call, leg_id, account, device, employee, ev.direction, ev.remote, at)
        self.legs[leg_id] = leg
        self.tally.ring(leg)
        if employee is not None:
            self._ringing[employee] = self._ringing.get(employee, 0) + 1

    def _call_answer(self, ev: CallAnswer, at: float) -> None:
        leg = self._leg(ev.leg, ev.call)
        if leg.answer_at is not None:
            raise EventRejected(f"call leg {ev.leg!r} is already answered", "duplicate")
        if ev.device is not None:
            if (leg.account, ev.device) not in self.devices:
                raise EventRejected(f"call leg {ev.leg!r} answered on unknown device")
            leg.device = ev.device
        leg.answer_at = at
        self.tally.answer(leg)
        self._stop_ringing(leg)
        key = (leg.account, leg.device)
        self._talking[key] = self._talking.get(key, 0) + 1
        self._refresh_leg_owner(leg, at)

    def _call_end(self, ev: CallEnd, at: float) -> None:
        leg = self._leg(ev.leg, ev.call)
        self._finish_leg(leg, at, ev.recording)

    # -- derived status -------------------------------------------------------------------

    def _finish_leg(self, leg: CallLeg, at: float, recording: str | None) -> None:
        leg.end_at = at
        leg.recording = recording
        del self.legs[leg.leg]
        self.tally.end(leg)
        if self.history is not None:
            self.history.calls.append(leg)
        if leg.answer_at is None:
            self._stop_ringing(leg)
        else:
            key = (leg.account, leg.device)
            left = self._talking[key] - 1
            if left:
                self._talking[key] = left
            else:
                del self._talking[key]
            self._refresh_leg_owner(leg, at)

    def restore_leg_indexes(self, leg: CallLeg) -> None:
        """Index a leg put straight into ``legs`` (when a state is rebuilt from a snapshot)."""
        if leg.answer_at is None:
            if leg.employee is not None:
                self._ringing[leg.employee] = self._ringing.get(leg.employee, 0) + 1
        else:
            key = (leg.account, leg.device)
            self._talking[key] = self._talking.get(key, 0) + 1

    def _stop_ringing(self, leg: CallLeg) -> None:
        if leg.employee is not None:
            left = self._ringing.get(leg.employee, 0) - 1
            if left > 0:
                self._ringing[leg.employee] = left
            else:
                self._ringing.pop(leg.employee, None)

    def _refresh_leg_owner(self, leg: CallLeg, at: float) -> None:
        """A leg started or stopped talking: its device's status, and so its employee's."""
        dev = None if leg.device is None else self.devices.get((leg.account, leg.device))
        if dev is not None:
            self._refresh_device(dev, at)
            return
        # Talking on an account whose device nobody named: only the employee can tell.
        acc = self.accounts.get(leg.account)
        if acc is not None:
            self._refresh_account_owner(acc, at)

    def _refresh_account_owner(self, acc: Account, at: float) -> None:
        if acc.employee is not None:
            self._refresh_employee(self.employees[acc.employee], at)

    def _refresh_device(self, dev: Device, at: float) -> None:
        """Recompute a device's status and, when it changed, its employee's (R16).

        The employee's status is the highest of their devices'; it is kept up to date at every
        change, so one device's change needs a scan of the others only when that device held
        the highest status and lost it. This is the hot path of ingest: keep it lean.
        """
        talking = (dev.account, dev.device) in self._talking
        status = device_status(dev.registration, talking)
        old = dev.status
        if status is old:
            return
        dev.status = status
        dev.since = at
        if self.history is not None:
            self._record_device(dev, status, at)
        owner = self.accounts[dev.account].employee
        if owner is None:
            return
        emp = self.employees[owner]
        if RANK[status] >= RANK[emp.status]:
            self._set_employee_status(emp, status, at)
        elif old is emp.status:
            self._refresh_employee(emp, at)

    def _record_device(self, dev: Device, status: Status, at: float) -> None:
        if self.history is not None:
            log = self.history.device.setdefault((dev.account, dev.device), [])
            _append_transition(log, at, status)

    def employee_statuses(self, emp: Employee) -> Iterator[Status]:
        """Every status that competes for the employee's merged status (R16)."""
        for login in emp.accounts:
            acc = self.accounts[login]
            for device_id in acc.devices:
                yield self.devices[(login, device_id)].status
            # A leg answered on an account whose device nobody named still means talking.
            if (login, None) in self._talking:
                yield Status.TALKING

    def _refresh_employee(self, emp: Employee, at: float) -> None:
        self._set_employee_status(emp, merge_status(self.employee_statuses(emp)), at)

    def _set_employee_status(self, emp: Employee, status: Status, at: float) -> None:
        if status != emp.status:
            emp.status = status
            emp.since = at
            if self.history is not None:
                _append_transition(self.history.employee.setdefault(emp.id, []), at, status)

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
        emp = self.employees.get(employee_id)
        if emp is None:
            return []
        return [
            self.devices[(login, device_id)]
            for login in sorted(emp.accounts)
            for device_id in sorted(self.accounts[login].devices)
        ]

    def accounts_of(self, employee_id: str) -> list[Account]:
        emp = self.employees.get(employee_id)
        return [] if emp is None else [self.accounts[login] for login in sorted(emp.accounts)]

    def legs_of(self, employee_id: str) -> list[CallLeg]:
        return [leg for leg in self.legs.values() if leg.employee == employee_id]

    def ringing(self, employee_id: str) -> bool:
        return employee_id in self._ringing

    def departments(self) -> list[str]:
        return sorted({e.department for e in self.employees.values() if e.department})

    def today(self, now: float) -> DayTally:
        return self.tally.day(self.local_date(now))

    def local_date(self, at: float) -> date:
        return datetime.fromtimestamp(at, self.tz).date()

    def apply_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.apply(event)


def _append_transition(log: list[Transition], at: float, status: Status) -> None:
    """Log a status change, keeping the log minimal: strictly increasing times, no repeats.

    Several changes at one instant leave only the last (the others lasted no time). Before
    its first transition everyone is offline, so an empty log counts as offline: a change
    back to offline at the instant of the first transition leaves the log empty.
    """
    if log and log[-1].at == at:
        log.pop()
    previous = log[-1].status if log else Status.OFFLINE
    if previous != status:
        log.append(Transition(at, status))


_HANDLERS: dict[str, Callable[[State, Any, float], None]] = {
    "employee.upsert": State._employee_upsert,
    "employee.remove": State._employee_remove,
    "account.upsert": State._account_upsert,
    "account.remove": State._account_remove,
    "device.status": State._device_status,
    "call.ring": State._call_ring,
    "call.answer": State._call_answer,
    "call.end": State._call_end,
}
