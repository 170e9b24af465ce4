"""The model's apply side gives exactly the answers it gave before its representation changed.

Issue 10 (model ingest) reshaped ``State.apply``'s handlers and the objects they keep (legs
held by reference end to end, devices under their account, ...). The rules must not move:
seeded simulated streams, salted with the odd events a feed can carry (duplicates, late and
stale ones, unknown employees and accounts, transfers, removals, hunt-group legs, answers on
a named device, dnd with reasons), go through the frozen copy of the model as it was
(``model_before``) and through today's, and every answer (time applied, or the rejection's
reason and kind), every ``touched`` answer, the whole state after and, for a recording
state, the whole history must be the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from model_before.state import EventRejected as EventRejectedBefore
from model_before.state import State as StateBefore
from model_before.touched import touched as touched_before
from model_events import WARSAW

from ringmon.model.schema import Event, parse_event_obj
from ringmon.model.state import EventRejected, State
from ringmon.model.touched import touched
from ringmon.sources.sim import simulate

START = datetime(2026, 3, 24, 6, tzinfo=WARSAW).timestamp()

KINDS = [
    "repeat",  # an earlier event again (a duplicate ring, a second answer, an end again)
    "same_seq",  # the next event carries the seq already applied
    "no_seq",  # the next event carries no seq
    "late",  # the next event, older than the newest applied (clamped or stale)
    "unknown_employee",
    "transfer",  # an account changes hands (mid-call, often)
    "unassign",
    "account_remove",
    "employee_remove",
    "employee_again",
    "device",
    "answer_on_device",
    "hunt_leg",  # another leg of a call in progress, on another account
    "wrong_call",
    "unknown_account",
]

mutations = st.lists(
    st.tuples(st.integers(0, 10_000), st.sampled_from(KINDS), st.integers(0, 99)),
    max_size=25,
)


def _event(fields: dict[str, Any]) -> Event:
    return parse_event_obj(fields)


def _fields(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude_none=True)


def salted(sim: list[Event], salt: list[tuple[int, str, int]]) -> list[Event]:
    """The simulated stream with the odd events of ``salt`` put in, and seqs given."""
    inserts: dict[int, list[tuple[str, int]]] = {}
    for position, kind, choice in salt:
        inserts.setdefault(position % (len(sim) + 1), []).append((kind, choice))
    out: list[dict[str, Any]] = []
    seen_employees: list[str] = []
    seen_accounts: list[str] = []
    devices: dict[str, list[str]] = {}
    legs: list[dict[str, Any]] = []
    late = 0
    for index in range(len(sim) + 1):
        for kind, choice in inserts.get(index, []):
            ts = out[-1]["ts"] if out else sim[0].ts.isoformat()
            extra: dict[str, Any] | None = None
            if kind == "late":
                late = (60, 299, 301, 3600)[choice % 4]
            elif kind == "repeat" and out:
                extra = dict(out[choice * len(out) // 100])
                extra.pop("seq", None)
                extra["ts"] = ts
            elif kind == "unknown_employee":
                login = (seen_accounts or ["nobody"])[choice % max(1, len(seen_accounts))]
                extra = {"type": "account.upsert", "login": login, "employee": "ghost"}
            elif kind in ("transfer", "unassign", "account_remove") and seen_accounts:
                login = seen_accounts[choice % len(seen_accounts)]
                if kind == "account_remove":
                    extra = {"type": "account.remove", "login": login}
                else:
                    to = None
                    if kind == "transfer" and seen_employees:
                        to = seen_employees[(choice // 7) % len(seen_employees)]
                    extra = {"type": "account.upsert", "login": login, "employee": to}
                    extra["number"] = f"+4822{choice:04d}" if choice % 3 else None
            elif kind in ("employee_remove", "employee_again") and seen_employees:
                emp = seen_employees[choice % len(seen_employees)]
                extra = {"type": "employee.remove", "id": emp}
                if kind == "employee_again":
                    extra = {"type": "employee.upsert", "id": emp, "name": f"N{choice}"}
            elif kind == "device" and seen_accounts:
                login = seen_accounts[choice % len(seen_accounts)]
                ids = [*devices.get(login, []), "extra"]
                status = ("online", "dnd", "offline", "dnd")[choice % 4]
                extra = {
                    "type": "device.status",
                    "account": login,
                    "device": ids[(choice // 4) % len(ids)],
                    "status": status,
                    "dnd_capable": choice % 5 != 0,
                    "user_agent": "" if choice % 6 == 0 else f"Agent/{choice % 3}",
                    "reason": (None, "Lunch", "Training", "unreachable")[(choice // 3) % 4],
                    "paused": [{"queue": "q1", "reason": "Lunch"}] if choice % 7 == 0 else None,
                }
            elif kind in ("answer_on_device", "hunt_leg", "wrong_call") and legs:
                leg = legs[choice * len(legs) // 100]
                if kind == "answer_on_device":
                    ids = [*devices.get(leg["account"], []), "nowhere"]
                    device = None if choice % 4 == 0 else ids[(choice // 4) % len(ids)]
                    extra = {"type": "call.answer", "call": leg["call"], "leg": leg["leg"]}
                    extra["device"] = device
                elif kind == "wrong_call":
                    extra = {"type": "call.end", "call": "elsewhere", "leg": leg["leg"]}
                elif seen_accounts:
                    login = seen_accounts[(choice // 3) % len(seen_accounts)]
                    ids = [None, *devices.get(login, [])]
                    extra = {
                        "type": "call.ring",
                        "call": leg["call"],
                        "leg": f"{leg['call']}/hunt{choice}",
                        "account": login,
                        "device": ids[choice % len(ids)],
                        "direction": "in" if choice % 5 else "out",
                        "remote": "+48600",
                        "remote_name": "Someone" if choice % 2 else None,
                    }
            elif kind == "unknown_account":
                extra = {"type": "call.ring", "call": "cx", "leg": "cx/1", "account": "nobody"}
                extra["direction"] = "in"
            if extra is not None:
                extra["ts"] = ts
                out.append(extra)
        if index == len(sim):
            break
        fields = _fields(sim[index])
        if late:
            moment = datetime.fromisoformat(fields["ts"]) - timedelta(seconds=late)
            fields["ts"] = moment.isoformat()
            late = 0
        out.append(fields)
        kind = fields["type"]
        if kind == "employee.upsert":
            seen_employees.append(fields["id"])
        elif kind == "account.upsert":
            seen_accounts.append(fields["login"])
        elif kind == "device.status":
            devices.setdefault(fields["account"], []).append(fields["device"])
        elif kind == "call.ring":
            legs.append(fields)
    for seq, fields in enumerate(out, 1):
        fields["seq"] = seq
    # A seq already applied (a duplicate frame) or none at all (an event not stored yet).
    for position, kind, choice in salt:
        if kind in ("same_seq", "no_seq"):
            fields = out[position % len(out)]
            if kind == "no_seq":
                fields.pop("seq", None)
            else:
                fields["seq"] = max(1, fields["seq"] - 1 - choice % 3)
    return [_event(fields) for fields in out]


def _answer(state: Any, error: type[Exception], event: Event) -> tuple[Any, ...]:
    before = touched(state, event) if isinstance(state, State) else touched_before(state, event)
    seen = (before.employees, tuple(leg.leg for leg in before.legs))
    try:
        return ("applied", state.apply(event), seen)
    except error as rejected:
        return ("rejected", rejected.reason, rejected.kind, seen)  # type: ignore[attr-defined]


def _leg(leg: Any) -> tuple[Any, ...]:
    return (
        leg.call,
        leg.leg,
        leg.account,
        leg.device,
        leg.employee,
        leg.direction,
        leg.remote,
        leg.ring_at,
        leg.answer_at,
        leg.end_at,
        leg.recording,
        leg.remote_name,
        leg.answered_by_colleague,
    )


def _transitions(log: list[Any]) -> list[tuple[Any, ...]]:
    return [(t.at, t.status, t.reason) for t in log]


def legs_by_employee(state: Any) -> dict[str, list[str]]:
    """Legs in progress by employee id, removed employees' included: the model before kept
    them in one dict by id, today's on the employees (a removed one's aside)."""
    if hasattr(state, "_employee_legs"):
        return {emp: list(legs) for emp, legs in state._employee_legs.items() if legs}
    held = {**state._removed_with_legs, **state.employees}
    return {emp: [leg.leg for leg in e.legs] for emp, e in held.items() if e.legs}


def picture(state: Any) -> dict[str, Any]:
    """Everything the state holds that anyone reads, as plain values."""
    tally = state.tally
    days = state.employee_days
    doc: dict[str, Any] = {
        "clock": state.clock,
        "seq": state.seq,
        "employees": {
            e.id: (
                e.name,
                e.department,
                e.numbers,
                e.status,
                e.since,
                sorted(e.accounts),
                e.reason,
                [a.login for a in state.accounts_of(e.id)],
                [(d.account, d.device) for d in state.devices_of(e.id)],
                [leg.leg for leg in state.legs_of(e.id)],
                state.ringing(e.id),
                state.dnd_reason(e),
            )
            for e in state.employees.values()
        },
        # The legs in progress by employee id, removed employees' included (an entry that
        # outlives its legs would be memory without bound).
        "employee_legs": legs_by_employee(state),
        "accounts": {
            a.login: (a.number, a.employee, sorted(a.devices), a.talking)
            for a in state.accounts.values()
        },
        "devices": {
            key: (
                d.account,
                d.device,
                d.user_agent,
                d.registration,
                d.dnd_capable,
                d.registered_since,
                d.status,
                d.since,
                d.talking,
                d.reason,
                d.paused,
            )
            for key, d in state.devices.items()
        },
        "legs": [_leg(leg) for leg in state.legs.values()],
        "days": {day: (t.calls, t.answered, t.missed) for day, t in tally.days.items()},
        "calls": [
            (call_id, c.day, c.legs, c.answered, c.missed, c.closed_at)
            for call_id, c in tally.in_order()
        ],
        "closed": list(tally._closed),
        "employee_days": (
            days.day,
            {
                emp: (
                    # The model before kept the figures in ``d.stats``; today's day is them.
                    (s := getattr(d, "stats", d)).incoming,
                    s.outgoing,
                    s.missed,
                    s.short_unanswered,
                    s.outgoing_unanswered,
                    s.missed_answered_by_colleague,
                    s.total_talk,
                    s._answer_total,
                    d.longest,
                )
                for emp, d in days.employees.items()
            },
        ),
    }
    history = state.history
    if history is not None:
        doc["history"] = (
            {emp: _transitions(log) for emp, log in history.employee.items()},
            {key: _transitions(log) for key, log in history.device.items()},
            dict(history.device_agent),
            [_leg(leg) for leg in history.calls],
        )
    return doc


def _run_both(events: list[Event], record: bool) -> None:
    before, now = StateBefore(WARSAW, record=record), State(WARSAW, record=record)
    for n, event in enumerate(events):
        expected = _answer(before, EventRejectedBefore, event)
        assert _answer(now, EventRejected, event) == expected, (n, event)
        if n % 97 == 0:
            assert picture(now) == picture(before), n
    assert picture(now) == picture(before)


@settings(max_examples=40, deadline=None)
@given(
    employees=st.integers(1, 12),
    seed=st.integers(0, 2**16),
    hours=st.integers(1, 10),
    salt=mutations,
    record=st.booleans(),
)
def test_apply_matches_the_model_before(
    employees: int, seed: int, hours: int, salt: list[tuple[int, str, int]], record: bool
) -> None:
    sim = list(simulate(employees, seed, START, START + hours * 3600, WARSAW))
    _run_both(salted(sim, salt), record)


def test_a_busy_stream_matches_the_model_before() -> None:
    """One longer stream, a whole day of 30 employees with every odd kind in it."""
    sim = list(simulate(30, 7, START - 6 * 3600, START + 18 * 3600, WARSAW))
    salt = [(n * 37, KINDS[n % len(KINDS)], (n * 53) % 100) for n in range(300)]
    _run_both(salted(sim, salt), record=True)
    _run_both(salted(sim, salt), record=False)
