"""``snapshot_json`` (the hub's fast snapshot) writes exactly what the ``SnapshotDoc`` models
would: the same bytes, so the client's ``SnapshotDoc`` reads it as before."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from model_events import NOON, busy_state

from ringmon.bench.synthetic import synthetic_day
from ringmon.model.schema import parse_event_obj
from ringmon.model.snapshot_writer import SnapshotWriter, snapshot_json
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


def test_the_writer_writes_what_changed_and_the_same_bytes() -> None:
    """``SnapshotWriter`` (the hub's: each entity's JSON kept until it changes) writes the
    bytes ``snapshot_json`` writes afresh, all through a day, whatever changed in between:
    statuses, calls ringing and ending, an employee and an account removed, a device added."""
    tz = ZoneInfo("Europe/Warsaw")
    day = date(2026, 3, 24)
    state = State(tz)
    writer = SnapshotWriter()
    compared = 0
    for n, raw in enumerate(synthetic_day(30, 5, day, tz), 1):
        state.apply(parse_event_obj(raw))
        if n % 97 == 0:
            now = state.clock + 0.5
            assert writer.write(state, now, 1.0, "Europe/Warsaw") == snapshot_json(
                state, now, 1.0, "Europe/Warsaw"
            )
            compared += 1
    assert compared > 20
    emp = next(iter(state.employees))
    login = next(iter(state.accounts))
    at = datetime.fromtimestamp(state.clock, tz)
    for raw in (
        {"type": "employee.remove", "ts": at.isoformat(), "id": emp},
        {"type": "account.remove", "ts": at.isoformat(), "login": login},
        # A text holding what separates two entities' JSON in a list.
        {"type": "employee.upsert", "ts": at.isoformat(), "id": "x", "name": 'a"},{"b'},
        {"type": "account.upsert", "ts": at.isoformat(), "login": "new", "employee": None},
        {
            "type": "device.status",
            "ts": at.isoformat(),
            "account": "new",
            "device": "d1",
            "status": "online",
        },
    ):
        state.apply(parse_event_obj(raw))
        now = state.clock
        body = writer.write(state, now, 2.0, "UTC")
        assert body == snapshot_json(state, now, 2.0, "UTC")
        assert body.decode() == snapshot_doc(state, now, 2.0, "UTC").model_dump_json()
