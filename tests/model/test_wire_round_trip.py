"""REST documents carry the model across the wire without losing anything it computes.

- snapshot: ``snapshot_doc`` -> JSON -> ``state_from_snapshot`` is the same live state, and it
  stays the same when both go on applying the same events;
- history: ``history_doc`` -> JSON -> ``history_from_doc`` -> ``period_stats`` equals the
  period statistics the hub computed.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
from model_events import (
    DAY,
    NOON,
    WARSAW,
    answer,
    busy_state,
    device,
    end,
    local,
    recorded,
    ring,
)
from test_r14_example_day import r14_events

from ringmon.model.calls import CallLeg
from ringmon.model.history import employee_history
from ringmon.model.history_docs import HistoryDoc, StatsDoc, history_doc, history_from_doc
from ringmon.model.period import days_window, parse_period
from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.model.stats import PeriodStats, period_stats
from ringmon.model.wire import SnapshotDoc, snapshot_doc, state_from_snapshot


def view(state: State, now: float) -> dict[str, Any]:
    """What a client shows of a live state, in plain values."""
    return {
        "seq": state.seq,
        "clock": state.clock,
        "employees": {
            e.id: (e.name, e.department, e.numbers, e.status, e.since, sorted(e.accounts))
            for e in state.employees.values()
        },
        "competing": {e.id: sorted(state.employee_statuses(e)) for e in state.employees.values()},
        "ringing": {e: state.ringing(e) for e in state.employees},
        "accounts": {
            a.login: (a.number, a.employee, sorted(a.devices)) for a in state.accounts.values()
        },
        "devices": {k: dataclasses.astuple(d) for k, d in state.devices.items()},
        "legs": {k: _leg(leg) for k, leg in state.legs.items()},
        "today": state.today(now),
        "open_calls": dict(state.tally.open_calls),
    }


def _leg(leg: CallLeg) -> tuple[Any, ...]:
    """A leg's own fields and the device it names (once answered, the one it talks on; not
    every shortcut of the state's it holds: its account leads back to the employees)."""
    own = tuple(getattr(leg, f.name) for f in dataclasses.fields(leg) if f.compare)
    return own, None if leg.on_device is None else dataclasses.astuple(leg.on_device)


def through_json(state: State, now: float) -> State:
    doc = snapshot_doc(state, now, speed=1.0, tz_name="Europe/Warsaw")
    again = SnapshotDoc.model_validate_json(doc.model_dump_json())
    assert again == doc
    return state_from_snapshot(again, WARSAW)


AFTER: list[Event] = [
    end(NOON + timedelta(seconds=3), "h3", "h3/B"),
    answer(NOON + timedelta(seconds=4), "h3", "h3/C", "c2"),
    end(NOON + timedelta(seconds=5), "h3", "h3/X"),
    device(NOON + timedelta(seconds=30), "B", "b1", "online", app=True),
    end(NOON + timedelta(seconds=60), "k2", "k2/A"),
    ring(NOON + timedelta(seconds=70), "k4", "k4/A", "A"),
    answer(NOON + timedelta(seconds=80), "k4", "k4/A"),
    device(NOON + timedelta(seconds=90), "A", "a1", "offline"),
    end(NOON + timedelta(seconds=100), "h3", "h3/C"),
    end(NOON + timedelta(seconds=110), "k4", "k4/A"),
]


def test_snapshot_round_trip_gives_the_same_state_and_it_stays_the_same() -> None:
    original = busy_state()
    now = NOON.timestamp() + 1
    restored = through_json(original, now)
    assert view(restored, now) == view(original, now)
    for event in AFTER:
        assert restored.apply(event) == original.apply(event)
        assert view(restored, now) == view(original, now), event
    assert original.today(now).answered == 3


