"""The ARI/AMI -> feed mapping on frames recorded from a real Asterisk 22.

fixtures/e2e-frames.jsonl: what the hub received in the end-to-end test (tap= option of the
source): three phones of Anna (101 twice, 102), an answered call from 200, a 6 s and a 3 s
unanswered call from 103, an Asterisk restart (two ``snapshot`` lines), DND on 101
(Custom:DND101), presence dnd on 102, 102 unregistering, DND off.
fixtures/e2e-ami-frames.jsonl: the same run, as the second hub of that test saw it through
AMI alone (``ari=off``); every e2e test here runs on both. (e2e-frames.jsonl is trimmed of
the ARI events the mapper takes without a word: ChannelDialplan, ChannelVarset of variables
other than MIXMONITOR_FILENAME.)
fixtures/manual-frames.jsonl: a session by hand: the same kinds of calls, presence dnd on and
off, a call refused by DND (Busy), a call to an account with no phone (Congestion) and a phone
that stopped answering qualify (Unreachable).
Every event the mapper makes is applied to a real ``State``, which rejects any inconsistent
one, so "nothing rejected" is checked on every replay.
"""

from __future__ import annotations

import json
from collections import Counter
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
    EmployeeUpsert,
    Event,
)
from ringmon.model.state import State
from ringmon.model.status import Status
from ringmon.sources.asterisk.mapping import (
    AsteriskMapper,
    ChannelInfo,
    ContactInfo,
    Snapshot,
    account_of,
    device_id,
    parse_callerid,
)

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime.fromtimestamp(0, UTC)


def directory_state() -> State:
    state = State(record=True)
    for event in (
        EmployeeUpsert(ts=T0, id="e1", name="Anna Nowak", department="Sales"),
        AccountUpsert(ts=T0, login="101", number="101", employee="e1"),
        AccountUpsert(ts=T0, login="102", number="102", employee="e1"),
        EmployeeUpsert(ts=T0, id="e2", name="Piotr Zielinski", department="Support"),
        AccountUpsert(ts=T0, login="103", number="103", employee="e2"),
    ):
        state.apply(event)
    return state


def new_mapper(state: State, **options: Any) -> AsteriskMapper:
    return AsteriskMapper(account_known=lambda login: login in state.accounts, **options)


def apply(state: State, events: list[Event]) -> list[Event]:
    for event in events:
        state.apply(event)  # raises EventRejected: the test fails on any rejection
    return events


def replay(path: Path, state: State, mapper: AsteriskMapper) -> list[Event]:
    """Feed a tap file to the mapper as the source does; apply every event to ``state``."""
    out: list[Event] = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        kind, at, frame = record["src"], record["t"], record["frame"]
        if kind == "snapshot":
            events = mapper.resync(Snapshot.from_dict(frame), at)
        elif kind == "user_agent":
            mapper.learn_contacts([ContactInfo(**frame)])
            continue
        elif kind == "ari":
            events = mapper.ari(frame, at)
        else:
            events = mapper.ami(frame, at)
        out += apply(state, events + mapper.tick(at))
    return out


def legs_of(state: State, employee: str) -> list[Any]:
    assert state.history is not None
    return sorted(
        (leg for leg in state.history.calls if leg.employee == employee),
        key=lambda leg: leg.ring_at,
    )


# -- the end-to-end recording ----------------------------------------------------------------


@pytest.fixture(scope="module", params=["ari", "ami-only"])
def e2e(request: pytest.FixtureRequest) -> tuple[State, AsteriskMapper, list[Event]]:
    """The run in ARI+AMI mode, and the same run as the AMI-only hub saw it."""
    state = directory_state()
    ami_only = request.param == "ami-only"
    mapper = new_mapper(state, ami_calls=ami_only)
    name = "e2e-ami-frames.jsonl" if ami_only else "e2e-frames.jsonl"
    events = replay(FIXTURES / name, state, mapper)
    return state, mapper, events


def test_e2e_recording_maps_without_rejection_or_unknown_frames(e2e: Any) -> None:
    state, mapper, events = e2e
    assert mapper.ignored == Counter()
    kinds = Counter(e.type for e in events)
    assert kinds["call.ring"] == kinds["call.end"] == 6  # 3 calls x (caller leg, Anna's leg)
    assert kinds["call.answer"] == 2
    assert not state.legs and not mapper.legs and not mapper.channels


