"""``ts`` of every event: ISO 8601 with an offset, normalised to UTC, written with ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from ringmon.model.schema import CallAnswer, dump_event, parse_event

ANSWER = '{"type": "call.answer", "ts": %s, "call": "c1", "leg": "c1/1"}'


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ('"2026-03-24T14:05:00Z"', datetime(2026, 3, 24, 14, 5, tzinfo=UTC)),
        ('"2026-03-24T15:05:00+01:00"', datetime(2026, 3, 24, 14, 5, tzinfo=UTC)),
        ('"2026-03-24T14:05:00.250+00:00"', datetime(2026, 3, 24, 14, 5, 0, 250000, tzinfo=UTC)),
    ],
)
def test_times_are_normalised_to_utc(text: str, utc: datetime) -> None:
    event = parse_event(ANSWER % text)
    assert event.ts == utc
    assert event.ts.tzinfo is UTC
    assert dump_event(event).startswith('{"ts":"' + utc.isoformat().replace("+00:00", "Z"))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('"2026-03-24T14:05:00"', "needs its offset"),
        ('"2026-03-24"', "needs its offset"),
        ('"yesterday"', "is not an ISO 8601 time"),
        ("1774361100", "must be an ISO 8601 string"),
        ("null", "must be an ISO 8601 string"),
    ],
)
def test_a_time_without_offset_or_not_iso_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        parse_event(ANSWER % text)


def test_aware_datetimes_from_python_are_normalised_too() -> None:
    warsaw_noon = datetime(2026, 3, 24, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    event = CallAnswer(ts=warsaw_noon, call="c1", leg="c1/1")
    assert event.ts == warsaw_noon
    assert event.ts.tzinfo is UTC
    assert '"ts":"2026-03-24T11:00:00Z"' in dump_event(event)


def test_a_copy_with_another_zone_is_still_written_in_utc() -> None:
    event = CallAnswer(ts=datetime(2026, 3, 24, 11, tzinfo=UTC), call="c1", leg="c1/1")
    moved = event.model_copy(update={"ts": datetime(2026, 3, 24, 13, tzinfo=UTC)})
    assert '"ts":"2026-03-24T13:00:00Z"' in dump_event(moved)
    other = event.model_copy(
        update={"ts": datetime(2026, 3, 24, 14, tzinfo=timezone(timedelta(hours=1)))}
    )
    assert '"ts":"2026-03-24T13:00:00Z"' in dump_event(other)
