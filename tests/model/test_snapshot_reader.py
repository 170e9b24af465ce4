"""``SnapshotReading`` (the client's fast reading of ``GET /v1/snapshot``) gives the state the
models give (``SnapshotDoc`` + ``state_from_snapshot``), and the models' errors for what they
refuse."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pydantic
import pytest
from model_events import NOON, WARSAW, busy_state
from test_wire_round_trip import AFTER, view

from ringmon.bench.synthetic import synthetic_day
from ringmon.model.schema import parse_event_obj
from ringmon.model.snapshot_reader import SnapshotReading
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.model.state import State
from ringmon.model.wire import SnapshotDoc, state_from_snapshot


def both(body: bytes, tz: ZoneInfo = WARSAW) -> tuple[State, State]:
    reading = SnapshotReading(body)
    doc = SnapshotDoc.model_validate_json(body)
    assert (reading.seq, reading.now, reading.speed, reading.tz) == (
        doc.seq,
        doc.now.timestamp(),
        doc.speed,
        doc.tz,
    )
    return reading.state(tz), state_from_snapshot(doc, tz)


def test_the_same_state_as_the_models_and_it_stays_the_same() -> None:
    original = busy_state()
    now = NOON.timestamp() + 1
    body = snapshot_json(original, now, 1.0, "Europe/Warsaw")
    fast, models = both(body)
    assert view(fast, now) == view(models, now) == view(original, now)
    reading = SnapshotReading(body)
    reading.state(WARSAW)
    assert reading._doc is None  # read without the models: the fast way
    for event in AFTER:
        assert fast.apply(event) == models.apply(event)
        assert view(fast, now) == view(models, now), event


def test_a_center_at_midday() -> None:
    day = date(2026, 3, 24)
    noon = datetime.combine(day, time(12), tzinfo=WARSAW).timestamp()
    state = State(WARSAW)
    for raw in synthetic_day(40, 3, day, WARSAW):
        event = parse_event_obj(raw)
        if event.ts.timestamp() > noon:
            break
        state.apply(event)
    fast, models = both(snapshot_json(state, noon, 1.0, "Europe/Warsaw"))
    assert state.legs and view(fast, noon) == view(models, noon) == view(state, noon)


def edited(change: dict[str, object], where: str | None = None) -> bytes:
    raw = json.loads(snapshot_json(busy_state(), NOON.timestamp(), 1.0, "Europe/Warsaw"))
    target = raw if where is None else raw[where][0]
    target.update(change)
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"now": "2026-03-24T12:00:00+01:00", "speed": 2}, None),  # another offset, an int
        ({"now": 1774350000}, None),  # the models take a number of seconds
        ({"since": "2026-03-24T08:00:00.5+02:00"}, "employees"),
        ({"open_calls": None}, None),  # an older hub: the tally rebuilt from the legs
        ({"extra": "ignored"}, "devices"),
    ],
)
def test_what_the_models_take_gives_their_state(change: dict[str, object], where: str) -> None:
    fast, models = both(edited(change, where))
    assert view(fast, NOON.timestamp()) == view(models, NOON.timestamp())


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"now": "2026-03-24T12:00:00"}, None),  # no offset
        ({"seq": "x"}, None),
        ({"name": 5}, "employees"),
        ({"status": "asleep"}, "devices"),
        ({"direction": "sideways"}, "legs"),
    ],
)
def test_what_the_models_refuse_raises_their_error(change: dict[str, object], where: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        SnapshotReading(edited(change, where)).state(WARSAW)


def test_not_json_raises_the_models_error() -> None:
    with pytest.raises(pydantic.ValidationError):
        SnapshotReading(b"{not json")
