"""The hub's intake (``parse_input``), shared by the push API and the ``file:`` source: any
line or value is an event or a ``BadInput`` with a sentence, never another exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.hub.intake.validate import BadInput, RejectKind, parse_input

CASES = {
    "[" * 10_000 + "]" * 10_000: "nested too deeply",
    '{"type": "employee.upsert", "ts": "0001-01-01T00:00:00+01:00", "id": "e", "name": "n"}': (
        "outside the years 1 to 9999"
    ),
    '{"type": "employee.upsert", "ts": "9999-12-31T23:00:00-05:00", "id": "e", "name": "n"}': (
        "outside the years 1 to 9999"
    ),
    '{"type": "employee.upsert", "ts": 1' + "0" * 5000 + ', "id": "e", "name": "n"}': "not JSON",
    '{"type": ["call.ring"], "ts": "2026-03-24T08:00:00Z"}': "must be a string",
    "NaN": "JSON object",
    "\udcff": "not JSON",
}


@pytest.mark.parametrize("line", list(CASES), ids=range(len(CASES)))
def test_bad_lines_are_bad_input_with_a_sentence(line: str) -> None:
    with pytest.raises(BadInput) as info:
        parse_input(line)
    assert info.value.kind == RejectKind.MALFORMED
    assert CASES[line] in info.value.reason


def test_a_value_nested_deep_inside_an_event_is_bad_input() -> None:
    value: object = "x"
    for _ in range(900):
        value = [value]
    event = {"type": "employee.upsert", "ts": "2026-03-24T08:00:00Z", "id": "e", "name": value}
    with pytest.raises(BadInput):
        parse_input(event)
    with pytest.raises(BadInput):
        parse_input(json.dumps(event))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_line_is_an_event_or_bad_input(line: str | bytes) -> None:
    try:
        parse_input(line)
    except BadInput as exc:
        assert exc.reason.strip()
