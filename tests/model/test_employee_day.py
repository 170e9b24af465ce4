"""Each employee's calls today (the board's counter columns) are the profile's figures, kept
as legs end, carried by the snapshot, and start over on a new day."""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "board"))

from board_data import DAY, NOW, TZ, board_events, board_state

from ringmon.model.board_rows import build_rows
from ringmon.model.calls import CallLeg
from ringmon.model.employee_day import EmployeeDays, finished, with_calls_in_progress
from ringmon.model.schema import Direction
from ringmon.model.snapshot_reader import SnapshotReading
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.model.state import State
from ringmon.model.stats import call_stats, legs_by_day
from ringmon.model.wire import SnapshotDoc, state_from_snapshot


def test_the_counters_are_the_profiles_figures_of_the_day() -> None:
    recorded = State(TZ, record=True)
    recorded.apply_all(board_events(60))
    assert recorded.history is not None
    checked = 0
    for emp in recorded.employees:
        legs = [leg for leg in recorded.history.calls if leg.employee == emp]
        want = call_stats(legs_by_day(legs, [DAY], TZ, NOW)[DAY], NOW)
        day = recorded.employee_days.of(emp, DAY)
        if not legs:
            assert day is None
            continue
        assert day is not None
        assert dataclasses.asdict(day) == {**dataclasses.asdict(want), "longest": day.longest}
        assert day.longest == max(leg.talk_seconds(NOW) for leg in legs)
        checked += 1
    assert checked > 20
    assert any(d.missed for d in recorded.employee_days.employees.values())


def test_the_snapshot_carries_them() -> None:
    state = board_state(40)
    doc = SnapshotDoc.model_validate_json(snapshot_json(state, NOW, 1.0, "Europe/Warsaw"))
    assert doc.employee_days is not None and doc.employee_days.day == DAY
    body = snapshot_json(state, NOW, 1.0, "Europe/Warsaw")
    # Both readings of the client: the models', and the fast one the feed uses.
    for restored in (state_from_snapshot(doc, TZ), SnapshotReading(body).state(TZ)):
        assert restored.employee_days.day == DAY
        assert restored.employee_days.employees.keys() == state.employee_days.employees.keys()
        for emp, day in state.employee_days.employees.items():
            got = restored.employee_days.of(emp, DAY)
            assert got is not None
            assert got.as_dict() == day.as_dict()
            assert abs(got.longest - day.longest) < 0.001


def leg(employee: str, ring_at: float, answer: float | None, end: float) -> CallLeg:
    return CallLeg(
        call=f"c{ring_at}",
        leg=f"l{ring_at}",
        account="a",
        device=None,
        employee=employee,
        direction=Direction.IN,
        remote="1",
        ring_at=ring_at,
        answer_at=None if answer is None else ring_at + answer,
        end_at=ring_at + end,
    )


def test_a_new_day_starts_over_and_a_late_leg_of_yesterday_stays_out() -> None:
    days = EmployeeDays(TZ)
    today = NOW
    days.end(leg("e1", today, 2, 62))
    days.end(leg("e1", today + 100, None, 10))  # missed (R11: rang > 5 s)
    days.end(leg("e1", today + 200, None, 3))  # short: not missed
    got = finished(days.of("e1", DAY))
    assert (got.calls, got.missed, got.talk, got.longest) == (1, 1, 60.0, 60.0)
    tomorrow = datetime.fromtimestamp(NOW, TZ) + timedelta(days=1)
    days.end(leg("e2", tomorrow.timestamp(), 1, 11))
    assert days.of("e1", DAY) is None and days.day == tomorrow.date()
    days.end(leg("e1", today + 300, 1, 101))  # rang yesterday, ended late: not today's
    assert days.of("e1", tomorrow.date()) is None


def test_a_call_in_progress_counts_up_to_now_as_the_profile_counts_it() -> None:
    state = board_state(30)
    rows = build_rows(state)
    talking = [r for r in rows.values() if r is not None and r.answered_open]
    assert talking
    for row in talking:
        got = with_calls_in_progress(row.calls_done, row.answered_open, NOW)
        legs = [leg for leg in state.legs.values() if leg.employee == row.id and leg.answered]
        done = row.calls_done
        assert got.calls == done.calls + len(legs)
        assert abs(got.talk - done.talk - sum(leg.talk_seconds(NOW) for leg in legs)) < 1e-6
