"""The state's legs by employee (``State.legs_of``): the board builds a batch's rows from the
touched employees' own legs, never from a pass over every call in progress; the rows must be
the ones a pass over all of them gives, after any stream and after a snapshot round trip."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from model_events import WARSAW, local
from model_streams import COARSE_GAPS, Action, Layout, actions, build_stream, interleave, layouts

from ringmon.model.board_rows import build_rows
from ringmon.model.caller_id import other_parties
from ringmon.model.history import replay
from ringmon.model.snapshot_reader import SnapshotReading
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.model.state import State

T0 = local(date(2026, 3, 28), "20:00").timestamp()


def check(state: State) -> None:
    everyone = build_rows(state)
    parties = other_parties(state)
    for emp in state.employees:
        assert state.legs_of(emp) == [leg for leg in state.legs.values() if leg.employee == emp]
        # One employee's row, built from their own legs, is the row of a pass over all legs.
        # (Rows compare by identity: their fields are compared.)
        (one,) = build_rows(state, [emp]).values()
        whole = everyone[emp]
        assert one is not None and whole is not None
        assert astuple(one) == astuple(whole)
        assert other_parties(state, [emp]) == ({emp: parties[emp]} if emp in parties else {})


@settings(max_examples=60, deadline=None)
@given(
    layout1=layouts,
    layout2=layouts,
    steps1=actions(COARSE_GAPS, max_size=30),
    steps2=actions(COARSE_GAPS, max_size=30),
    picks=st.lists(st.booleans(), min_size=1, max_size=20),
)
def test_legs_by_employee_follow_every_ring_answer_and_end(
    layout1: Layout,
    layout2: Layout,
    steps1: list[Action],
    steps2: list[Action],
    picks: list[bool],
) -> None:
    events = interleave(
        build_stream("e1", layout1, steps1, T0), build_stream("e2", layout2, steps2, T0), picks
    )
    state = State(WARSAW)
    replay(events, state)
    check(state)
    now = events[-1].ts.timestamp()
    restored = SnapshotReading(snapshot_json(state, now, 1.0, "Europe/Warsaw")).state(WARSAW)
    check(restored)
    assert {e: restored.legs_of(e) for e in restored.employees} == {
        e: state.legs_of(e) for e in state.employees
    }
