"""``snapshot_json`` (the hub's fast snapshot) writes exactly what the ``SnapshotDoc`` models
would: the same bytes, so the client's ``SnapshotDoc`` reads it as before."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from model_events import NOON, busy_state

from ringmon.bench.synthetic import synthetic_day
from ringmon.model.schema import parse_event_obj
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.model.state import State
from ringmon.model.wire import SnapshotDoc, snapshot_doc


def test_busy_state_same_bytes() -> None:
    state = busy_state()
    for now in (NOON.timestamp(), NOON.timestamp() + 0.25, NOON.timestamp() + 86_400 * 3):
        expected = snapshot_doc(state, now, 2.5, "Europe/Warsaw").model_dump_json()
        assert snapshot_json(state, now, 2.5, "Europe/Warsaw").decode() == expected


def test_a_center_at_midday_same_bytes() -> None:
    tz = ZoneInfo("Europe/Warsaw")
    day = date(2026, 3, 24)
    noon = datetime.combine(day, time(12, 0, 0, 250_000), tzinfo=tz).timestamp()
    state = State(tz)
    for raw in synthetic_day(40, 3, day, tz):
        event = parse_event_obj(raw)
        if event.ts.timestamp() > noon:
            break
        state.apply(event)
    assert state.legs and state.tally.open_calls  # calls in progress, and just ended
    body = snapshot_json(state, noon, 1.0, "Europe/Warsaw")
    assert body.decode() == snapshot_doc(state, noon, 1.0, "Europe/Warsaw").model_dump_json()
    assert SnapshotDoc.model_validate_json(body).seq == state.seq
