"""The board's rows, without Textual: one employee as the live board shows them (R3, R16).

A ``Row`` is built from the state for each employee an event touched: their merged status and
since when, whether a call rings them, and each device (its own status, whether it rings, and
whether it is the one that decides the employee's status). How a row is written (glyphs, the
user-agents cell, the device detail) is ``ringmon.present``'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date

from ringmon.model.caller_id import OtherParty, other_parties
from ringmon.model.calls import CallLeg
from ringmon.model.employee_day import NO_COUNTERS, DayCounters, finished
from ringmon.model.no_collection import no_collection
from ringmon.model.schema import QueuePause
from ringmon.model.state import Device, State
from ringmon.model.status import Status

_TALKING = Status.TALKING
_OFFLINE = Status.OFFLINE
_NO_KEYS: frozenset[tuple[str, str | None]] = frozenset()

# -- rows -------------------------------------------------------------------------------------


@dataclass(slots=True)
class DeviceView:
    """One device (a registered contact of a SIP account) as the board shows it."""

    account: str
    device: str
    user_agent: str
    status: Status
    since: float
    ringing: bool
    decides: bool
    """This device decides the employee's status (R16): it is the longest in the winning one."""
    reason: str | None = None
    """Why its status, when the source says (``Lunch``, ``unreachable``, ``unregistered``)."""
    paused: tuple[QueuePause, ...] = ()
    """The call-center queues its account is paused in."""

    def paused_text(self) -> str:
        """``sales (Lunch), support``: the paused queues with their reasons."""
        return ", ".join(f"{p.queue} ({p.reason})" if p.reason else p.queue for p in self.paused)


@dataclass(slots=True, eq=False)
class Row:
    """One employee's row. Treat it as immutable: a changed employee gets a new row, and the
    table tells rows apart by identity. (Not ``frozen``: that makes building 10,000 of them
    several times slower.)"""

    id: str
    name: str
    department: str | None
    status: Status
    since: float
    ringing_since: float | None
    devices: tuple[DeviceView, ...]
    folded: str = ""
    """The name, case-folded, for the type-to-filter."""
    reason: str | None = None
    """Why dnd, when a device says (a queue break: ``Lunch``)."""
    party: OtherParty | None = None
    """Who the call in progress is with, while ringing or talking."""
    day: date | None = None
    """The day of ``calls_done`` (the board shows them only while it is today)."""
    calls_done: DayCounters = NO_COUNTERS
    """The day's finished calls (the counter columns)."""
    answered_open: tuple[float, ...] = ()
    """When each answered call in progress was answered (they add to the counters)."""

    @property
    def ringing(self) -> bool:
        return self.ringing_since is not None


def ringing_legs(state: State, employees: Iterable[str] | None = None) -> dict[str, list[CallLeg]]:
    """Unanswered legs in progress, per employee (all employees when ``employees`` is None)."""
    out: dict[str, list[CallLeg]] = {}
    for leg in _legs(state, employees):
        emp = leg.employee
        if leg.answer_at is None and emp is not None:
            out.setdefault(emp, []).append(leg)
    return out


def _legs(state: State, employees: Iterable[str] | None) -> Iterable[CallLeg]:
    """The legs in progress of ``employees`` (everyone's when None): a few dictionary
    lookups for a batch's employees, never a pass over every call in progress."""
    if employees is None:
        return state.legs.values()
    return [leg for emp in dict.fromkeys(employees) for leg in state.legs_of(emp)]


def answered_legs(
    state: State, employees: Iterable[str] | None = None
) -> dict[str, tuple[float, ...]]:
    """When each answered leg in progress was answered, per employee (all when None)."""
    out: dict[str, tuple[float, ...]] = {}
    for leg in _legs(state, employees):
        emp, at = leg.employee, leg.answer_at
        if at is not None and emp is not None:
            out[emp] = (*out.get(emp, ()), at)
    return out


def deciding_device(devices: Iterable[Device], status: Status) -> Device | None:
    """The device that gives the employee ``status``: the longest in it (R16)."""
    best: Device | None = None
    for dev in devices:
        if dev.status == status and (best is None or dev.since < best.since):
            best = dev
    return best