def test_e2e_devices_user_agents_and_final_statuses(e2e: Any) -> None:
    state, _, _ = e2e
    devices = {(d.account, d.user_agent): d.status for d in state.devices_of("e1")}
    assert devices == {
        ("101", "MicroSIP/3.21.3"): Status.ONLINE,
        ("101", "Zoiper rv2.10.20"): Status.ONLINE,
        ("102", "Vendor Desktop 3.1"): Status.OFFLINE,
    }
    assert all(d.dnd_capable for d in state.devices_of("e1"))
    assert state.employees["e1"].status is Status.ONLINE


def test_e2e_calls_ring_talk_and_missed_rule(e2e: Any) -> None:
    state, _, _ = e2e
    answered, missed, short = legs_of(state, "e1")
    assert [leg.outcome() for leg in (answered, missed, short)] == [
        Outcome.ANSWERED,
        Outcome.MISSED,
        Outcome.SHORT,
    ]
    assert [leg.remote for leg in (answered, missed, short)] == ["200", "103", "103"]
    # Caller ID on the row: the caller-id name as the PBX knows it (Asterisk's endpoint).
    names = [leg.remote_name for leg in (answered, missed, short)]
    assert names == ["Front Desk", "Piotr Zielinski", "Piotr Zielinski"]
    assert answered.ring_seconds() == pytest.approx(2.0, abs=0.2)
    assert answered.talk_seconds(answered.end_at or 0) == pytest.approx(3.0, abs=0.2)
    assert missed.ring_seconds() == pytest.approx(6.0, abs=0.2)
    assert short.ring_seconds() == pytest.approx(3.0, abs=0.2)
    assert answered.device is not None and answered.device.startswith("sip:101@")
    assert answered.recording and answered.recording.startswith("asterisk:/")
    assert answered.recording.endswith(".wav")
    assert missed.recording is None  # only answered legs carry the recording
    # Two contacts of 101 rang for each call: still one leg of Anna per call, device unnamed.
    assert all(leg.direction.value == "in" for leg in (answered, missed, short))


def test_e2e_caller_legs_and_endpoint_not_in_directory(e2e: Any) -> None:
    state, mapper, _ = e2e
    front = state.employees["asterisk:200"]
    assert (front.name, front.department, front.numbers) == ("Front Desk", None, ("200",))
    assert state.accounts["200"].employee == "asterisk:200"
    (out,) = legs_of(state, "asterisk:200")
    assert (out.direction.value, out.outcome(), out.remote) == ("out", Outcome.ANSWERED, "101")
    piotr = legs_of(state, "e2")
    assert [leg.outcome() for leg in piotr] == [Outcome.UNANSWERED, Outcome.UNANSWERED]
    assert mapper.created == {"200": ("Front Desk", "200")}


def test_e2e_restart_resync_keeps_phones_online_and_dnd_merges(e2e: Any) -> None:
    state, _, _ = e2e
    assert state.history is not None
    merged = [t.status for t in state.history.employee["e1"]]
    assert (
        merged
        == [
            Status.OFFLINE,
            Status.ONLINE,
            Status.TALKING,
            Status.ONLINE,
            Status.DND,
            Status.ONLINE,
        ][-len(merged) :]
    )
    for (account, _device), log in state.history.device.items():
        if account == "101":
            assert [t.status for t in log].count(Status.OFFLINE) <= 1  # none after it came up


# -- the manual recording ---------------------------------------------------------------------


def test_manual_recording_unreachable_presence_busy_and_congestion() -> None:
    state = directory_state()
    mapper = new_mapper(state)
    events = replay(FIXTURES / "manual-frames.jsonl", state, mapper)
    assert mapper.ignored == Counter()
    statuses = [
        (e.account, e.device.rsplit(":", 1)[-1], e.status.value)
        for e in events
        if isinstance(e, DeviceStatus)
    ]
    # presence dnd then available on 102, then 102 unregisters
    assert ("102", "5073", "dnd") in statuses
    i = statuses.index(("102", "5073", "dnd"))
    assert statuses[i + 1 : i + 3] == [("102", "5073", "online"), ("102", "5073", "offline")]
    # the phone on 5072 stopped answering OPTIONS: Unreachable -> offline
    assert statuses[-1] == ("101", "5072", "offline")
    # A call refused by DND (Busy) and one to 102 with no phone (Congestion): the caller's
    # legs ring and end unanswered; Anna had no leg for them.
    front = legs_of(state, "asterisk:200")
    assert [leg.outcome() for leg in front] == [
        Outcome.ANSWERED,
        Outcome.UNANSWERED,
        Outcome.ANSWERED,
        Outcome.UNANSWERED,
    ]
    assert [leg.outcome() for leg in legs_of(state, "e1")] == [
        Outcome.ANSWERED,
        Outcome.MISSED,
        Outcome.SHORT,
        Outcome.ANSWERED,
    ]


