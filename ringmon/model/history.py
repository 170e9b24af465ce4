"""One employee's history: what a recording ``State`` remembers about them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ringmon.model.calls import CallLeg, mark_answered_by_colleague
from ringmon.model.schema import Event
from ringmon.model.state import DeviceKey, EventRejected, State, Transition


@dataclass(slots=True)
class EmployeeHistory:
    id: str
    name: str
    department: str | None
    numbers: tuple[str, ...]
    accounts: list[tuple[str, str | None]]
    merged: list[Transition]
    devices: dict[DeviceKey, list[Transition]]
    user_agents: dict[DeviceKey, str]
    calls: list[CallLeg] = field(default_factory=list)


def employee_history(state: State, employee_id: str) -> EmployeeHistory | None:
    """The history of one employee from a state that recorded (``State(record=True)``)."""
    history = state.history
    if history is None:
        raise ValueError("employee_history needs a State(record=True)")
    emp = state.employees.get(employee_id)
    if emp is None:
        return None
    logins = set(emp.accounts)
    devices = {key: log for key, log in history.device.items() if key[0] in logins}
    calls = [leg for leg in history.calls if leg.employee == employee_id]
    calls.extend(leg for leg in state.legs.values() if leg.employee == employee_id)
    calls.sort(key=lambda leg: (leg.ring_at, leg.leg))
    mark_answered_by_colleague(
        calls,
        (
            (leg.call, leg.employee)
            for legs in (history.calls, state.legs.values())
            for leg in legs
            if leg.answer_at is not None
        ),
    )
    return EmployeeHistory(
        id=emp.id,
        name=emp.name,
        department=emp.department,
        numbers=emp.numbers,
        accounts=[(acc.login, acc.number) for acc in state.accounts_of(employee_id)],
        merged=list(history.employee.get(employee_id, [])),
        devices=devices,
        user_agents={key: history.device_agent.get(key, "") for key in devices},
        calls=calls,
    )


def find_employee(state: State, key: str) -> str | None:
    """An employee id from an id or an exact full name (case-insensitive); None if unknown."""
    if key in state.employees:
        return key
    wanted = key.strip().casefold()
    matches = [e.id for e in state.employees.values() if e.name.casefold() == wanted]
    return matches[0] if len(matches) == 1 else None


def replay(events: Iterable[Event], state: State) -> tuple[int, list[str]]:
    """Apply events in order, skipping those rejected; returns (applied, reasons of rejects)."""
    applied = 0
    rejects: list[str] = []
    for event in events:
        try:
            state.apply(event)
        except EventRejected as exc:
            rejects.append(f"{event.type} at {event.ts.isoformat()}: {exc.reason}")
        else:
            applied += 1
    return applied, rejects
