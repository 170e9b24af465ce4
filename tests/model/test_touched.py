"""``touched``: every employee whose row an event changes is named, whatever the stream.

Streams here move accounts between employees, remove accounts and employees while calls
ring and talk on them: the moves the simple streams of the other property tests never make,
and where the feed's old copy of this rule lost a row (it stayed "ringing").
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.model.board_rows import Row, build_rows
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
from ringmon.model.touched import touched

PEOPLE = ("anna", "jan", "ewa")
LOGINS = ("sip1", "sip2")
KINDS = ("device", "ring", "ring", "answer", "end", "hands", "hands", "unlink", "drop", "fire")

Step = tuple[str, int, int]
steps = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 5), st.integers(0, 5)))


def next_event(state: State, step: Step, at: datetime, n: int) -> Event | None:
    """An event that fits ``state``, chosen by ``step`` (None when none of its kind does)."""
    kind, a, b = step
    people = sorted(state.employees)
    accounts = sorted(state.accounts)
    legs = sorted(state.legs.values(), key=lambda leg: leg.leg)
    if kind == "device" and accounts:
        status = ("online", "offline")[b % 2]
        login = accounts[a % len(accounts)]
        return DeviceStatus(ts=at, account=login, device=f"d{b % 2}", status=status)
    if kind == "ring" and accounts:
        login = accounts[a % len(accounts)]
        devices = sorted(state.accounts[login].devices)
        device = devices[b % len(devices)] if devices and b % 3 else None
        return CallRing(
            ts=at, call=f"c{n}", leg=f"c{n}/{login}", account=login, device=device, direction="in"
        )
    if kind == "answer" and (ringing := [leg for leg in legs if leg.answer_at is None]):
        leg = ringing[a % len(ringing)]
        return CallAnswer(ts=at, call=leg.call, leg=leg.leg)
    if kind == "end" and legs:
        leg = legs[a % len(legs)]
        return CallEnd(ts=at, call=leg.call, leg=leg.leg)
    if kind == "hands" and people:
        login = LOGINS[a % len(LOGINS)]
        return AccountUpsert(ts=at, login=login, employee=people[b % len(people)])
    if kind == "unlink" and accounts:
        return AccountUpsert(ts=at, login=accounts[a % len(accounts)], employee=None)
    if kind == "drop" and accounts:
        return AccountRemove(ts=at, login=accounts[a % len(accounts)])
    if kind == "fire" and people:
        return EmployeeRemove(ts=at, id=people[a % len(people)])
    return None


def shown(rows: dict[str, Row | None]) -> dict[str, tuple[object, ...] | None]:
    """What the board shows of each row (rows are compared by identity, not by value)."""
    return {
        k: None if r is None else (r.name, r.status, r.since, r.ringing_since, r.devices)
        for k, r in rows.items()
    }


@settings(max_examples=300)
@given(steps)
def test_every_row_an_event_changes_is_touched(plan: list[Step]) -> None:
    state = State()
    t0 = datetime(2026, 3, 24, 8, 0, tzinfo=UTC).timestamp()
    for who in PEOPLE:
        state.apply(EmployeeUpsert(ts=datetime.fromtimestamp(t0, UTC), id=who, name=who))
    for n, step in enumerate(plan):
        at = datetime.fromtimestamp(t0 + 10 * (n + 1), UTC)
        event = next_event(state, step, at, n)
        if event is None:
            continue
        before = shown(build_rows(state))
        named = touched(state, event)
        state.apply(event)
        after = shown(build_rows(state))
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert changed <= set(named.employees), (event, changed, named)
        assert len(set(named.employees)) == len(named.employees)


def test_removing_an_account_names_the_employee_its_ringing_leg_belongs_to() -> None:
    """The stuck row in small: anna's call rings on sip1, sip1 goes to jan, then is removed."""
    at = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
    state = State()
    state.apply_all(
        [
            EmployeeUpsert(ts=at, id="anna", name="Anna"),
            EmployeeUpsert(ts=at, id="jan", name="Jan"),
            AccountUpsert(ts=at, login="sip1", employee="anna"),
            CallRing(ts=at, call="c1", leg="c1/sip1", account="sip1", direction="in"),
            AccountUpsert(ts=at, login="sip1", employee="jan"),
        ]
    )
    assert state.ringing("anna")
    removal = AccountRemove(ts=at, login="sip1")
    named = touched(state, removal)
    assert named.employees == ("jan", "anna")
    assert [leg.leg for leg in named.legs] == ["c1/sip1"]