# -- bad input ----------------------------------------------------------------------------------

MALFORMED: list[object] = [
    None,
    42,
    "ChannelCreated",
    [],
    {},
    {"type": 7},
    {"type": "ChannelCreated"},
    {"type": "ChannelCreated", "channel": "PJSIP/101-1"},
    {"type": "ChannelCreated", "channel": {"id": 1, "name": "PJSIP/101-1", "state": "Ring"}},
    {"type": "ChannelStateChange", "channel": {"id": "x", "name": "PJSIP/101-1"}},
    {"type": "ChannelDestroyed", "channel": {}},
    {"type": "Dial", "peer": {"id": "p"}, "dialstatus": "RINGING"},
    {"type": "Dial", "peer": {"id": "p", "name": "PJSIP/101-2", "state": "Down"}},
    {"type": "ContactStatusChange", "endpoint": {"resource": "101"}},
    {
        "type": "ContactStatusChange",
        "contact_info": {"uri": "sip:x", "contact_status": "Reachable"},
    },
    {"type": "DeviceStateChanged", "device_state": {"name": "Custom:DND101"}},
    {"type": "ChannelVarset", "variable": "MIXMONITOR_FILENAME", "channel": {"id": "a"}},
]


def test_malformed_ari_frames_are_counted_never_raised() -> None:
    state = directory_state()
    mapper = new_mapper(state)
    for frame in MALFORMED:
        assert mapper.ari(frame, 100.0) == []
    assert mapper.ignored == Counter({"malformed": len(MALFORMED)})
    assert not mapper.channels and not mapper.legs and not mapper.reported


def test_unknown_and_quiet_ari_events() -> None:
    mapper = new_mapper(directory_state())
    assert mapper.ari({"type": "SomethingNew", "x": 1}, 1.0) == []
    assert mapper.ari({"type": "BridgeCreated", "bridge": {}}, 1.0) == []
    assert mapper.ari({"type": "ChannelVarset", "variable": "FOO", "value": "1"}, 1.0) == []
    assert mapper.ignored == Counter({"unknown": 1})


def test_malformed_ami_frames_are_counted() -> None:
    mapper = new_mapper(directory_state())
    for frame in (None, {}, {"Event": 3}, {"Event": "PresenceStateChange"}):
        assert mapper.ami(frame, 1.0) == []
    assert mapper.ami({"Event": "Newchannel", "Channel": "PJSIP/101-1"}, 1.0) == []
    assert mapper.ignored == Counter({"malformed": 4})


def test_after_bad_frames_good_ones_still_map() -> None:
    state = directory_state()
    mapper = new_mapper(state)
    for frame in MALFORMED:
        mapper.ari(frame, 10.0)
    events = apply(state, mapper.ari(contact("101", "sip:101@h:1", "Reachable"), 11.0))
    assert [type(e) for e in events] == [DeviceStatus]


# -- building blocks, resync and the saved picture ----------------------------------------------


def contact(login: str, uri: str, status: str) -> dict[str, Any]:
    return {
        "type": "ContactStatusChange",
        "endpoint": {"technology": "PJSIP", "resource": login},
        "contact_info": {"uri": uri, "contact_status": status, "aor": login},
    }


def channel(cid: str, name: str, state: str, **extra: Any) -> dict[str, Any]:
    return {"id": cid, "name": name, "state": state, **extra}


def test_helpers() -> None:
    assert account_of("PJSIP/101-0000002a") == "101"
    assert account_of("PJSIP/my-trunk-0000002a") == "my-trunk"
    assert account_of("Local/101@from-internal-00000001;2") is None
    assert account_of("PJSIP/") is None
    assert parse_callerid('"Front Desk" <200>') == ("Front Desk", "200")
    assert parse_callerid("200") == ("", "200")
    assert device_id("sip:101@h") == "sip:101@h"
    long = "sip:" + "x" * 300
    assert device_id(long).startswith("contact:") and len(device_id(long)) < 200


