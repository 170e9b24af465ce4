"""Bad input and time order (docs/feed-protocol.md, "Consistency and order").

- An event up to 300 s older than the newest applied one is applied at the newest time
  (clamped); an older one is rejected as stale.
- A rejected event changes nothing at all: the whole state, history included, is the same
  before and after, for every rejection reason ``State.apply`` has.
"""

from __future__ import annotations

import copy
import inspect
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from model_events import (
    DAY,
    NOON,
    WARSAW,
    account,
    answer,
    busy_state,
    device,
    employee,
    end,
    local,
    recorded,
    ring,
)

from ringmon.model import state as state_module
from ringmon.model.schema import AccountRemove, EmployeeRemove, Event
from ringmon.model.state import EventRejected, State
from ringmon.model.status import Status


def deep(state: State) -> dict[str, Any]:
    """Everything a State holds, deep-copied (dataclasses compare by value)."""
    return copy.deepcopy(vars(state))


def test_busy_state_has_something_everywhere() -> None:
    state = busy_state()
    assert state.seq == 40
    assert set(state.legs) == {"k2/A", "h3/B", "h3/C", "h3/X"}
    assert state.employees["e1"].status is Status.TALKING
    assert state.ringing("e2")
    assert state.clock == NOON.timestamp()


def later(minutes: float = 1) -> datetime:
    return NOON + timedelta(minutes=minutes)


REJECTED: list[tuple[str, Event, str]] = [
    (
        "duplicate seq",
        device(later(), "A", "a1", "offline").model_copy(update={"seq": 40}),
        "duplicate",
    ),
    ("older seq", device(later(), "A", "a1", "offline").model_copy(update={"seq": 3}), "duplicate"),
    ("stale", device(NOON - timedelta(seconds=301), "A", "a1", "offline"), "stale"),
    ("account of unknown employee", account(later(), "A", "nobody"), "inconsistent"),
    ("new account of unknown employee", account(later(), "Z", "nobody"), "inconsistent"),
    ("device of unknown account", device(later(), "Q", "q1", "online"), "inconsistent"),
    ("dnd from a device that cannot", device(later(), "A", "a1", "dnd"), "inconsistent"),
    ("dnd from a new device that cannot", device(later(), "C", "c9", "dnd"), "inconsistent"),
    ("ring on unknown account", ring(later(), "k9", "k9/Q", "Q"), "inconsistent"),
    ("second ring of a leg in progress", ring(later(), "k2", "k2/A", "A", "a1"), "duplicate"),
    ("ring on unknown device", ring(later(), "k9", "k9/A", "A", "zz"), "inconsistent"),
    ("answer of a leg not in progress", answer(later(), "k1", "k1/A"), "inconsistent"),
    ("answer naming another call", answer(later(), "k9", "h3/B"), "inconsistent"),
    ("answer of an answered leg", answer(later(), "k2", "k2/A"), "duplicate"),
    ("answer on unknown device", answer(later(), "h3", "h3/B", "zz"), "inconsistent"),
    ("end of a leg not in progress", end(later(), "k1", "k1/A"), "inconsistent"),
    ("end naming another call", end(later(), "k9", "k2/A"), "inconsistent"),
    ("remove unknown employee", EmployeeRemove(ts=later(), id="nobody"), "inconsistent"),
    ("remove unknown account", AccountRemove(ts=later(), login="Q"), "inconsistent"),
    (
        "a time the calendar cannot hold",
        ring(datetime(9999, 12, 31, 12, tzinfo=UTC), "k7", "k7/A", "A"),
        "malformed",
    ),
]


@pytest.mark.parametrize(("why", "event", "kind"), REJECTED, ids=[r[0] for r in REJECTED])
def test_a_rejected_event_changes_nothing(why: str, event: Event, kind: str) -> None:
    state = busy_state()
    before = deep(state)
    with pytest.raises(EventRejected) as info:
        state.apply(event)
    assert info.value.kind == kind
    assert info.value.reason
    assert deep(state) == before, why
    # ... and the state goes on as if the bad event had never come.
    state.apply(end(later(2), "k2", "k2/A"))
    assert state.employees["e1"].status is Status.ONLINE


