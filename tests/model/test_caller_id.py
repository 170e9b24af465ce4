"""Caller ID on the row (issue 12 item 4): the other party of a call in progress, masked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.model.caller_id import OtherParty, mask_number, other_parties
from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallRing,
    DeviceStatus,
    Direction,
    EmployeeUpsert,
    Registration,
)
from ringmon.model.state import State
from ringmon.present.caller_id import party_line

T0 = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def test_masking_keeps_the_prefix_and_the_last_two_digits() -> None:
    assert mask_number("+48601234500") == "+48 601 *** *00"
    assert mask_number("+48 601 234 500") == "+48 601 *** *00"
    assert mask_number("601234500") == "601 *** *00"
    assert mask_number("200") == "200"  # an extension
    assert mask_number("anonymous") == "anonymous"
    assert mask_number("") == ""


@settings(deadline=None, max_examples=200)
@given(st.from_regex(r"\+?[0-9]{7,15}", fullmatch=True))
def test_a_masked_number_shows_at_most_seven_of_its_digits(number: str) -> None:
    masked = mask_number(number)
    digits = sum(c.isdigit() for c in number)
    shown = sum(c.isdigit() for c in masked)
    assert shown <= (7 if number.startswith("+") else 5)
    assert shown + masked.count("*") == digits
    assert masked.endswith(number[-2:]) and masked.count("*") >= 3


def test_the_other_party_rings_then_talks() -> None:
    state = State()
    for event in (
        EmployeeUpsert(ts=at(0), id="e1", name="Anna"),
        AccountUpsert(ts=at(0), login="101", employee="e1"),
        DeviceStatus(ts=at(0), account="101", device="d", status=Registration.ONLINE),
        CallRing(
            ts=at(10), call="c1", leg="c1/101", account="101", direction=Direction.IN,
            remote="+48601234500", remote_name="Hotel Baltic",
        ),
        CallRing(
            ts=at(12), call="c2", leg="c2/101", account="101", direction=Direction.OUT,
            remote="+48222000111",
        ),
    ):  # fmt: skip
        state.apply(event)
    party = other_parties(state)["e1"]
    assert party == OtherParty(Direction.IN, "+48601234500", "Hotel Baltic", talking=False)
    assert party_line(party, masked=True) == "← +48 601 *** *00 Hotel Baltic"
    assert party_line(party, masked=False) == "← +48601234500 Hotel Baltic"
    state.apply(CallAnswer(ts=at(20), call="c2", leg="c2/101"))
    party = other_parties(state, ["e1"])["e1"]
    assert (party_line(party, masked=True), party.talking) == ("→ +48 222 *** *11", True)
    assert other_parties(state, ["nobody"]) == {}
