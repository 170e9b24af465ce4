"""An employee's accounts and devices as the state keeps them (``Employee.equipment``): in
(login, device id) order without sorting per read, and worked out again after every change of
them (an account changing hands or removed, a device appearing, the employee removed), so that
``devices_of``, ``accounts_of`` and the merged status (R16) never read a stale list."""

from __future__ import annotations

from datetime import timedelta

from model_events import NOON, account, answer, device, employee, end, ring

from ringmon.model.entities import Account, Device
from ringmon.model.schema import AccountRemove, EmployeeRemove
from ringmon.model.state import State
from ringmon.model.status import Status, merge_status


def sorted_devices(state: State, emp_id: str) -> list[Device]:
    """``devices_of`` as it was once computed: sorted on every call."""
    emp = state.employees.get(emp_id)
    if emp is None:
        return []
    return [
        state.devices[(login, device_id)]
        for login in sorted(emp.accounts)
        for device_id in sorted(state.accounts[login].devices)
    ]


def sorted_accounts(state: State, emp_id: str) -> list[Account]:
    emp = state.employees.get(emp_id)
    return [] if emp is None else [state.accounts[login] for login in sorted(emp.accounts)]


def check(state: State) -> None:
    for emp_id, emp in state.employees.items():
        assert state.devices_of(emp_id) == sorted_devices(state, emp_id)
        assert state.accounts_of(emp_id) == sorted_accounts(state, emp_id)
        assert emp.status is merge_status(state.employee_statuses(emp))
        for acc in state.accounts.values():
            assert (acc.owner is emp) == (acc.employee == emp_id)


def test_devices_in_order_through_every_change_of_an_employees_equipment() -> None:
    state = State()
    at = NOON
    step = timedelta(seconds=1)

    def apply(*events: object) -> None:
        nonlocal at
        for event in events:
            state.apply(event)  # type: ignore[arg-type]
        at += step
        check(state)

    apply(employee(at, "e1", "Anna"), employee(at, "e2", "Piotr"))
    apply(account(at, "b", "e1"), account(at, "a", "e1"))
    apply(device(at, "b", "z", "online"), device(at, "b", "y", "offline"))
    apply(device(at, "a", "x", "online"))
    assert [(d.account, d.device) for d in state.devices_of("e1")] == [
        ("a", "x"),
        ("b", "y"),
        ("b", "z"),
    ]
    # Talking on a device, then the account changes hands while the call goes on.
    apply(ring(at, "c1", "c1/a", "a", "x"))
    apply(answer(at, "c1", "c1/a"))
    assert state.employees["e1"].status is Status.TALKING
    apply(account(at, "a", "e2"))
    assert [d.device for d in state.devices_of("e1")] == ["y", "z"]
    assert [d.device for d in state.devices_of("e2")] == ["x"]
    assert state.employees["e2"].status is Status.TALKING
    assert state.employees["e1"].status is Status.ONLINE
    apply(end(at, "c1", "c1/a"))
    assert state.employees["e2"].status is Status.ONLINE
    # A device appearing on an account the employee already has.
    apply(device(at, "b", "w", "online"))
    assert [d.device for d in state.devices_of("e1")] == ["w", "y", "z"]
    # An account of nobody's, then given to someone.
    apply(account(at, "c", None), device(at, "c", "v", "online"))
    apply(account(at, "c", "e1"))
    assert [a.login for a in state.accounts_of("e1")] == ["b", "c"]
    apply(AccountRemove(ts=at, login="b"))
    assert [d.device for d in state.devices_of("e1")] == ["v"]
    apply(EmployeeRemove(ts=at, id="e1"))
    assert state.devices_of("e1") == [] and state.accounts["c"].owner is None
    apply(employee(at, "e1", "Anna"), account(at, "c", "e1"))
    assert [d.device for d in state.devices_of("e1")] == ["v"]
