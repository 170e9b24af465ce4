"""The push API's trial apply: a small state holding only what a batch refers to, on which
the whole batch is tried before any of it is stored (push_api.py)."""

from __future__ import annotations

from ringmon.model.calls import CallLeg
from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallRing,
    DeviceStatus,
    EmployeeUpsert,
    Event,
)
from ringmon.model.state import State
from ringmon.model.touched import touched
from ringmon.model.wire import to_dt


def scratch_state(state: State, events: list[Event]) -> State:
    """A small state to try a batch on: what of the live ``state`` the batch refers to
    (employees, accounts, devices, legs in progress), rebuilt from events at the live
    state's clock. Its cost grows with the batch, not with the hub (copying a 10,000-employee
    state takes seconds); and it goes through ``State.apply`` only, so whatever the model
    checks, this checks.

    Whom and which legs an event touches is the model's one rule (``model.touched``, as for
    the feed and the ledger), read in the live state; the accounts are those the events
    name and those of the legs, each with its devices and its owner (whom the rebuilt
    account needs)."""
    employees: set[str] = set()
    accounts: set[str] = set()
    legs: dict[str, CallLeg] = {}
    for ev in events:
        found = touched(state, ev)
        employees.update(found.employees)
        for leg in found.legs:
            legs[leg.leg] = leg
        fields = ev.__dict__
        login = fields.get("login") or fields.get("account")
        if login is not None:
            accounts.add(login)
    live_legs = [legs[leg_id] for leg_id in sorted(legs)]
    for leg in live_legs:
        accounts.add(leg.account)
    devices: set[tuple[str, str]] = set()
    for login in accounts:
        account = state.accounts.get(login)
        if account is not None:
            # Every device of the account: an answer may name one that its ring (in this
            # batch or before it) did not.
            devices.update((login, device) for device in account.devices)
            if account.employee is not None:
                employees.add(account.employee)
    at = to_dt(state.clock)
    scratch = State(state.tz, late_tolerance=state.late_tolerance)
    for emp_id in sorted(employees):
        emp = state.employees.get(emp_id)
        if emp is not None:
            scratch.apply(
                EmployeeUpsert(
                    ts=at, id=emp.id, name=emp.name, department=emp.department, numbers=emp.numbers
                )
            )
    for login in sorted(accounts):
        acc = state.accounts.get(login)
        if acc is not None:
            scratch.apply(
                AccountUpsert(ts=at, login=acc.login, number=acc.number, employee=acc.employee)
            )
    for key in sorted(devices):
        dev = state.devices.get(key)
        if dev is not None:
            scratch.apply(
                DeviceStatus(
                    ts=at,
                    account=dev.account,
                    device=dev.device,
                    user_agent=dev.user_agent,
                    status=dev.registration,
                    dnd_capable=dev.dnd_capable,
                )
            )
    for leg in live_legs:
        scratch.apply(
            CallRing(
                ts=at,
                call=leg.call,
                leg=leg.leg,
                account=leg.account,
                device=leg.device,
                direction=leg.direction,
                remote=leg.remote,
            )
        )
        if leg.answer_at is not None:
            scratch.apply(CallAnswer(ts=at, call=leg.call, leg=leg.leg))
    scratch.clock = state.clock
    return scratch
