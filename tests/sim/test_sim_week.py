"""A simulated week of 60 employees: consistent, ordered, and a believable call centre."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sim_helpers import MONDAY, WARSAW, midnight, replay

from ringmon.model.calls import CallLeg, Outcome
from ringmon.model.schema import (
    CallRing,
    DeviceStatus,
    Direction,
    EmployeeUpsert,
    Event,
    Registration,
)
from ringmon.model.state import State
from ringmon.model.status import Status
from ringmon.model.timeline import status_at
from ringmon.sources.sim import simulate

EMPLOYEES = 60
DAYS = 7


@pytest.fixture(scope="module")
def week() -> list[Event]:
    start = midnight(MONDAY)
    return list(simulate(EMPLOYEES, 7, start, start + DAYS * 86400, WARSAW))


@pytest.fixture(scope="module")
def played(week: list[Event]) -> State:
    state = State(WARSAW, record=True)
    assert replay(week, state) == []
    return state


@pytest.fixture(scope="module")
def legs(played: State) -> list[CallLeg]:
    assert played.history is not None
    return played.history.calls


def test_every_event_applies_without_rejection(week: list[Event]) -> None:
    state = State(WARSAW, record=True)
    rejected = replay(week, state)
    assert rejected == []
    assert len(week) > 10_000


def test_time_never_runs_backwards(week: list[Event]) -> None:
    times = [event.ts for event in week]
    assert times == sorted(times)
    assert times[0].timestamp() == midnight(MONDAY)
    assert times[-1].timestamp() < midnight(MONDAY) + DAYS * 86400


def test_upserts_come_first_and_cover_everyone(week: list[Event]) -> None:
    employees = [e for e in week if isinstance(e, EmployeeUpsert)]
    assert len(employees) == EMPLOYEES
    assert all(isinstance(e, EmployeeUpsert) for e in week[:EMPLOYEES])
    assert len({e.name for e in employees}) == EMPLOYEES  # no two people share a name


def test_departments_and_people_without_one(week: list[Event]) -> None:
    employees = [e for e in week if isinstance(e, EmployeeUpsert)]
    departments = {e.department for e in employees if e.department}
    assert len(departments) >= 4
    assert any(e.department is None for e in employees)


def test_dnd_only_from_the_vendor_app(week: list[Event]) -> None:
    statuses = [e for e in week if isinstance(e, DeviceStatus)]
    dnd = [e for e in statuses if e.status is Registration.DND]
    assert dnd, "some breaks are taken in DND"
    assert all(e.dnd_capable for e in dnd)
    capable_agents = {e.user_agent for e in statuses if e.dnd_capable}
    assert capable_agents and all(ua.startswith("Ringostat Desktop/") for ua in capable_agents)
    agents = {e.user_agent for e in statuses}
    assert any(ua.startswith("MicroSIP/") for ua in agents)
    assert any(ua.startswith("Yealink") for ua in agents)
    assert any("Zoiper" in ua or ua.startswith("Z ") for ua in agents)


def test_some_employees_on_two_devices_at_once(week: list[Event]) -> None:
    state = State(WARSAW)
    most: dict[str, int] = defaultdict(int)
    for event in week:
        state.apply(event)
        if isinstance(event, DeviceStatus):
            owner = state.accounts[event.account].employee
            assert owner is not None
            live = [d for d in state.devices_of(owner) if d.status is not Status.OFFLINE]
            most[owner] = max(most[owner], len(live))
    assert sum(1 for n in most.values() if n >= 2) >= EMPLOYEES // 10


def test_hunt_groups_ring_several_people_once_answered(legs: list[CallLeg]) -> None:
    by_call: dict[str, list[CallLeg]] = defaultdict(list)
    for leg in legs:
        by_call[leg.call].append(leg)
    hunts = [call for call in by_call.values() if len(call) > 1]
    assert len(hunts) > 100
    for call in hunts:
        assert len({leg.employee for leg in call}) == len(call)
        assert len({leg.ring_at for leg in call}) == 1
        assert sum(1 for leg in call if leg.answered) <= 1
        winners = [leg for leg in call if leg.answered]
        if winners:  # the others stop ringing when someone picks up
            assert all(leg.end_at == winners[0].answer_at for leg in call if not leg.answered)


def test_outcomes_exercise_the_missed_rule(legs: list[CallLeg]) -> None:
    outcomes = Counter((leg.direction, leg.outcome()) for leg in legs)
    assert outcomes[(Direction.IN, Outcome.ANSWERED)] > 1000
    assert outcomes[(Direction.IN, Outcome.MISSED)] > 100  # rang > 5 s
    assert outcomes[(Direction.IN, Outcome.SHORT)] > 100  # rang <= 5 s
    assert outcomes[(Direction.OUT, Outcome.ANSWERED)] > 100
    assert outcomes[(Direction.OUT, Outcome.UNANSWERED)] > 50
    assert all(leg.end_at is not None for leg in legs)


def test_talk_times_and_recordings(legs: list[CallLeg]) -> None:
    answered = [leg for leg in legs if leg.answered]
    talks = sorted(leg.talk_seconds() for leg in answered)
    assert talks[0] < 10
    assert 60 < talks[len(talks) // 2] < 400
    assert 15 * 60 <= talks[-1] <= 20 * 60 + 1
    recorded = [leg for leg in answered if leg.recording]
    assert 0.8 < len(recorded) / len(answered) < 1.0
    assert all(leg.recording == f"sim:{leg.leg}#{int(leg.talk_seconds())}" for leg in recorded)
    assert not any(leg.recording for leg in legs if not leg.answered)


def test_calls_follow_the_daily_curve(week: list[Event]) -> None:
    rings = [e for e in week if isinstance(e, CallRing) and e.direction is Direction.IN]
    by_hour = Counter(e.ts.astimezone(WARSAW).hour for e in rings)
    assert by_hour[10] > 2 * by_hour[5]
    assert by_hour[14] > 2 * by_hour[19]
    assert by_hour[10] > 2 * by_hour[3] > 0  # the 24x7 line takes calls at night too


def test_someone_is_logged_in_at_any_hour(played: State) -> None:
    assert played.history is not None
    transitions = played.history.employee
    start = midnight(MONDAY)
    shares = []
    for hour in range(DAYS * 24):
        at = start + hour * 3600 + 1800
        online = sum(1 for log in transitions.values() if status_at(log, at) is not Status.OFFLINE)
        shares.append(online / EMPLOYEES)
    assert min(shares) >= 0.1
    assert max(shares) >= 0.5
    weekday_10 = [shares[d * 24 + 10] for d in range(5)]
    night_3 = [shares[d * 24 + 3] for d in range(DAYS)]
    assert min(weekday_10) > max(night_3)


def test_no_call_in_progress_at_midnight(legs: list[CallLeg]) -> None:
    for day in range(1, DAYS):
        at = midnight(MONDAY + timedelta(days=day))
        assert not [leg for leg in legs if leg.ring_at < at and (leg.end_at or at) > at], (
            "a resume at a backfill's first midnight would find calls half-way"
        )
