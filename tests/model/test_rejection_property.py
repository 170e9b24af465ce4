"""Property: an event the model refuses leaves the state exactly as it was (issue 9, item 2).

Every event kind, with extreme values (years 1 and 9999 with offsets, huge strings, NaN,
negative durations, names the state does not know), is parsed with the wire schema and
applied to a busy recording state. The schema may refuse it (a ``ValidationError``, never
anything else); ``State.apply`` may apply it or raise ``EventRejected``, never anything else;
and a rejected event must change nothing at all. Reproduces: a ``call.ring`` at
9999-12-31T12:00:00Z put its leg in ``legs`` and then overflowed counting its day.
"""

from __future__ import annotations

import copy
import math
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_events import NOON, busy_state
from pydantic import ValidationError

from ringmon.model.schema import parse_event_obj
from ringmon.model.state import EventRejected, State

EXTREME_TIMES = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00-14:00",
    "0001-01-02T03:00:00+14:00",
    "9999-12-31T12:00:00Z",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59.999999-23:59",
    "2999-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59-00:30",
]
NEAR_NOON = [(NOON + timedelta(seconds=s)).isoformat() for s in (-400, -301, -300, -5, 0, 1, 60)]


def with_offset(moment: datetime, minutes: int) -> str:
    """``moment`` as local time at an offset of ``minutes`` (``Z`` for 0)."""
    if minutes == 0:
        return moment.isoformat() + "Z"
    sign = "+" if minutes > 0 else "-"
    return f"{moment.isoformat()}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


times = st.one_of(
    st.sampled_from(EXTREME_TIMES + NEAR_NOON),
    st.builds(
        with_offset,
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
        st.integers(-23 * 60 - 59, 23 * 60 + 59),
    ),
)
known_names = st.sampled_from(
    ["e1", "e2", "nobody", "A", "B", "C", "X", "Q", "a1", "b1", "c1", "c2", "zz",
     "k1", "k2", "h3", "k2/A", "h3/B", "h3/C", "h3/X", "k9/A"]
)  # fmt: skip
odd_values = st.one_of(
    st.just(math.nan),
    st.just(math.inf),
    st.just(-1),
    st.just(10**30),
    st.just(None),
    st.just(""),
    st.just(" "),
    st.just("x" * 201),
    st.just("y" * 100_000),
    st.text(max_size=8),
)
names = st.one_of(known_names, known_names, odd_values)

FIELDS: dict[str, dict[str, Any]] = {
    "employee.upsert": {
        "id": names,
        "name": names,
        "department": names,
        "numbers": st.lists(names, max_size=3),
    },
    "employee.remove": {"id": names},
    "account.upsert": {"login": names, "number": names, "employee": names},
    "account.remove": {"login": names},
    "device.status": {
        "account": names,
        "device": names,
        "user_agent": names,
        "status": st.sampled_from(["online", "offline", "dnd", "busy", math.nan]),
        "dnd_capable": st.sampled_from([True, False, math.nan, "yes"]),
    },
    "call.ring": {
        "call": names,
        "leg": names,
        "account": names,
        "device": names,
        "direction": st.sampled_from(["in", "out", "sideways", math.nan]),
        "remote": names,
    },
    "call.answer": {"call": names, "leg": names, "device": names},
    "call.end": {"call": names, "leg": names, "recording": names},
}


@st.composite
def raw_events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(FIELDS)))
    event: dict[str, Any] = {"type": kind, "ts": draw(times)}
    for name, values in FIELDS[kind].items():
        if draw(st.integers(0, 5)):  # now and then a field is left out
            event[name] = draw(values)
    return event


def everything(state: State) -> dict[str, Any]:
    return copy.deepcopy(vars(state))


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(raw_events(), min_size=1, max_size=4))
def test_a_rejected_event_leaves_the_state_as_it_was(raws: list[dict[str, Any]]) -> None:
    state = busy_state()
    for raw in raws:
        try:
            event = parse_event_obj(raw)
        except ValidationError:
            continue  # refused by the schema, with a reason (never another exception)
        before = everything(state)
        try:
            state.apply(event)
        except EventRejected as exc:
            assert exc.reason
            assert everything(state) == before, (raw, exc.reason)


def test_the_ring_of_9999_is_refused_whole() -> None:
    state = busy_state()
    before = everything(state)
    ring = {
        "type": "call.ring",
        "ts": "9999-12-31T12:00:00Z",
        "call": "k7",
        "leg": "k7/A",
        "account": "A",
        "direction": "in",
    }
    try:
        state.apply(parse_event_obj(ring))
    except EventRejected as exc:
        assert "9998" in exc.reason
    else:
        raise AssertionError("a ring in 9999 was applied")
    assert everything(state) == before
    # The leg may ring later, at a sane time.
    state.apply(parse_event_obj({**ring, "ts": (NOON + timedelta(seconds=1)).isoformat()}))
    assert "k7/A" in state.legs
