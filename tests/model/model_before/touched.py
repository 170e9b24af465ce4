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

from collections.abc import Callable
from typing import Any, NamedTuple

from model_before.calls import CallLeg
from model_before.state import Fields, State
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


class Touched(NamedTuple):
    """The employees an event changes (each once, in a stable order) and the call legs in
    progress it changes or ends (as they are before it). A tuple: cheap to make for every
    event."""

    employees: tuple[str, ...] = ()
    legs: tuple[CallLeg, ...] = ()


NOTHING = Touched()


def touched(state: State, event: Event) -> Touched:
    """What ``event`` touches, looked up in ``state`` as it is before applying it."""
    # By the event's class: this runs for every event the hub stores and the client applies.
    return _BY_CLASS[type(event)](state, event.__dict__)


def _on_account(state: State, ev: Fields) -> Touched:
    """device.status, call.ring: the account's owner."""
    account = state.accounts.get(ev["account"])
    if account is None or account.employee is None:
        return NOTHING
    return Touched((account.employee,))


def _on_leg(state: State, ev: Fields) -> Touched:
    """call.answer, call.end: the leg's employee and the account's owner now."""
    leg = state.legs.get(ev["leg"])
    if leg is None:
        return NOTHING
    # _ids(leg.employee, owner), spelt out: this runs for two events of every call.
    employee = leg.employee
    account = state.accounts.get(leg.account)
    owner = None if account is None else account.employee
    if owner is None or owner == employee:
        return Touched(() if employee is None else (employee,), (leg,))
    return Touched((owner,) if employee is None else (employee, owner), (leg,))


def _on_employee(state: State, ev: Fields) -> Touched:
    return Touched((ev["id"],))


def _on_account_upsert(state: State, ev: Fields) -> Touched:
    return Touched(_ids(_owner(state, ev["login"]), ev["employee"]))


def _on_account_remove(state: State, ev: Fields) -> Touched:
    login = ev["login"]
    legs = tuple(leg for leg in state.legs.values() if leg.account == login)
    return Touched(_ids(_owner(state, login), *(leg.employee for leg in legs)), legs)


_BY_CLASS: dict[type[Any], Callable[[State, Fields], Touched]] = {
    DeviceStatus: _on_account,
    CallRing: _on_account,
    CallAnswer: _on_leg,
    CallEnd: _on_leg,
    EmployeeUpsert: _on_employee,
    EmployeeRemove: _on_employee,
    AccountUpsert: _on_account_upsert,
    AccountRemove: _on_account_remove,
}
"""The rule for each event class (the fields are read from the event's ``__dict__``, as
``State.apply`` does: cheaper than a pydantic model's attributes)."""


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
