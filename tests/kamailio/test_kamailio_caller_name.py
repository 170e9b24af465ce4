"""The caller's name on Kamailio calls (issue 12): the display name of P-Asserted-Identity,
else of From, on the incoming leg's ``remote_name``; masked like numbers where numbers are.

The facts were recorded from a real Kamailio 5.6 running contrib/kamailio's configuration
(data/names_session.jsonl: three answered calls to sip101, the first with
``P-Asserted-Identity: "Kowalski Transport" <sip:…>, <tel:…>`` beside ``From: "Caller 7"``, the
second with ``From: "Anna \\"Ania\\" Nowak"``, the third with the number as its display name;
data/names_dlg_list.json: ``dlg.list`` during the first call).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_kamailio_mapping import directory_state, run

from ringmon.model.caller_id import OtherParty
from ringmon.model.schema import CallRing, Direction
from ringmon.present.caller_id import party_line, party_text
from ringmon.sources.caller_name import MAX_NAME, shown_name, sip_display_name
from ringmon.sources.kamailio.mapping import KamailioMapper
from ringmon.sources.kamailio.rpc import parse_dlg_list

DATA = Path(__file__).resolve().parent / "data"
T0 = 1796194560.0


def recorded(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_recorded_calls_carry_the_callers_display_name() -> None:
    state = directory_state()
    mapper = KamailioMapper(known_account=lambda login: login in state.accounts)
    events = run(mapper, state, recorded("names_session.jsonl"))
    rings = [e for e in events if isinstance(e, CallRing)]
    assert [(r.direction, r.remote, r.remote_name) for r in rings] == [
        # P-Asserted-Identity's name wins over From's ("Caller 7").
        (Direction.IN, "+48600100200", "Kowalski Transport"),
        # From's quoted display name, its escaped quotes undone.
        (Direction.IN, "+48600100201", 'Anna "Ania" Nowak'),
        # The number again as the display name says nothing more: no name.
        (Direction.IN, "+48600100202", None),
    ]
    assert state.history is not None
    assert [leg.remote_name for leg in state.history.calls] == [
        "Kowalski Transport",
        'Anna "Ania" Nowak',
        "",
    ]


def test_facts_without_names_still_map_as_before() -> None:
    """A Kamailio running the configuration of before (no ``from_name``/``pai``)."""
    state = directory_state()
    mapper = KamailioMapper()
    old = [
        {k: v for k, v in fact.items() if k not in ("from_name", "to_name", "pai")}
        for fact in recorded("names_session.jsonl")
    ]
    rings = [e for e in run(mapper, state, old) if isinstance(e, CallRing)]
    assert len(rings) == 3 and all(r.remote_name is None for r in rings)


def test_resync_rebuilds_the_call_with_the_callers_name() -> None:
    """The hub restarted mid-call: the call rebuilt from ``dlg.list`` keeps the name."""
    (dialog,) = parse_dlg_list(json.loads((DATA / "names_dlg_list.json").read_text()))
    assert dialog.caller_name == "Kowalski Transport" and dialog.callee_name == ""
    facts = recorded("names_session.jsonl")
    contacts_fact = next(f for f in facts if f["event"] == "contacts")
    state = directory_state()
    mapper = KamailioMapper(known_account=lambda login: login in state.accounts)
    run(mapper, state, [contacts_fact])
    contacts = list(mapper.contacts["sip101"].values())
    now = float(dialog.ring_ts or T0) + 3
    for event in mapper.resync(contacts, [dialog], started=now, now=now):
        state.apply(event)
    (leg,) = state.legs.values()
    assert (leg.remote, leg.remote_name) == ("+48600100200", "Kowalski Transport")
    assert leg.answered


def test_outgoing_leg_takes_the_to_display_name() -> None:
    mapper = KamailioMapper()
    invite = {
        "event": "invite",
        "ts": T0,
        "callid": "out-1",
        "from": "sip101",
        "to": "+48221112233",
        "from_name": '"Anna Nowak"',
        "to_name": '"Hurtownia Zielona"',
        "located": 0,
    }
    mapper.contacts["sip101"] = {}
    mapper.added_accounts.add("sip101")
    (ring,) = [e for e in mapper.feed(invite, arrival=T0) if isinstance(e, CallRing)]
    assert (ring.direction, ring.remote_name) == (Direction.OUT, "Hurtownia Zielona")


def test_an_outsized_or_odd_display_name_never_breaks_an_event() -> None:
    mapper = KamailioMapper()
    invite = {
        "event": "invite",
        "ts": T0,
        "callid": "c-1",
        "from": "+48600100200",
        "to": "sip101",
        "from_name": '"' + "A" * 5000 + '"',
        "pai": '<sip:+48600100200@x>, "[b]Boss[/b]" <tel:+48600100200>',
        "located": 1,
    }
    (ring,) = mapper.feed(invite, arrival=T0)
    assert isinstance(ring, CallRing)
    # PAI's second address has the name; markup-like text is kept as text (the screens escape it).
    assert ring.remote_name == "[b]Boss[/b]"
    invite = {**invite, "callid": "c-2", "pai": "<null>"}
    (ring,) = mapper.feed(invite, arrival=T0)
    assert isinstance(ring, CallRing) and ring.remote_name == "A" * MAX_NAME


def test_sip_display_names() -> None:
    assert sip_display_name('"Anna \\"Ania\\" Nowak" <sip:1@h>;tag=x') == 'Anna "Ania" Nowak'
    assert sip_display_name("Anna   Nowak <sip:1@h>") == "Anna Nowak"
    assert sip_display_name('"Caller 7"') == "Caller 7"
    assert sip_display_name("Caller") == "Caller"
    assert sip_display_name("<sip:1@h>") == ""
    assert sip_display_name("sip:1@h") == ""
    assert sip_display_name("<sip:1@h>, Bob <tel:+1>") == "Bob"
    assert sip_display_name('"unterminated') == "unterminated"
    assert sip_display_name("") == ""


def test_shown_name_drops_what_says_nothing_more_than_the_number() -> None:
    assert shown_name("Kowalski Transport", "+48600100200") == "Kowalski Transport"
    assert shown_name("+48600100200", "+48600100200") == ""
    assert shown_name("600 100 200", "+48600100200") == ""
    assert shown_name("<unknown>", "+48600100200") == ""
    assert shown_name("Unknown", "") == ""
    assert shown_name("  ", "1") == ""
    assert shown_name("+48 601 234 500", "+48600100200") == "+48 601 234 500"


def test_a_name_that_is_a_number_is_masked_like_numbers() -> None:
    party = OtherParty(Direction.IN, "+48600100200", "+48 601 234 500")
    assert party_line(party, masked=True) == "← +48 600 *** *00 +48 601 *** *00"
    assert party_line(party, masked=False) == "← +48600100200 +48 601 234 500"
    assert party_text("+48600100200", "Kowalski Transport", masked=True) == (
        "+48 600 *** *00 Kowalski Transport"
    )
    assert party_text("", "", masked=True) == ""


@settings(deadline=None, max_examples=200)
@given(st.text(max_size=300))
def test_any_header_gives_a_short_single_line_name(value: str) -> None:
    name = shown_name(sip_display_name(value), "+48600100200")
    assert len(name) <= MAX_NAME
    assert name == " ".join(name.split())