def test_every_rejection_reason_of_state_py_is_covered() -> None:
    """Each ``raise EventRejected`` in state.py is reached by one case of REJECTED at least."""
    source = inspect.getsource(state_module)
    raise_sites = source.count("raise EventRejected(")
    reasons: set[str] = set()
    for _, event, _ in REJECTED:
        with pytest.raises(EventRejected) as info:
            busy_state().apply(event)
        # The reason's template: quoted names and numbers taken out.
        reasons.add(re.sub(r"'[^']*'|[\d:.+-]+", "_", info.value.reason))
    assert len(reasons) == raise_sites, sorted(reasons)


def test_late_event_within_300_s_is_clamped_to_the_newest_time() -> None:
    state = busy_state()
    late = NOON - timedelta(seconds=200)
    applied = state.apply(device(late, "C", "c2", "online"))
    assert applied == NOON.timestamp()
    assert state.clock == NOON.timestamp()
    assert state.devices[("C", "c2")].since == NOON.timestamp()
    assert state.devices[("C", "c2")].registered_since == NOON.timestamp()


def test_exactly_300_s_late_is_still_clamped_and_301_s_is_stale() -> None:
    state = busy_state()
    assert state.apply(device(NOON - timedelta(seconds=300), "C", "c2", "online")) == (
        NOON.timestamp()
    )
    with pytest.raises(EventRejected) as info:
        state.apply(device(NOON - timedelta(seconds=300.5), "C", "c2", "offline"))
    assert info.value.kind == "stale"


def test_clamped_times_are_what_the_timeline_shows() -> None:
    events: list[Event] = [
        employee(local(DAY, "08:00"), "e1", "Anna Nowak"),
        account(local(DAY, "08:00"), "A", "e1"),
        device(local(DAY, "08:10"), "A", "a1", "online"),
        device(local(DAY, "08:07"), "A", "a1", "offline"),  # 3 min late: applied at 08:10
        device(local(DAY, "08:20"), "A", "a1", "online"),
    ]
    state = recorded(events)
    assert state.history is not None
    # Online at 08:10 and offline at the same clamped instant: only the offline lasted, and
    # offline is where every log starts, so the one transition is 08:20 online.
    assert [(t.at, t.status) for t in state.history.employee["e1"]] == [
        (local(DAY, "08:20").timestamp(), Status.ONLINE)
    ]
    assert [(t.at, t.status) for t in state.history.device[("A", "a1")]] == [
        (local(DAY, "08:20").timestamp(), Status.ONLINE)
    ]


def test_the_tolerance_is_configurable() -> None:
    state = State(WARSAW, late_tolerance=10.0)
    state.apply(employee(NOON, "e1", "Anna Nowak"))
    with pytest.raises(EventRejected):
        state.apply(employee(NOON - timedelta(seconds=11), "e2", "Ewa Lis"))
    assert "e2" not in state.employees


def test_an_event_of_the_same_time_as_the_last_gets_the_same_seconds() -> None:
    # ``apply`` reuses the last event's seconds for an equal ``ts``: equal as an instant
    # (whatever its offset), before clamping (a clamped late event does not lend its clamped
    # time to the next one of its own time, nor a rejected one its time to anyone).
    state = busy_state()
    late = NOON - timedelta(seconds=200)
    assert state.apply(device(late, "C", "c2", "online")) == NOON.timestamp()
    assert state.apply(device(late, "C", "c2", "offline")) == NOON.timestamp()
    then = later(2)
    with pytest.raises(EventRejected):
        state.apply(device(then, "C", "nowhere", "dnd"))
    warsaw = device(then, "C", "c2", "online").model_copy(update={"ts": then.astimezone(WARSAW)})
    assert state.apply(warsaw) == then.timestamp()
    assert state.apply(device(then, "C", "c2", "offline")) == then.timestamp()
    assert state.apply(device(later(3), "C", "c2", "online")) == later(3).timestamp()
