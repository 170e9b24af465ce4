"""The simulator's breaks say why (Lunch, Break, Training) and its callers have names
(issue 12 items 3 and 4): DND with a reason reaches the model and counts as dnd time."""

from __future__ import annotations

from collections import Counter

from sim_helpers import MONDAY, WARSAW, midnight, replay

from ringmon.model.schema import CallRing, DeviceStatus, Registration
from ringmon.model.state import State
from ringmon.model.status import Status
from ringmon.model.timeline import day_timeline, time_in_status
from ringmon.sources.sim import simulate


def test_dnd_breaks_have_reasons_and_some_callers_names() -> None:
    start = midnight(MONDAY)
    events = list(simulate(40, 7, start, start + 86400, WARSAW))
    dnd = [e for e in events if isinstance(e, DeviceStatus) and e.status is Registration.DND]
    assert dnd and all(e.reason in ("Lunch", "Break", "Training") for e in dnd)
    assert set(Counter(e.reason for e in dnd)) == {"Lunch", "Break", "Training"}
    others = [e for e in events if isinstance(e, DeviceStatus) and e.status is not Registration.DND]
    assert all(e.reason is None for e in others)
    rings = [e for e in events if isinstance(e, CallRing)]
    named = [e for e in rings if e.remote_name]
    assert 0 < len(named) < len(rings)

    state = State(WARSAW, record=True)
    assert replay(events, state) == []
    assert state.history is not None
    with_reason = {
        emp: [t for t in log if t.status is Status.DND]
        for emp, log in state.history.employee.items()
    }
    someone = next(emp for emp, log in with_reason.items() if log)
    assert all(t.reason in ("Lunch", "Break", "Training") for t in with_reason[someone])
    # Pause time counts as dnd time.
    timeline = day_timeline(state.history.employee[someone], MONDAY, WARSAW, start + 86400)
    dnd_seconds = sum(i.seconds for i in timeline if i.status is Status.DND)
    assert time_in_status(timeline)[Status.DND] == dnd_seconds > 0
    assert {i.reason for i in timeline if i.status is Status.DND} <= {"Lunch", "Break", "Training"}