def test_resync_after_an_outage_ends_what_went_and_starts_what_came() -> None:
    state = directory_state()
    mapper = new_mapper(state)
    apply(state, mapper.ari(contact("101", "sip:101@h:1", "Reachable"), 100.0))
    apply(state, mapper.ari(contact("101", "sip:101@h:2", "Reachable"), 100.0))
    # a call in progress on 101 (answered) when the connection drops
    apply(
        state,
        mapper.ari(
            {
                "type": "ChannelCreated",
                "channel": channel("c1", "PJSIP/101-1", "Ring", dialplan={"exten": "555"}),
            },
            101.0,
        ),
    )
    apply(
        state,
        mapper.ari(
            {"type": "ChannelStateChange", "channel": channel("c1", "PJSIP/101-1", "Up")}, 102.0
        ),
    )
    assert state.employees["e1"].status is Status.TALKING
    # back: contact 2 is gone, the call ended, 102 has a phone ringing with a call
    snap = Snapshot(
        endpoints={"101": ("", ""), "102": ("", "")},
        contacts=[
            ContactInfo("101", "sip:101@h:1", "Reachable", "MicroSIP"),
            ContactInfo("102", "sip:102@h:3", "NonQualified", "Zoiper"),
        ],
        channels=[
            ChannelInfo(
                "c9", "PJSIP/102-9", "Ringing", linkedid="c8", dialled=True, connected_number="777"
            ),
            ChannelInfo("c8", "PJSIP/trunk-8", "Ring", linkedid="c8"),
        ],
    )
    events = apply(state, mapper.resync(snap, 200.0))
    kinds = [
        (type(e).__name__, getattr(e, "leg", None) or getattr(e, "device", "")) for e in events
    ]
    assert ("DeviceStatus", "sip:101@h:2") in kinds
    assert ("CallEnd", "c1/101/out") in kinds
    assert ("CallRing", "c8/102/in") in kinds
    assert state.devices[("101", "sip:101@h:2")].status is Status.OFFLINE
    assert state.devices[("101", "sip:101@h:1")].user_agent == "MicroSIP"
    assert state.devices[("102", "sip:102@h:3")].status is Status.ONLINE
    assert state.legs["c8/102/in"].remote == "777"
    # a second resync of the same picture changes nothing
    assert mapper.resync(snap, 201.0) == []


def test_saved_picture_lets_a_restarted_hub_end_and_continue() -> None:
    state = directory_state()
    first = new_mapper(state)
    apply(state, first.ari(contact("101", "sip:101@h:1", "Reachable"), 100.0))
    apply(state, first.ari(contact("102", "sip:102@h:2", "Reachable"), 100.0))
    for frame in (
        {"type": "ChannelCreated", "channel": channel("a", "PJSIP/200-1", "Ring")},
        {"type": "ChannelCreated", "channel": channel("b", "PJSIP/101-2", "Down")},
        {
            "type": "Dial",
            "dialstatus": "",
            "dialstring": "101/sip:101@h:1",
            "caller": channel(
                "a", "PJSIP/200-1", "Ring", dialplan={"app_data": "PJSIP/101/sip:101@h:1,30"}
            ),
            "peer": channel("b", "PJSIP/101-2", "Down"),
        },
        {"type": "ChannelStateChange", "channel": channel("b", "PJSIP/101-2", "Ringing")},
        {"type": "ChannelStateChange", "channel": channel("b", "PJSIP/101-2", "Up")},
    ):
        apply(state, first.ari(frame, 101.0))
    assert state.legs["a/101/in"].device == "sip:101@h:1"  # the only contact dialled
    saved = json.loads(json.dumps(first.picture()))
    # the hub restarts; a new mapper takes the picture back
    second = new_mapper(state)
    second.restore(
        saved,
        device_exists=lambda a, d: (a, d) in state.devices,
        leg_exists=lambda leg: leg in state.legs,
    )
    snap = Snapshot(
        contacts=[ContactInfo("101", "sip:101@h:1", "Reachable", "MicroSIP")],
        channels=[
            ChannelInfo("a", "PJSIP/200-1", "Up"),
            ChannelInfo("b", "PJSIP/101-2", "Up", linkedid="a", dialled=True),
        ],
    )
    events = apply(state, second.resync(snap, 300.0))
    # 102's phone went away meanwhile; the call on 101 goes on as the same leg; 200's leg,
    # which was ringing when the hub went down, was answered meanwhile.
    assert [(type(e).__name__, getattr(e, "leg", None) or e.device) for e in events] == [
        ("DeviceStatus", "sip:101@h:1"),  # its user agent, learnt from the snapshot
        ("DeviceStatus", "sip:102@h:2"),
        ("CallAnswer", "a/200/out"),
    ]
    assert state.devices[("102", "sip:102@h:2")].status is Status.OFFLINE
    assert state.employees["e1"].status is Status.TALKING
    ended = apply(
        state,
        second.ari(
            {"type": "ChannelDestroyed", "channel": channel("b", "PJSIP/101-2", "Up")}, 310.0
        ),
    )
    assert [e.leg for e in ended if isinstance(e, CallEnd)] == ["a/101/in"]


