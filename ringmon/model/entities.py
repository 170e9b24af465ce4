"""What the live state is made of: employees, SIP accounts and their devices (the state's
tables), and what a recording state remembers of them (``History``: status transitions).

The derived fields (``status``, ``since``, ``talking``) are kept by ``State.apply``
(state.py), the one place where an event changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ringmon.model.calls import CallLeg
from ringmon.model.employee_day import EmployeeDay
from ringmon.model.schema import QueuePause, Registration
from ringmon.model.status import Status

DeviceKey = tuple[str, str]
"""(SIP account login, device id)."""


@dataclass(slots=True)
class Employee:
    id: str
    name: str
    department: str | None
    numbers: tuple[str, ...]
    status: Status = Status.OFFLINE
    since: float = 0.0
    accounts: set[str] = field(default_factory=set)
    reason: str | None = None
    """Why dnd, when a device says (a queue break: ``Lunch``); None in any other status."""
    # Their accounts and those accounts' devices, as objects in (login, device id) order: what
    # the status rules and the board's rows read, with no lookup by id and no sorting per read.
    # Worked out by the state on demand and forgotten (None) whenever ``accounts`` or one of
    # those accounts' devices changes; derived, so no part of the employee's identity.
    equipment: Equipment | None = field(default=None, compare=False, repr=False)
    # Kept by the state beside the fields above, so that a leg in progress reaches them from
    # its account (``owner``) and then from itself (``CallLeg.of_employee``), with no lookup
    # by id in tables of every employee: each lookup there is a miss in the processor's
    # cache at thousands of employees, and they were a fifth of what applying an event cost.
    legs: tuple[CallLeg, ...] = field(default=(), compare=False, repr=False)
    """Their legs in progress, in the order they rang (``State.legs_of``)."""
    day: EmployeeDay | None = field(default=None, compare=False, repr=False)
    """Their entry in the state's ``EmployeeDays``, while ``day_generation`` is its."""
    day_generation: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Account:
    login: str
    number: str | None
    employee: str | None
    devices: dict[str, Device] = field(default_factory=dict)
    """Its devices by device id: the same objects as the state's ``devices`` (which has them
    by (login, device id)), reached from the account with no key to build."""
    # Answered legs in progress on the account that named no device (they make its employee
    # talking, R16). Derived from ``State.legs``, so no part of the account's identity.
    talking: int = field(default=0, compare=False)
    owner: Employee | None = field(default=None, compare=False, repr=False)
    """The state's object of ``employee`` (kept in step with it by the state)."""


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
    # Answered legs in progress on this device (it is talking while any is). Derived from
    # ``State.legs``, so no part of the device's identity.
    talking: int = field(default=0, compare=False)
    reason: str | None = None
    """Why its registration, when the source says: ``Lunch`` (dnd), ``unreachable``."""
    paused: tuple[QueuePause, ...] = ()
    """The call-center queues its account is paused in."""


Equipment = tuple[tuple[Account, ...], tuple[Device, ...]]
"""An employee's accounts and their devices (``Employee.equipment``)."""


@dataclass(slots=True)
class Transition:
    at: float
    status: Status
    reason: str | None = None


@dataclass(slots=True)
class History:
    """What a recording state remembers: every status change and every call leg."""

    employee: dict[str, list[Transition]] = field(default_factory=dict)
    device: dict[DeviceKey, list[Transition]] = field(default_factory=dict)
    device_agent: dict[DeviceKey, str] = field(default_factory=dict)
    calls: list[CallLeg] = field(default_factory=list)


def append_transition(
    log: list[Transition], at: float, status: Status, reason: str | None = None
) -> None:
    """Log a status change (or of its reason), keeping the log minimal: strictly increasing
    times, no repeats.

    Several changes at one instant leave only the last (the others lasted no time). Before
    its first transition everyone is offline, so an empty log counts as offline: a change
    back to offline at the instant of the first transition leaves the log empty.
    """
    if log and log[-1].at == at:
        log.pop()
    previous = (log[-1].status, log[-1].reason) if log else (Status.OFFLINE, None)
    if previous != (status, reason):
        log.append(Transition(at, status, reason))
