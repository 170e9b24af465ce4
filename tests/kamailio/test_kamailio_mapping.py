"""The Kamailio mapping on facts recorded from a real Kamailio 5.6 (data/): pure, no I/O."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ringmon.model.calls import Outcome
from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    Direction,
    EmployeeUpsert,
    Event,
)
from ringmon.model.state import State
from ringmon.model.status import Status
from ringmon.sources.kamailio.frames import FrameDecoder
from ringmon.sources.kamailio.mapping import (
    Contact,
    Dialog,
    KamailioMapper,
    cap_id,
    leg_id,
)
from ringmon.sources.kamailio.rpc import parse_dlg_list, parse_ul_dump

DATA = Path(__file__).resolve().parent / "data"
BARESIP = "urn:uuid:54b194de-f6da-33af-a9fa-2da943a0ea19"
SIPP = "sip:sip101@127.0.0.1:44824"
T0 = 1795646900.0


def facts() -> list[dict[str, Any]]:
    lines = (DATA / "session.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def directory_state() -> State:
    state = State(record=True)
    at = datetime.fromtimestamp(T0, UTC)
    state.apply(EmployeeUpsert(ts=at, id="e1", name="Anna Nowak", department="Sales"))
    state.apply(AccountUpsert(ts=at, login="sip101", number="101", employee="e1"))
    return state


def run(mapper: KamailioMapper, state: State, items: list[dict[str, Any]]) -> list[Event]:
    out: list[Event] = []
    for fact in items:
        for event in mapper.feed(fact, arrival=float(fact.get("ts", T0))):
            state.apply(event)  # raises EventRejected: the test fails on any rejection
            out.append(event)
    return out


def test_recorded_session_applies_without_a_rejection() -> None:
    state = directory_state()
    mapper = KamailioMapper(known_account=lambda login: login in state.accounts)
    events = run(mapper, state, facts())
    statuses = [
        (e.device, e.status.value, e.user_agent) for e in events if isinstance(e, DeviceStatus)
    ]
    assert statuses == [
        (BARESIP, "online", "baresip v1.0.0 (x86_64/linux)"),
        (SIPP, "online", "SIPp-Phone/3.6"),
        (SIPP, "offline", "SIPp-Phone/3.6"),  # usrloc:contact-expired
        (BARESIP, "offline", "baresip v1.0.0 (x86_64/linux)"),  # de-registered (Expires: 0)
    ]
    assert all(not e.dnd_capable for e in events if isinstance(e, DeviceStatus))  # R15
    assert not any(isinstance(e, AccountUpsert) for e in events)
    assert state.history is not None
    legs = state.history.calls
    assert [leg.outcome() for leg in legs] == [Outcome.ANSWERED, Outcome.MISSED, Outcome.SHORT]
    answered, missed, short = legs
    assert answered.device == SIPP  # the contact whose 200 OK won
    assert answered.direction is Direction.IN and answered.remote == "+48600100200"
    assert answered.leg == "1-22362@127.0.0.1/in/sip101"
    assert answered.ring_seconds() == pytest.approx(1.51, abs=0.05)
    assert answered.talk_seconds() == pytest.approx(2.0, abs=0.05)
    assert missed.ring_seconds() == pytest.approx(6.0, abs=0.1)
    assert short.ring_seconds() == pytest.approx(3.0, abs=0.1)
    assert state.employees["e1"].status is Status.OFFLINE
    assert not state.legs


def test_duplicate_and_late_facts_are_harmless() -> None:
    """A 200 OK retransmitted, a dialog start after the answer, an end twice: one event each."""
    state = directory_state()
    mapper = KamailioMapper()
    items = facts()
    doubled = [fact for fact in items for _ in range(2)]
    events = run(mapper, state, doubled)
    assert sum(isinstance(e, CallRing) for e in events) == 3
    assert sum(isinstance(e, CallAnswer) for e in events) == 1
    assert sum(isinstance(e, CallEnd) for e in events) == 3


def test_unknown_account_is_added_or_skipped() -> None:
    state = State()
    added = KamailioMapper(known_account=lambda login: login in state.accounts)
    events = run(added, state, facts()[:2])
    assert isinstance(events[0], AccountUpsert) and events[0].employee is None
    assert state.accounts["sip101"].employee is None
    skipping = KamailioMapper(known_account=lambda login: False, add_unknown=False)
    assert run(skipping, State(), facts()) == []
    assert skipping.counters.skipped_accounts > 0


def test_outgoing_call_from_an_account_names_its_device() -> None:
    state = directory_state()
    mapper = KamailioMapper(known_account=lambda login: login in state.accounts)
    run(mapper, state, facts()[:2])
    invite = {
        "event": "invite",
        "ts": 1795646930.0,
        "callid": "out-1",
        "from": "sip101",
        "to": "+48221112233",
        "located": 0,
        "contact": SIPP,
        "src": "127.0.0.1:44824",
    }
    answer = {"event": "reply", "ts": 1795646932.0, "callid": "out-1", "code": 200}
    end = {"event": "dlg_end", "ts": 1795646940.0, "callid": "out-1"}
    events = run(mapper, state, [invite, answer, end])
    ring = events[0]
    assert isinstance(ring, CallRing)
    assert (ring.direction, ring.device, ring.remote) == (Direction.OUT, SIPP, "+48221112233")
    assert ring.leg == leg_id("out-1", Direction.OUT, "sip101")
    assert [type(e).__name__ for e in events] == ["CallRing", "CallAnswer", "CallEnd"]


def test_resync_from_rpc_dumps_rebuilds_devices_and_calls() -> None:
    contacts = parse_ul_dump(json.loads((DATA / "ul_dump.json").read_text()))
    assert {c.device for c in contacts} == {BARESIP, SIPP}
    assert {c.user_agent for c in contacts} == {"baresip v1.0.0 (x86_64/linux)", "SIPp-Phone/3.6"}
    dialogs = parse_dlg_list(json.loads((DATA / "dlg_list.json").read_text()))
    assert len(dialogs) == 1 and dialogs[0].confirmed
    dialog = dialogs[0]
    assert (dialog.caller, dialog.callee, dialog.located) == ("+48600100200", "sip101", True)
    # The recorded dialog was answered by a contact of another run: rename its ruid.
    sipp = next(c for c in contacts if c.device == SIPP)
    dialog = Dialog(**{**_fields(dialog), "ruid": sipp.ruid})
    state = directory_state()
    mapper = KamailioMapper(known_account=lambda login: login in state.accounts)
    now = 1795646950.0
    events = mapper.resync(contacts, [dialog], started=now, now=now)
    for event in events:
        state.apply(event)
    assert {(d.device, d.status) for d in state.devices.values()} == {
        (BARESIP, Status.ONLINE),
        (SIPP, Status.TALKING),
    }
    (leg,) = state.legs.values()
    assert leg.answered and leg.device == SIPP
    # A second resync with nothing registered and no call ends all of it.
    later = now + 10
    events = mapper.resync([], [], started=later, now=later)
    for event in events:
        state.apply(event)
    assert not state.legs
    assert {d.status for d in state.devices.values()} == {Status.OFFLINE}
    # And the stream's facts from before that resync are dropped: it already reflected them.
    assert mapper.feed(facts()[0], arrival=later) == []
    assert mapper.counters.before_resync == 1


def test_adopted_hub_state_is_corrected_by_the_first_resync() -> None:
    """A hub restarted while a phone de-registered and a call ended: the resync fixes both."""
    state = directory_state()
    first = KamailioMapper()
    run(first, state, facts()[:4])  # both registered, the first call ringing
    assert state.legs
    second = KamailioMapper()
    second.adopt(
        (
            (d.account, d.device, d.user_agent, d.registration.value != "offline")
            for d in state.devices.values()
        ),
        ((g.call, g.leg, g.account, g.direction.value, g.answered) for g in state.legs.values()),
    )
    baresip_only = [c for c in first.contacts["sip101"].values() if c.device == BARESIP]
    now = 1795646935.0
    for event in second.resync(baresip_only, [], started=now, now=now):
        state.apply(event)
    assert not state.legs
    devices = {d.device: d.status for d in state.devices.values()}
    assert devices == {BARESIP: Status.ONLINE, SIPP: Status.OFFLINE}


def test_an_expiry_of_a_contact_never_seen_takes_only_its_device_offline() -> None:
    mapper = KamailioMapper()
    mapper.adopt([("sip101", SIPP, "SIPp", True), ("sip101", BARESIP, "baresip", True)], [])
    expired = next(f for f in facts() if f["event"] == "expired")
    events = mapper.feed(expired, arrival=expired["ts"])
    assert [(e.device, e.status.value) for e in events if isinstance(e, DeviceStatus)] == [
        (SIPP, "offline")
    ]


def test_long_sip_identifiers_are_digested() -> None:
    long_id = "x" * 300
    assert len(cap_id(long_id)) <= 200 and cap_id(long_id) == cap_id(long_id)
    contact = Contact(aor="a", ruid="r", addr="sip:" + long_id)
    assert contact.device.startswith("h:")
    assert Contact(aor="a", ruid="r", addr="sip:1@h", instance="<urn:uuid:1>").device == (
        "urn:uuid:1"
    )


def test_frames_netstring_and_json_lines_in_any_chunks() -> None:
    raw = (DATA / "frames_head.bin").read_bytes()
    whole = FrameDecoder().feed(raw)
    assert whole and all(json.loads(f)["event"] for f in whole)
    decoder = FrameDecoder()
    pieces: list[bytes] = []
    for i in range(0, len(raw), 7):
        pieces += decoder.feed(raw[i : i + 7])
    assert pieces == whole
    mixed = FrameDecoder()
    got = mixed.feed(b'{"event":"a"}\n13:{"event":"b"},garbage\n{"event":"c"}\n')
    assert [json.loads(f)["event"] for f in got] == ["a", "b", "c"]
    assert mixed.bad == 1


def _fields(dialog: Dialog) -> dict[str, Any]:
    return {name: getattr(dialog, name) for name in Dialog.__dataclass_fields__}
