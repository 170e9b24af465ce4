"""AMI-only mode (``ari=off``): AMI's channel events mapped as ARI's.

fixtures/e2e-frames.jsonl and fixtures/e2e-ami-frames.jsonl are one run of the end-to-end
test seen by two hubs at once, one in each mode (test_asterisk_mapping.py runs its e2e tests
on both); here the two are compared with each other.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from test_asterisk_mapping import FIXTURES, directory_state, legs_of, new_mapper, replay

from ringmon.model.schema import CallRing
from ringmon.sources.asterisk.config import AsteriskConfigError, parse_spec
from ringmon.sources.asterisk.mapping import AsteriskMapper, Snapshot

ARI_TAP = FIXTURES / "e2e-frames.jsonl"
AMI_TAP = FIXTURES / "e2e-ami-frames.jsonl"


def _run(mode: str) -> tuple[Any, list[Any]]:
    state = directory_state()
    events = replay(
        ARI_TAP if mode == "ari" else AMI_TAP, state, new_mapper(state, ami_calls=mode == "ami")
    )
    return state, events


def test_both_modes_give_the_same_call_log_and_timelines_within_a_second() -> None:
    (ari, ari_events), (ami, ami_events) = _run("ari"), _run("ami")
    for emp in ("e1", "e2", "asterisk:200"):
        a_legs, b_legs = legs_of(ari, emp), legs_of(ami, emp)
        key = [(x.direction, x.outcome(), x.remote, x.device) for x in a_legs]
        assert key == [(x.direction, x.outcome(), x.remote, x.device) for x in b_legs], emp
        for a, b in zip(a_legs, b_legs, strict=True):
            assert b.ring_at == pytest.approx(a.ring_at, abs=1.0)
            assert (b.answer_at or 0) == pytest.approx(a.answer_at or 0, abs=1.0)
            assert (b.end_at or 0) == pytest.approx(a.end_at or 0, abs=1.0)
            assert bool(a.recording) == bool(b.recording)
    assert ari.history is not None and ami.history is not None
    for emp in ("e1", "e2"):
        a_log, b_log = ari.history.employee[emp], ami.history.employee[emp]
        assert [t.status for t in a_log] == [t.status for t in b_log], emp
        for a, b in zip(a_log[1:], b_log[1:], strict=True):  # [0]: each hub's first resync
            assert b.at == pytest.approx(a.at, abs=1.0)
    kinds = Counter(e.type for e in ari_events)
    assert kinds == Counter(e.type for e in ami_events)


@pytest.mark.parametrize("mode", ["ari", "ami"])
def test_a_call_ringing_two_contacts_names_no_device_on_ring(mode: str) -> None:
    _, events = _run(mode)
    anna = [e for e in events if isinstance(e, CallRing) and e.account == "101"]
    assert len(anna) == 3 and all(e.device is None for e in anna)


def _chan(prefix: str, name: str, uid: str, state: str, **extra: str) -> dict[str, str]:
    fields = {
        "Channel": name,
        "ChannelStateDesc": state,
        "CallerIDNum": name.split("/")[1].split("-")[0],
        "CallerIDName": "<unknown>",
        "ConnectedLineNum": "<unknown>",
        "Exten": "101",
        "Uniqueid": uid,
        "Linkedid": "c.0",
        **extra,
    }
    return {prefix + k: v for k, v in fields.items()}


def _call(mapper: AsteriskMapper, *, newexten: bool) -> list[Any]:
    """200 calls 101, whose two contacts ring; Asterisk reports the first ringing before the
    DialBegin of the second (as Asterisk 22 did in the lab after a restart)."""
    targets = "PJSIP/101/sip:101@10.0.0.1:5060&PJSIP/101/sip:101@10.0.0.2:5060"
    caller = _chan("", "PJSIP/200-00000000", "c.0", "Ring")
    frames: list[dict[str, str]] = [
        {
            "Event": "ContactStatus",
            "URI": f"sip:101@{host}:5060",
            "ContactStatus": "Reachable",
            "AOR": "101",
            "EndpointName": "101",
            "UserAgent": f"Phone {host}",
        }
        for host in ("10.0.0.1", "10.0.0.2")
    ]
    frames.append({"Event": "Newchannel", **caller})
    if newexten:
        frames.append(
            {"Event": "Newexten", **caller, "Application": "Dial", "AppData": targets + ",30"}
        )
    for n in (1, 2):
        peer = _chan("Dest", f"PJSIP/101-0000000{n}", f"c.{n}", "Down")
        frames.append({"Event": "Newchannel", **{k[4:]: v for k, v in peer.items()}})
    for n, host in ((1, "10.0.0.1"), (2, "10.0.0.2")):
        peer = _chan("Dest", f"PJSIP/101-0000000{n}", f"c.{n}", "Down")
        frames.append(
            {"Event": "DialBegin", **caller, **peer, "DialString": f"101/sip:101@{host}:5060"}
        )
        ringing = _chan("", f"PJSIP/101-0000000{n}", f"c.{n}", "Ringing")
        frames.append({"Event": "Newstate", **ringing, "ConnectedLineNum": "200"})
    out: list[Any] = []
    for at, frame in enumerate(frames):
        out += mapper.ami(frame, 100.0 + at / 10)
    return out


def test_ami_dial_targets_come_from_newexten() -> None:
    state = directory_state()
    mapper = new_mapper(state, ami_calls=True)
    events = _call(mapper, newexten=True)
    assert mapper.ignored == Counter()
    assert {(e.device, e.user_agent) for e in events if e.type == "device.status"} == {
        ("sip:101@10.0.0.1:5060", "Phone 10.0.0.1"),  # the user agent ContactStatus said
        ("sip:101@10.0.0.2:5060", "Phone 10.0.0.2"),
    }
    rings = [e for e in events if isinstance(e, CallRing) and e.account == "101"]
    assert [(r.direction.value, r.remote, r.device) for r in rings] == [
        ("in", "200", None),  # one leg of 101 for both contacts, no device named
    ]
    assert rings[0].call == "c.0" and rings[0].leg == "c.0/101/in"


def test_dial_targets_of_channels_gone_while_away_are_forgotten_on_resync() -> None:
    state = directory_state()
    mapper = new_mapper(state, ami_calls=True)
    _call(mapper, newexten=True)  # no Hangup: the connection broke
    assert len(mapper._dial_targets) == 1
    mapper.resync(Snapshot(), 200.0)
    assert len(mapper._dial_targets) == 0 and not mapper.channels and not mapper.legs


def test_without_newexten_the_first_ring_names_its_device() -> None:
    """The documented limit of a manager user without the ``dialplan`` read class."""
    state = directory_state()
    mapper = new_mapper(state, ami_calls=True)
    rings = [
        e for e in _call(mapper, newexten=False) if isinstance(e, CallRing) and e.account == "101"
    ]
    assert [r.device for r in rings] == ["sip:101@10.0.0.1:5060"]


def test_ami_channel_headers_unknown_is_empty_and_missing_is_malformed() -> None:
    state = directory_state()
    mapper = new_mapper(state, ami_calls=True)
    assert mapper.ami({"Event": "Newstate", "Channel": "PJSIP/101-1"}, 1.0) == []
    assert mapper.ami({"Event": "Hangup"}, 1.0) == []
    assert mapper.ami({"Event": "ContactStatus", "URI": "sip:x"}, 1.0) == []
    assert mapper.ignored == Counter({"malformed": 3})
    # Events the calls do not need are taken quietly.
    assert mapper.ami({"Event": "VarSet", "Variable": "DIALSTATUS", "Value": ""}, 1.0) == []
    assert mapper.ami({"Event": "BridgeEnter", "Uniqueid": "x"}, 1.0) == []
    assert mapper.ignored == Counter({"malformed": 3})
    # Without ami_calls (ARI on), AMI channel events are not mapped at all.
    plain = new_mapper(directory_state())
    assert _call(plain, newexten=True) == []


def test_ari_off_spec() -> None:
    cfg = parse_spec("asterisk:ari=off,ami=pbx.example:5039", {"RINGMON_AMI_SECRET": "s"})
    assert (cfg.ari, cfg.ami_host, cfg.ami_port) == (False, "pbx.example", 5039)
    assert cfg.name == "asterisk:ami@pbx.example:5039"
    assert "ari=off" in repr(cfg)
    with pytest.raises(AsteriskConfigError, match="RINGMON_AMI_SECRET"):
        parse_spec("asterisk:ari=off", {"RINGMON_ARI_PASSWORD": "p"})
    assert parse_spec("asterisk", {"RINGMON_ARI_PASSWORD": "p", "RINGMON_AMI_SECRET": "s"}).ari
