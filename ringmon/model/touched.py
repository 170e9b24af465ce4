"""Which employees an event touches: the one answer for the feed client (whose rows to
redraw), the hub's ledger (whose history keeps the event) and the tests.

Read from the state *before* the event is applied: a removal or a change of hands forgets
who was concerned.

- ``employee.upsert`` / ``employee.remove``: that employee.
- ``account.upsert``: the account's owner before and after (a change of hands changes both).
- ``account.remove``: its owner, and the employees of the legs in progress on it, which it
  ends. A leg keeps the employee who owned the account when it rang: after a change of hands
  that is no longer the owner, and their row stops ringing only through this.
- ``device.status``, ``call.ring``: the account's owner.
- ``call.answer``, ``call.end``: the leg's employee and the account's owner now.
"""

from __future__ import annotations

from typing import NamedTuple

from ringmon.model.calls import CallLeg
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
)
from ringmon.model.state import State


class Touched(NamedTuple):
    """The employees an event changes (each once, in a stable order) and the call legs in
    progress it changes or ends (as they are before it). A tuple: cheap to make for every
    event."""

    employees: tuple[str, ...] = ()
    legs: tuple[CallLeg, ...] = ()


NOTHING = Touched()


def touched(state: State, event: Event) -> Touched:
    """What ``event`` touches, looked up in ``state`` as it is before applying it."""
    # Most frequent first: this runs for every event the hub stores and the client applies.
    if isinstance(event, DeviceStatus | CallRing):
        return _of(_owner(state, event.account))
    if isinstance(event, CallAnswer | CallEnd):
        leg = state.legs.get(event.leg)
        if leg is None:
            return NOTHING
        return Touched(_ids(leg.employee, _owner(state, leg.account)), (leg,))
    if isinstance(event, EmployeeUpsert | EmployeeRemove):
        return Touched((event.id,))
    if isinstance(event, AccountUpsert):
        return Touched(_ids(_owner(state, event.login), event.employee))
    assert isinstance(event, AccountRemove)
    legs = tuple(leg for leg in state.legs.values() if leg.account == event.login)
    owner = _owner(state, event.login)
    return Touched(_ids(owner, *(leg.employee for leg in legs)), legs)


def touched_employees(state: State, event: Event) -> tuple[str, ...]:
    """The ids of the employees ``event`` changes (see ``touched``)."""
    return touched(state, event).employees


def _owner(state: State, login: str) -> str | None:
    account = state.accounts.get(login)
    return None if account is None else account.employee


def _of(employee: str | None) -> Touched:
    return NOTHING if employee is None else Touched((employee,))


def _ids(*ids: str | None) -> tuple[str, ...]:
    """The ids given, once each, in order, without None."""
    return tuple(dict.fromkeys(i for i in ids if i is not None))