def test_ring_before_dial_waits_for_the_call_and_tick_gives_up() -> None:
    state = directory_state()
    mapper = new_mapper(state)
    apply(state, mapper.ari(contact("101", "sip:101@h:1", "Reachable"), 100.0))
    # An originate straight to the phone: Ringing with no Dial event ever.
    apply(
        state,
        mapper.ari(
            {"type": "ChannelCreated", "channel": channel("o", "PJSIP/101-7", "Down")}, 200.0
        ),
    )
    assert (
        mapper.ari(
            {
                "type": "ChannelStateChange",
                "channel": channel("o", "PJSIP/101-7", "Ringing", connected={"number": "999"}),
            },
            200.1,
        )
        == []
    )
    assert mapper.tick(200.3) == []
    (ring,) = apply(state, mapper.tick(200.7))
    assert isinstance(ring, CallRing)
    assert (ring.leg, ring.ts.timestamp(), ring.remote) == ("o/101/in", 200.1, "999")
    events = apply(
        state,
        mapper.ari(
            {"type": "ChannelStateChange", "channel": channel("o", "PJSIP/101-7", "Up")}, 203.0
        ),
    )
    assert [type(e) for e in events] == [CallAnswer]


def test_dnd_from_custom_device_state_and_presence() -> None:
    state = directory_state()
    mapper = new_mapper(state)
    apply(state, mapper.ari(contact("101", "sip:101@h:1", "Reachable"), 1.0))
    apply(state, mapper.ari(contact("102", "sip:102@h:2", "Reachable"), 1.0))
    dnd = {"type": "DeviceStateChanged", "device_state": {"name": "Custom:DND101", "state": "BUSY"}}
    apply(state, mapper.ari(dnd, 2.0))
    assert state.devices[("101", "sip:101@h:1")].status is Status.DND
    assert state.employees["e1"].status is Status.ONLINE  # 102 is online (R16)
    # the same state from AMI changes nothing
    assert (
        mapper.ami({"Event": "DeviceStateChange", "Device": "Custom:DND101", "State": "BUSY"}, 3.0)
        == []
    )
    apply(
        state,
        mapper.ami(
            {"Event": "PresenceStateChange", "Presentity": "CustomPresence:102", "Status": "dnd"},
            4.0,
        ),
    )
    assert state.employees["e1"].status is Status.DND
    # an unreachable phone is offline, DND or not
    apply(state, mapper.ari(contact("102", "sip:102@h:2", "Unreachable"), 5.0))
    assert state.devices[("102", "sip:102@h:2")].status is Status.OFFLINE


def test_dnd_off_and_hidden_unknown_endpoints() -> None:
    state = directory_state()
    mapper = new_mapper(state, dnd=False, unknown_endpoints=False)
    events = apply(state, mapper.ari(contact("101", "sip:101@h:1", "Reachable"), 1.0))
    assert isinstance(events[0], DeviceStatus) and not events[0].dnd_capable
    dnd = {"type": "DeviceStateChanged", "device_state": {"name": "Custom:DND101", "state": "BUSY"}}
    assert mapper.ari(dnd, 2.0) == []
    assert mapper.ari(contact("200", "sip:200@h:9", "Reachable"), 3.0) == []
    assert (
        mapper.ari({"type": "ChannelCreated", "channel": channel("x", "PJSIP/200-1", "Ring")}, 4.0)
        == []
    )
    assert "200" not in state.accounts


def test_unknown_endpoint_gets_a_named_employee_once() -> None:
    state = directory_state()
    mapper = new_mapper(state)
    snap = Snapshot(endpoints={"300": ("Reception", "300")})
    events = apply(state, mapper.resync(snap, 1.0))
    assert [type(e) for e in events] == [EmployeeUpsert, AccountUpsert]
    assert state.employees["asterisk:300"].name == "Reception"
    assert mapper.resync(snap, 2.0) == []
