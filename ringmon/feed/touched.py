"""Which employees an event touches: the ids whose rows a screen must redraw.

Computed *before* the event is applied, because a removal or a relinking forgets the previous
owner; ``account.upsert`` also names its new owner.
"""

from __future__ import annotations

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


def _owner(state: State, login: str) -> str | None:
    account = state.accounts.get(login)
    return None if account is None else account.employee


def touched_employees(state: State, event: Event) -> set[str]:
    """The employee ids ``event`` changes, looked up in ``state`` as it is before applying it."""
    ids: set[str | None]
    match event:
        case EmployeeUpsert() | EmployeeRemove():
            ids = {event.id}
        case AccountUpsert():
            ids = {_owner(state, event.login), event.employee}
        case AccountRemove():
            ids = {_owner(state, event.login)}
        case DeviceStatus() | CallRing():
            ids = {_owner(state, event.account)}
        case CallAnswer() | CallEnd():
            leg = state.legs.get(event.leg)
            ids = set() if leg is None else {leg.employee, _owner(state, leg.account)}
    ids.discard(None)
    return ids  # type: ignore[return-value]
