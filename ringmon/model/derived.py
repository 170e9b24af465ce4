"""Derived status (R16): how a device's and an employee's status follow from registrations
and calls in progress, kept up to date by ``State.apply`` (state.py) at every change.

A device is talking while an answered leg is in progress on it, else what its registration
says; an employee's status is the highest of their devices' (a leg answered on an account
that named no device counts as talking). An employee is ringing while a leg of theirs in
progress is not answered.
"""

from __future__ import annotations

from collections.abc import Iterator

from ringmon.model.calls import CallLeg, CallTally
from ringmon.model.employee_day import EmployeeDays
from ringmon.model.entities import (
    Account,
    Device,
    DeviceKey,
    Employee,
    Equipment,
    History,
    append_transition,
)
from ringmon.model.status import FROM_REGISTRATION, RANK, Status

# Module constants, not ``Status.TALKING``: an enum class has a ``__getattr__`` hook too.
_TALKING = Status.TALKING
_OFFLINE = Status.OFFLINE
_DND = Status.DND


class DerivedStatus:
    """The state's tables and the rules that keep their derived fields (``status``,
    ``since``, ``talking``, the ringing counts); ``State`` applies events on top."""

    employees: dict[str, Employee]
    accounts: dict[str, Account]
    devices: dict[DeviceKey, Device]
    legs: dict[str, CallLeg]
    tally: CallTally
    employee_days: EmployeeDays
    history: History | None
    _removed_with_legs: dict[str, Employee]

    def restore_leg_indexes(self, leg: CallLeg) -> None:
        """Index a leg put straight into ``legs`` (when a state is rebuilt from a snapshot).

        Its account and device must be in the state already.
        """
        if leg.employee is not None:
            owner = self.employees.get(leg.employee) or self._legs_holder(leg.employee)
            owner.legs = (*owner.legs, leg)
            leg.of_employee = owner
        acc = leg.on_account = self.accounts.get(leg.account)
        if acc is not None and leg.device is not None:
            leg.on_device = acc.devices.get(leg.device)
        leg.in_call = self.tally.open_calls.get(leg.call)
        if leg.answer_at is None:
            return
        if leg.device is not None:
            dev = leg.on_device
            if dev is not None:
                dev.talking += 1
        elif acc is not None:
            acc.talking += 1

    def _legs_holder(self, employee_id: str) -> Employee:
        """Where the legs in progress of an employee the state does not have are kept: a
        removed one's (a snapshot's leg, an account of an older snapshot naming them)."""
        emp = self._removed_with_legs.get(employee_id)
        if emp is None:
            emp = Employee(employee_id, employee_id, None, ())
            self._removed_with_legs[employee_id] = emp
        return emp

    def _refresh_device(self, dev: Device, emp: Employee | None, at: float) -> None:
        """Recompute a device's status and, when it changed, its ``owner``'s (R16).

        The employee's status is the highest of their devices'; it is kept up to date at every
        change, so one device's change needs a scan of the others only when that device held
        the highest status and lost it. This is the hot path of ingest: keep it lean.
        """
        status = _TALKING if dev.talking else FROM_REGISTRATION[dev.registration]
        old = dev.status
        if status is old:
            return
        dev.status = status
        dev.since = at
        if self.history is not None:
            self._record_device(dev, status, at)
        if emp is None:
            return
        held = emp.status
        if RANK[status] >= RANK[held]:
            # Unchanged (and no dnd reason to look up): no further call.
            if status is not held or status is _DND or emp.reason is not None:
                self._set_employee_status(emp, status, at)
        elif old is held:
            self._refresh_employee(emp, at)

    def _record_device(self, dev: Device, status: Status, at: float) -> None:
        if self.history is not None:
            log = self.history.device.setdefault((dev.account, dev.device), [])
            append_transition(log, at, status, dev.reason if status is not _TALKING else None)

    def _reason_changed(self, dev: Device, emp: Employee | None, at: float) -> None:
        """A device's reason changed, its status did not (dnd Lunch -> dnd Training)."""
        if self.history is not None:
            self._record_device(dev, dev.status, at)
        if emp is not None and emp.status is _DND and dev.status is _DND:
            self._set_employee_status(emp, _DND, at)

    def equipment(self, emp: Employee) -> Equipment:
        """The employee's accounts and their devices, in (login, device id) order
        (``Employee.equipment``, worked out again after a change)."""
        equipment = emp.equipment
        if equipment is None:
            accounts = tuple(self.accounts[login] for login in sorted(emp.accounts))
            devices = tuple(
                acc.devices[device_id] for acc in accounts for device_id in sorted(acc.devices)
            )
            equipment = emp.equipment = (accounts, devices)
        return equipment

    def dnd_reason(self, emp: Employee) -> str | None:
        """The reason of the employee's dnd: the first reason a dnd device of theirs gives."""
        reasons = sorted(
            dev.reason for dev in self.equipment(emp)[1] if dev.status is _DND and dev.reason
        )
        return reasons[0] if reasons else None

    def employee_statuses(self, emp: Employee) -> Iterator[Status]:
        """Every status that competes for the employee's merged status (R16)."""
        for login in emp.accounts:
            acc = self.accounts[login]
            for dev in acc.devices.values():
                yield dev.status
            # A leg answered on an account whose device nobody named still means talking.
            if acc.talking:
                yield _TALKING

    def _refresh_employee(self, emp: Employee, at: float) -> None:
        """``merge_status(self.employee_statuses(emp))``, inlined: a hot path of ingest (a call
        answered or ended on a device that held the employee's status)."""
        accounts, devices = emp.equipment or self.equipment(emp)
        best, best_rank = _OFFLINE, 0
        for dev in devices:
            status = dev.status
            if status is _TALKING:
                best = _TALKING
                break
            rank = RANK[status]
            if rank > best_rank:
                best, best_rank = status, rank
        else:
            for acc in accounts:
                if acc.talking:
                    best = _TALKING
                    break
        # No change (and no dnd reason to look up): the usual answer, at no further call.
        if best is emp.status and best is not _DND and emp.reason is None:
            return
        self._set_employee_status(emp, best, at)

    def _set_employee_status(self, emp: Employee, status: Status, at: float) -> None:
        reason = self.dnd_reason(emp) if status is _DND else None
        if status != emp.status or reason != emp.reason:
            if status != emp.status:
                emp.since = at
            emp.status = status
            emp.reason = reason
            if self.history is not None:
                log = self.history.employee.setdefault(emp.id, [])
                append_transition(log, at, status, reason)