def test_snapshot_mid_hunt_group_keeps_a_missed_leg_already_ended() -> None:
    """A hunt-group call is missed if one leg rang more than 5 s unanswered, even when the
    legs still ringing at the snapshot end short: the snapshot must carry that."""
    state = busy_state()
    events = [
        ring(NOON + timedelta(seconds=10), "h5", "h5/A", "A", "a1"),
        end(NOON + timedelta(seconds=19), "h5", "h5/A"),  # 9 s: missed
        ring(NOON + timedelta(seconds=18), "h5", "h5/C", "C", "c1"),
    ]
    state.apply_all(events)
    now = NOON.timestamp() + 20
    restored = through_json(state, now)
    tail = [end(NOON + timedelta(seconds=21), "h5", "h5/C")]  # 3 s: short
    for st in (state, restored):
        st.apply_all(tail)
    tally = state.today(now)
    assert (tally.calls, tally.missed) == (4, 2)  # k1 this morning and h5 missed; k2, h3
    assert view(restored, now) == view(state, now)


def test_snapshot_of_an_empty_state() -> None:
    restored = through_json(State(WARSAW), 0.0)
    assert restored.employees == {}
    assert restored.seq == 0
    assert restored.clock == 0.0


def three_days() -> tuple[State, float, list[date]]:
    """R14's day, then a day with a call in progress at "now"."""
    state = recorded(r14_events())
    next_day = DAY + timedelta(days=1)
    state.apply_all(
        [
            device(local(next_day, "08:00"), "A", "a1", "online"),
            ring(local(next_day, "09:00"), "n1", "n1/A", "A", "a1"),
            end(local(next_day, "09:00:05.100"), "n1", "n1/A"),
            ring(local(next_day, "10:00"), "n2", "n2/A", "A", "a1"),
            answer(local(next_day, "10:00:07.250"), "n2", "n2/A"),
        ]
    )
    now = local(next_day, "10:30").timestamp()
    return state, now, parse_period("3d", now, WARSAW)


@pytest.mark.parametrize("period", ["today", "3d", "7d", "2026-03-24"])
def test_history_doc_round_trip_gives_the_same_period_stats(period: str) -> None:
    state, now, _ = three_days()
    days = parse_period(period, now, WARSAW)
    history = employee_history(state, "e1")
    assert history is not None
    stats = period_stats(history.merged, history.calls, days, WARSAW, now)
    start, stop = days_window(days, WARSAW)
    emp = state.employees["e1"]
    doc = history_doc(history, stats, start, stop, now, "Europe/Warsaw", emp.status, emp.since)
    again = HistoryDoc.model_validate_json(doc.model_dump_json())
    back = history_from_doc(again)
    recomputed = period_stats(back.merged, back.calls, days, WARSAW, now)
    assert recomputed == stats
    assert StatsDoc.of(recomputed.calls, recomputed.in_status) == again.total
    assert [d.stats for d in again.days] == [
        StatsDoc.of(d.calls, d.in_status) for d in recomputed.days
    ]
    # Each device's timeline comes back too.
    for key, log in history.devices.items():
        assert period_stats(back.devices[key], [], days, WARSAW, now).in_status == (
            period_stats(log, [], days, WARSAW, now).in_status
        )
    assert back.user_agents == history.user_agents


def test_history_round_trip_sees_the_call_in_progress() -> None:
    state, now, days = three_days()
    history = employee_history(state, "e1")
    assert history is not None
    stats = period_stats(history.merged, history.calls, days, WARSAW, now)
    assert isinstance(stats, PeriodStats)
    today = stats.days[-1].calls
    assert (today.incoming, today.missed, today.short_unanswered) == (1, 1, 0)
    assert today.total_talk == pytest.approx(30 * 60 - 7.25)


def test_snapshot_without_open_calls_rebuilds_them_from_the_legs() -> None:
    """A document from a hub that does not send ``open_calls`` still gives the same state
    when no call of the day ended a moment ago."""
    original = busy_state()
    now = NOON.timestamp() + 1
    doc = snapshot_doc(original, now, speed=1.0, tz_name="Europe/Warsaw")
    old_style = SnapshotDoc.model_validate_json(doc.model_dump_json(exclude={"open_calls"}))
    assert old_style.open_calls is None
    assert view(state_from_snapshot(old_style, WARSAW), now) == view(original, now)
