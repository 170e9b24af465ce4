"""Property: the faster parsing of events accepts and refuses exactly what it did before.

``utc_time`` (every event's ``ts``) takes a fast path for texts in UTC, and the parse functions
call pydantic-core's validator without the adapter's wrapper (issue 10, item 5). Checked
against what they replaced, on valid events and odd ones (wrong offsets, naive times, years
out of range, unknown fields, wrong types, padded or overlong ids): an accepted event is the
same event, a refused one is refused with the same errors, word for word.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from ringmon.model.schema import (
    FEED_FIELDS,
    Event,
    UnknownEventType,
    parse_event,
    parse_event_obj,
    parse_feed_event,
    utc_time,
)


def previous_utc_time(value: object) -> datetime:
    """``utc_time`` as it was before its fast path (the reference)."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time") from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise ValueError("a time must be an ISO 8601 string like 2026-03-24T14:05:00Z")
    if moment.tzinfo is UTC:
        return moment
    if moment.utcoffset() is None:
        raise ValueError("a time needs its offset (Z or +01:00)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is outside the years 1 to 9999 in UTC") from None


PREVIOUS_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
"""The events' validator called through the adapter, as before."""

TIMES = [
    "2026-03-24T14:05:00Z",
    "2026-03-24T14:05:00.250000Z",
    "2026-03-24T14:05:00+00:00",
    "2026-03-24T15:05:00+01:00",
    "2026-03-24T14:05:00-00:00",
    "2026-03-24T14:05:00+23:59",
    "2026-03-24T14:05:00+24:00",
    "2026-03-24T14:05:00+25:00",
    "2026-03-24T14:05:00+01:00:30.5",
    "2026-03-24T14:05:00",
    "2026-03-24",
    "2026-03-24T24:00:00Z",
    "20260324T140500Z",
    "2026-W13-2T14:05Z",
    "2026-03-24 14:05Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:30:00-14:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-05:00",
    "10000-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "yesterday",
    "",
    " 2026-03-24T14:05:00Z",
]

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["", " ", " a1", "a1 ", "\u00a0a1", "a" * 201, "x" * 501, "in", "out"]),
    st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.sampled_from(["queue", "reason", "x"]), st.text(max_size=4), max_size=3),
)
times = st.one_of(
    st.sampled_from(TIMES),
    st.datetimes(timezones=st.none() | st.just(UTC)).map(lambda t: t.isoformat()),
    st.builds(
        lambda t, minutes: t.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
        st.datetimes(),
        st.integers(min_value=-1439, max_value=1439),
    ),
    odd_values,
)
TEMPLATES: list[dict[str, Any]] = [
    {"type": "employee.upsert", "id": "e1", "name": "Anna", "department": "Sales",
     "numbers": ["+48 1", "+48 2"]},
    {"type": "employee.remove", "id": "e1"},
    {"type": "account.upsert", "login": "a1", "number": "101", "employee": "e1"},
    {"type": "account.remove", "login": "a1"},
    {"type": "device.status", "account": "a1", "device": "d1", "user_agent": "Phone",
     "status": "online", "dnd_capable": True, "reason": "Lunch",
     "paused": [{"queue": "q1", "reason": "Lunch"}]},
    {"type": "call.ring", "call": "c1", "leg": "c1/1", "account": "a1", "device": "d1",
     "direction": "in", "remote": "+48 600", "remote_name": "Jan"},
    {"type": "call.answer", "call": "c1", "leg": "c1/1", "device": "d1"},
    {"type": "call.end", "call": "c1", "leg": "c1/1", "recording": "r.wav"},
]  # fmt: skip


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event, or one with some of its fields dropped, changed or added."""
    event = dict(draw(st.sampled_from(TEMPLATES)))
    event["ts"] = draw(times)
    if draw(st.booleans()):
        event["seq"] = draw(st.one_of(st.integers(min_value=-2, max_value=2**64), odd_values))
    for name in draw(st.lists(st.sampled_from(sorted(event)), max_size=3)):
        if draw(st.booleans()):
            event.pop(name, None)
        else:
            event[name] = draw(odd_values)
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        event[draw(st.sampled_from(["extra", "nmae", "Type", "ts "]))] = draw(odd_values)
    if draw(st.integers(min_value=0, max_value=7)) == 0:
        event["type"] = draw(st.sampled_from(["call.rang", "", "heartbeat"]) | odd_values)
    return event


def previous_feed_event(data: object) -> Event:
    """``parse_feed_event`` as it was (through the adapter)."""
    if isinstance(data, dict):
        kind = data.get("type")
        fields = FEED_FIELDS.get(kind) if isinstance(kind, str) else None
        if fields is None:
            if isinstance(kind, str):
                raise UnknownEventType(f"an event of a type this version does not know: {kind!r}")
        elif not data.keys() <= fields:
            data = {key: value for key, value in data.items() if key in fields}
    return PREVIOUS_ADAPTER.validate_python(data)


def outcome(parse: Any, data: object) -> Any:
    try:
        event = parse(data)
    except ValidationError as exc:
        return ("refused", exc.title, exc.json(include_url=False))
    except ValueError as exc:
        return ("refused", type(exc), str(exc))
    return ("accepted", type(event), event.model_dump(), event.__pydantic_fields_set__)


def check(text: str) -> None:
    """The JSON text read as a source's line, and decoded as the push API and the feed
    client read it: each as before."""
    now = outcome(parse_event, text)
    assert now == outcome(PREVIOUS_ADAPTER.validate_json, text)
    if now[0] == "accepted":
        assert now[2]["ts"].tzinfo is UTC
    try:
        value = json.loads(text)
    except ValueError:
        return
    assert outcome(parse_event_obj, value) == outcome(PREVIOUS_ADAPTER.validate_python, value)
    assert outcome(parse_feed_event, value) == outcome(previous_feed_event, value)


@settings(max_examples=400)
@given(events())
def test_parse_event_accepts_and_refuses_as_before(event: dict[str, Any]) -> None:
    check(json.dumps(event, ensure_ascii=False))


@settings(max_examples=150)
@given(st.text(max_size=60) | st.binary(max_size=60).map(lambda b: b.decode("latin-1")))
def test_any_text_is_refused_as_before(text: str) -> None:
    check(text)


@pytest.mark.parametrize("text", TIMES)
def test_each_odd_time_reads_as_before(text: str) -> None:
    check(json.dumps({**TEMPLATES[6], "ts": text}))


def same_time(value: object) -> None:
    try:
        expected: object = previous_utc_time(value)
    except ValueError as exc:
        expected = ("refused", str(exc))
    try:
        got: object = utc_time(value)
    except ValueError as exc:
        got = ("refused", str(exc))
    assert got == expected
    if isinstance(got, datetime):
        assert got.tzinfo is UTC


@settings(max_examples=300)
@given(
    times
    | st.datetimes(timezones=st.none() | st.just(UTC) | st.timezones())
    | st.builds(
        lambda t, minutes: t.replace(tzinfo=timezone(timedelta(minutes=minutes))),
        st.datetimes(),
        st.integers(min_value=-1439, max_value=1439),
    )
)
def test_utc_time_gives_what_it_gave(value: object) -> None:
    same_time(value)


class Text(str):
    """A ``str`` subclass: not the fast path's exact type."""


@pytest.mark.parametrize("text", TIMES)
def test_str_subclasses_read_as_texts(text: str) -> None:
    same_time(Text(text))
