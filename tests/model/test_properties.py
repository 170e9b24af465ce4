"""Hypothesis properties of the model over random valid event streams.

(a) a day's merged timeline covers the day exactly: no gap, no overlap, no two neighbours
    with the same status;
(b) at every instant the merged status is the highest-priority status among the employee's
    devices (R16), checked against an oracle that reads the raw events;
(c) an employee's statistics and timelines do not depend on how their events interleave with
    another employee's.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from model_events import WARSAW, local
from model_streams import (
    COARSE_GAPS,
    FINE_GAPS,
    Action,
    Layout,
    actions,
    build_stream,
    interleave,
    layouts,
    logins,
    oracle,
)

from ringmon.model.history import replay
from ringmon.model.period import day_bounds, local_date
from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.model.stats import period_stats
from ringmon.model.status import Status, merge_status
from ringmon.model.timeline import day_timeline, status_at

# The evening before the spring DST change in Warsaw: long streams cross the 23-hour day.
T0 = local(date(2026, 3, 28), "20:00").timestamp()


def applied(events: list[Event]) -> State:
    state = State(WARSAW, record=True)
    applied_count, rejects = replay(events, state)
    assert rejects == []
    assert applied_count == len(events)
    return state


def days_of(events: list[Event]) -> list[date]:
    first = local_date(events[0].ts.timestamp(), WARSAW)
    last = local_date(events[-1].ts.timestamp(), WARSAW)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@settings(max_examples=80)
@given(layout=layouts, steps=actions(FINE_GAPS), cut=st.floats(0.0, 1.0))
def test_a_day_timeline_covers_the_day_exactly(
    layout: Layout, steps: list[Action], cut: float
) -> None:
    events = build_stream("e1", layout, steps, T0)
    state = applied(events)
    assert state.history is not None
    log = state.history.employee["e1"]
    last = events[-1].ts.timestamp()
    for now in (last + 86400 * 3, T0 + cut * (last - T0 + 1)):
        for day in days_of(events):
            start, end = day_bounds(day, WARSAW)
            timeline = day_timeline(log, day, WARSAW, now)
            if now <= start:
                assert timeline == []
                continue
            assert timeline[0].start == start
            assert timeline[-1].end == min(end, now)
            for before, after in itertools.pairwise(timeline):
                assert before.end == after.start
                assert before.status != after.status
            assert all(i.seconds > 0 for i in timeline)
            assert all(status_at(log, i.start) is i.status for i in timeline)
            assert sum(i.seconds for i in timeline) == min(end, now) - start


@settings(max_examples=100)
@given(layout=layouts, steps=actions(FINE_GAPS))
def test_merged_status_is_the_highest_of_the_devices_at_every_instant(
    layout: Layout, steps: list[Action]
) -> None:
    events = build_stream("e1", layout, steps, T0)
    state = applied(events)
    assert state.history is not None
    merged_log = state.history.employee["e1"]
    owned = set(logins("e1", layout))
    times = sorted({e.ts.timestamp() for e in events})
    instants = {T0 - 1.0, *times, *((a + b) / 2 for a, b in itertools.pairwise(times))}
    for at in sorted(instants):
        truth = oracle(events, owned, at)
        # The model's per-device timelines agree with the oracle's devices...
        for key, status in truth.devices.items():
            assert status_at(state.history.device.get(key, []), at) is status, (key, at)
        # ... the merged timeline is their R16 maximum ...
        competing = [status_at(log, at) for key, log in state.history.device.items()]
        if truth.account_talking:
            competing.append(Status.TALKING)
        assert status_at(merged_log, at) is merge_status(competing), at
        # ... and both agree with the oracle's employee.
        assert status_at(merged_log, at) is truth.merged, at
    end = oracle(events, owned, times[-1])
    assert state.employees["e1"].status is end.merged
    assert {k: d.status for k, d in state.devices.items()} == end.devices


def per_employee(state: State, emp: str, days: list[date], now: float) -> object:
    assert state.history is not None
    legs = [leg for leg in state.history.calls if leg.employee == emp]
    legs += state.legs_of(emp)
    stats = period_stats(state.history.employee.get(emp, []), legs, days, WARSAW, now)
    devices = {k: v for k, v in state.history.device.items() if k[0].startswith(f"{emp}-")}
    return (stats, state.history.employee.get(emp), devices, state.employees[emp].status)


@settings(max_examples=60)
@given(
    layout1=layouts,
    layout2=layouts,
    steps1=actions(COARSE_GAPS, max_size=30),
    steps2=actions(COARSE_GAPS, max_size=30),
    picks=st.lists(st.booleans(), min_size=1, max_size=20),
)
def test_stats_do_not_depend_on_how_two_employees_events_interleave(
    layout1: Layout,
    layout2: Layout,
    steps1: list[Action],
    steps2: list[Action],
    picks: list[bool],
) -> None:
    first = build_stream("e1", layout1, steps1, T0)
    second = build_stream("e2", layout2, steps2, T0)
    orders = [
        interleave(first, second, picks),
        interleave(first, second, [True]),
        interleave(first, second, [False]),
    ]
    states = [applied(order) for order in orders]
    alone = {"e1": applied(first), "e2": applied(second)}
    now = max(first[-1].ts, second[-1].ts).timestamp() + 60
    days = days_of(orders[0])
    for emp in ("e1", "e2"):
        expected = per_employee(alone[emp], emp, days, now)
        for state in states:
            assert per_employee(state, emp, days, now) == expected
