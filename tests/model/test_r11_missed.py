"""R11: only an incoming call that rang the employee for MORE than 5 s and was not answered is
missed; exactly 5.0 s is not. Outgoing and answered legs are never missed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from model_events import WARSAW, account, answer, device, employee, end, local, recorded, ring

from ringmon.model.calls import CALL_LINGER_SECONDS, Outcome, is_missed
from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.model.stats import period_stats

DAY = date(2026, 3, 24)
T0 = local(DAY, "10:00")


def staff(*ids: str) -> list[Event]:
    """Employees with one account and one online MicroSIP device each."""
    out: list[Event] = []
    for emp in ids:
        out += [
            employee(local(DAY, "08:00"), emp, f"Person {emp}"),
            account(local(DAY, "08:00"), f"sip-{emp}", emp),
            device(local(DAY, "08:00"), f"sip-{emp}", "d", "online"),
        ]
    return out


def stats_of(state: State, emp: str) -> dict[str, float | int]:
    assert state.history is not None
    legs = [leg for leg in state.history.calls if leg.employee == emp]
    return period_stats(state.history.employee[emp], legs, [DAY], WARSAW, now=2e9).calls.as_dict()


@pytest.mark.parametrize(
    ("rang", "outcome", "missed"),
    [
        (0.0, Outcome.SHORT, 0),
        (4.9, Outcome.SHORT, 0),
        (5.0, Outcome.SHORT, 0),  # exactly 5 s: NOT missed
        (5.000001, Outcome.MISSED, 1),
        (5.1, Outcome.MISSED, 1),
        (60.0, Outcome.MISSED, 1),
    ],
)
def test_incoming_unanswered_is_missed_only_after_more_than_5_s(
    rang: float, outcome: Outcome, missed: int
) -> None:
    state = recorded(
        [
            *staff("e1"),
            ring(T0, "c1", "c1/1", "sip-e1", "d"),
            end(T0 + timedelta(seconds=rang), "c1", "c1/1"),
        ]
    )
    assert state.history is not None
    (leg,) = state.history.calls
    assert leg.outcome() is outcome
    assert is_missed(leg) is bool(missed)
    assert leg.ring_seconds() == pytest.approx(rang)
    stats = stats_of(state, "e1")
    assert stats["missed"] == missed
    assert stats["short_unanswered"] == 1 - missed
    assert stats["handled"] == 0
    assert state.tally.day(DAY).missed == missed
    assert state.tally.day(DAY).calls == 1


@pytest.mark.parametrize("rang", [3.0, 5.0, 5.1, 90.0])
def test_outgoing_unanswered_is_never_missed(rang: float) -> None:
    state = recorded(
        [
            *staff("e1"),
            ring(T0, "c1", "c1/1", "sip-e1", "d", direction="out"),
            end(T0 + timedelta(seconds=rang), "c1", "c1/1"),
        ]
    )
    assert state.history is not None
    (leg,) = state.history.calls
    assert leg.outcome() is Outcome.UNANSWERED
    assert not is_missed(leg)
    assert stats_of(state, "e1") == {
        "handled": 0,
        "incoming": 0,
        "outgoing": 0,
        "missed": 0,
        "short_unanswered": 0,
        "outgoing_unanswered": 1,
        "missed_answered_by_colleague": 0,
        "total_talk": 0.0,
        "average_talk": 0.0,
        "average_answer": 0.0,
    }
    assert state.tally.day(DAY).missed == 0


@pytest.mark.parametrize("direction", ["in", "out"])
@pytest.mark.parametrize("rang", [1.0, 5.0, 5.1, 40.0])
def test_answered_is_never_missed_whatever_it_rang(direction: str, rang: float) -> None:
    answered = T0 + timedelta(seconds=rang)
    state = recorded(
        [
            *staff("e1"),
            ring(T0, "c1", "c1/1", "sip-e1", "d", direction=direction),
            answer(answered, "c1", "c1/1"),
            end(answered + timedelta(seconds=100), "c1", "c1/1"),
        ]
    )
    assert state.history is not None
    (leg,) = state.history.calls
    assert leg.outcome() is Outcome.ANSWERED
    assert not is_missed(leg)
    stats = stats_of(state, "e1")
    assert stats["missed"] == 0
    assert stats["handled"] == 1
    assert stats["total_talk"] == 100.0
    assert stats["average_answer"] == (pytest.approx(rang) if direction == "in" else 0.0)
    assert state.tally.day(DAY).answered == 1
    assert state.tally.day(DAY).missed == 0


def test_a_ringing_leg_is_not_missed_yet() -> None:
    state = recorded([*staff("e1"), ring(T0, "c1", "c1/1", "sip-e1", "d")])
    (leg,) = state.legs.values()
    assert leg.outcome() is Outcome.RINGING
    assert not is_missed(leg)
    assert leg.ring_seconds(T0.timestamp() + 30) == 30.0
    assert state.ringing("e1")


def test_hunt_group_answered_by_one_person() -> None:
    """One call, three legs: e2 picks up after 8 s; e1's leg rang 8 s, e3's 3 s.

    Reading (the model's): R11 is judged per leg, i.e. per employee: e1 was rung for more than
    5 s and did not answer, so it counts in e1's missed calls; e3's leg rang 3 s, so it is short.
    The call centre's tally counts the call once, as answered.
    """
    s8 = T0 + timedelta(seconds=8)
    state = recorded(
        [
            *staff("e1", "e2", "e3"),
            ring(T0, "h1", "h1/e1", "sip-e1", "d"),
            ring(T0, "h1", "h1/e2", "sip-e2", "d"),
            ring(T0, "h1", "h1/e3", "sip-e3", "d"),
            end(T0 + timedelta(seconds=3), "h1", "h1/e3"),
            answer(s8, "h1", "h1/e2"),
            end(s8, "h1", "h1/e1"),
            end(s8 + timedelta(seconds=60), "h1", "h1/e2"),
        ]
    )
    assert state.history is not None
    outcomes = {leg.leg: leg.outcome() for leg in state.history.calls}
    assert outcomes == {
        "h1/e1": Outcome.MISSED,
        "h1/e2": Outcome.ANSWERED,
        "h1/e3": Outcome.SHORT,
    }
    assert stats_of(state, "e1")["missed"] == 1
    assert stats_of(state, "e2")["incoming"] == 1
    assert stats_of(state, "e2")["average_answer"] == 8.0
    assert stats_of(state, "e3")["short_unanswered"] == 1
    tally = state.tally.day(DAY)
    assert (tally.calls, tally.answered, tally.missed) == (1, 1, 0)


@pytest.mark.parametrize(
    ("rings", "call_missed"),
    [
        ((4.0, 5.0), 0),  # nobody rang more than 5 s: not a missed call
        ((4.0, 5.1), 1),  # one leg rang more than 5 s: the call is missed
        ((7.0, 9.0), 1),
    ],
)
def test_hunt_group_nobody_answered(rings: tuple[float, float], call_missed: int) -> None:
    first, second = rings
    state = recorded(
        [
            *staff("e1", "e2"),
            ring(T0, "h1", "h1/e1", "sip-e1", "d"),
            ring(T0, "h1", "h1/e2", "sip-e2", "d"),
            end(T0 + timedelta(seconds=first), "h1", "h1/e1"),
            end(T0 + timedelta(seconds=second), "h1", "h1/e2"),
        ]
    )
    assert stats_of(state, "e1")["missed"] == int(first > 5)
    assert stats_of(state, "e2")["missed"] == int(second > 5)
    tally = state.tally.day(DAY)
    assert (tally.calls, tally.answered, tally.missed) == (1, 0, call_missed)


def test_a_leg_counts_on_the_day_it_started_ringing() -> None:
    """A call ringing across local midnight belongs to the day it rang (stats.py)."""
    late = local(DAY, "23:59:58")
    state = recorded(
        [
            *staff("e1"),
            ring(late, "c1", "c1/1", "sip-e1", "d"),
            end(late + timedelta(seconds=10), "c1", "c1/1"),
        ]
    )
    assert state.history is not None
    days = [DAY, DAY + timedelta(days=1)]
    stats = period_stats(state.history.employee["e1"], state.history.calls, days, WARSAW, 2e9)
    assert [d.calls.missed for d in stats.days] == [1, 0]
    assert stats.calls.missed == 1


def test_sequential_hunt_group_counts_the_call_once_and_as_answered() -> None:
    """e1 is rung 9 s and does not answer (a missed leg for e1); then the call goes on to e2,
    who answers: the call centre had one call, answered, not missed."""
    state = recorded(
        [
            *staff("e1", "e2"),
            ring(T0, "s1", "s1/e1", "sip-e1", "d"),
            end(T0 + timedelta(seconds=9), "s1", "s1/e1"),
        ]
    )
    tally = state.tally.day(DAY)
    assert (tally.calls, tally.answered, tally.missed) == (1, 0, 1)  # missed, for now
    state.apply_all(
        [
            ring(T0 + timedelta(seconds=9), "s1", "s1/e2", "sip-e2", "d"),
            answer(T0 + timedelta(seconds=12), "s1", "s1/e2"),
        ]
    )
    assert (tally.calls, tally.answered, tally.missed) == (1, 0, 0)  # in progress
    state.apply(end(T0 + timedelta(seconds=60), "s1", "s1/e2"))
    assert (tally.calls, tally.answered, tally.missed) == (1, 1, 0)
    assert stats_of(state, "e1")["missed"] == 1
    assert stats_of(state, "e2")["incoming"] == 1


def test_a_transfer_long_after_the_answer_is_still_the_same_call() -> None:
    state = recorded(
        [
            *staff("e1", "e2"),
            ring(T0, "t1", "t1/e1", "sip-e1", "d"),
            answer(T0 + timedelta(seconds=2), "t1", "t1/e1"),
            end(T0 + timedelta(minutes=10), "t1", "t1/e1"),
            ring(T0 + timedelta(minutes=10, seconds=1), "t1", "t1/e2", "sip-e2", "d"),
            end(T0 + timedelta(minutes=10, seconds=30), "t1", "t1/e2"),
        ]
    )
    tally = state.tally.day(DAY)
    assert (tally.calls, tally.answered, tally.missed) == (1, 1, 0)
    assert stats_of(state, "e2")["missed"] == 1


def test_a_call_id_seen_again_long_after_it_ended_is_a_new_call() -> None:
    """The tally remembers an ended call for CALL_LINGER_SECONDS (15 minutes), not forever."""
    later = T0 + timedelta(seconds=CALL_LINGER_SECONDS + 60)
    state = recorded(
        [
            *staff("e1"),
            ring(T0, "r1", "r1/a", "sip-e1", "d"),
            end(T0 + timedelta(seconds=8), "r1", "r1/a"),
            ring(later, "r1", "r1/b", "sip-e1", "d"),
            end(later + timedelta(seconds=8), "r1", "r1/b"),
        ]
    )
    tally = state.tally.day(DAY)
    assert (tally.calls, tally.answered, tally.missed) == (2, 0, 2)
    assert list(state.tally.open_calls) == ["r1"]
