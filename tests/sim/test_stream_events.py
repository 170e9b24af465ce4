"""The simulator builds its events without validation (``stream.to_event``, for speed): each
is exactly the event the schema makes of its JSON, field for field."""

from __future__ import annotations

from datetime import UTC, datetime

from ringmon.model.schema import dump_event, parse_event
from ringmon.sources.sim.roster import build_roster
from ringmon.sources.sim.stream import timed_events


def test_every_simulated_event_is_what_the_schema_reads_from_its_json() -> None:
    start = datetime(2026, 3, 23, tzinfo=UTC).timestamp()  # a Monday, two days of it
    seen: set[str] = set()
    for _, event in timed_events(build_roster(30, 7), 7, UTC, start=start, end=start + 2 * 86_400):
        again = parse_event(dump_event(event))
        assert again.__dict__ == event.__dict__, event
        assert list(again.__dict__) == list(event.__dict__)  # the schema's field order
        assert type(again) is type(event)
        seen.add(event.type)
    assert seen >= {"device.status", "call.ring", "call.answer", "call.end"}