def build_row(
    state: State,
    employee_id: str,
    ringing: list[CallLeg] | None = None,
    previous: Row | None = None,
    party: OtherParty | None = None,
    answered: tuple[float, ...] | None = None,
) -> Row | None:
    """The row of one employee, or None if the state no longer has them.

    With ``previous`` (the row shown now), what did not change is reused: each unchanged
    device view, and the whole row when nothing changed at all. The board then sees the same
    object and does nothing, and fewer new objects means less work for the garbage collector.
    """
    emp = state.employees.get(employee_id)
    if emp is None:
        return None
    devices = state.devices_of(employee_id)
    if ringing is None:
        ringing = (
            ringing_legs(state, [employee_id]).get(employee_id)
            if state.ringing(employee_id)
            else None
        )
    if answered is None:
        answered = (
            answered_legs(state, [employee_id]).get(employee_id, ())
            if emp.status is _TALKING
            else ()
        )
    days = state.employee_days
    done = finished(days.employees.get(employee_id)) if days.day is not None else NO_COUNTERS
    legs = ringing or ()
    # (Module constants, not ``Status.X``: most rows are built for a snapshot, 10,000 at once.)
    ringing_keys = {(leg.account, leg.device) for leg in legs} if legs else _NO_KEYS
    decider = deciding_device(devices, emp.status) if emp.status is not _OFFLINE else None
    old_views = previous.devices if previous is not None else ()
    views_list: list[DeviceView] = []
    reused = 0
    for i, dev in enumerate(devices):
        status = dev.status
        view = DeviceView(
            dev.account,
            dev.device,
            dev.user_agent,
            status,
            dev.since,
            bool(legs)
            and (
                (dev.account, dev.device) in ringing_keys
                or ((dev.account, None) in ringing_keys and status is not _OFFLINE)
            ),
            dev is decider,
            dev.reason if status is not _TALKING else None,
            dev.paused,
        )
        if i < len(old_views) and old_views[i] == view:
            view = old_views[i]
            reused += 1
        views_list.append(view)
    views = old_views if reused == len(old_views) == len(views_list) else tuple(views_list)
    ringing_since = min([leg.ring_at for leg in legs]) if legs else None
    department = emp.department or None
    if party is None and (legs or emp.status is _TALKING):
        party = other_parties(state, [employee_id]).get(employee_id)
    reason = emp.reason
    if (
        previous is not None
        and views is previous.devices
        and previous.status is emp.status
        and previous.since == emp.since
        and previous.ringing_since == ringing_since
        and previous.name == emp.name
        and previous.department == department
        and previous.reason == reason
        and previous.party == party
        and previous.day == days.day
        and previous.calls_done == done
        and previous.answered_open == answered
    ):
        return previous
    return Row(
        id=emp.id,
        name=emp.name,
        department=department,
        status=emp.status,
        since=emp.since,
        ringing_since=ringing_since,
        devices=views,
        folded=emp.name.casefold(),
        reason=reason,
        party=party,
        day=days.day,
        calls_done=done,
        answered_open=answered,
    )


def build_rows(
    state: State,
    employees: Iterable[str] | None = None,
    previous: Mapping[str, Row] | None = None,
) -> dict[str, Row | None]:
    """Rows for ``employees`` (all when None); a removed employee maps to None. ``previous``:
    the rows shown now, to reuse what did not change (see ``build_row``)."""
    ids = list(state.employees) if employees is None else list(employees)
    # One pass over the calls in progress, and only when one of these employees has one ringing.
    wanted = [i for i in ids if state.ringing(i)]
    legs = ringing_legs(state, None if employees is None else wanted) if wanted else {}
    # Who each call in progress is with: for those ringing or talking only.
    staff = state.employees
    talking = [i for i in ids if (e := staff.get(i)) is not None and e.status is _TALKING]
    busy = wanted + talking
    parties = other_parties(state, None if employees is None else busy) if busy else {}
    answered = answered_legs(state, None if employees is None else talking) if talking else {}
    old = previous or {}
    # Everyone's rows (a snapshot): some 50,000 new objects at 10,000 employees, none in a
    # cycle, beside the state's; the collector would walk the whole heap again and again.
    with no_collection() if employees is None else nullcontext():
        return {
            emp_id: build_row(
                state,
                emp_id,
                legs.get(emp_id, []),
                old.get(emp_id),
                party=parties.get(emp_id),
                answered=answered.get(emp_id, ()),
            )
            for emp_id in ids
        }
