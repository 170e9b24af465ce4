"""End to end: a real app_queue in the Asterisk 22 lab (issue 12 item 6).

Two agents (sipp phones) answer the ``sales`` queue (500), both rung at once (ringall): Ewa
(e3, account 104, also the only agent of ``support``) and Jan (e4, account 105). A call from
the Front Desk (200) rings both; Ewa answers after ~2 s, talks 3 s. A call from Piotr (103)
rings both 6 s and is abandoned. Then, through AMI ``QueuePause``: Ewa paused in every queue
with reason Lunch (dnd · Lunch), unpaused (online), paused in support only with reason
Training (online, support listed as paused), unpaused. Two hubs watch at once, one through
ARI+AMI and one through AMI alone (``ari=off``); both are checked through the snapshot, the
history and ``ringmon export timeline``, and the events each mapped from its tap are counted.

Needs root, sipp (Debian: sip-tester) and mmdebstrap, like tests/e2e/test_asterisk_e2e.py.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "asterisk"))

from asterisk_lab import ChrootUnavailable, build_chroot, free_port, lab_both, wait_for

from ringmon.sources.asterisk.replay import run_replay

pytestmark = pytest.mark.e2e

UA_EWA, UA_JAN = "Yealink SIP-T46U 108.86", "Grandstream GXP2170 1.0.11"
SLACK = 1.0


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _devices(hub: Any) -> dict[str, dict[str, Any]]:
    return {d["device"]: d for d in hub.get("/v1/snapshot")["devices"]}


def _employee(hub: Any, emp: str) -> dict[str, Any]:
    return next(e for e in hub.get("/v1/snapshot")["employees"] if e["id"] == emp)


def _close(actual: float, expected: float, what: str, slack: float = SLACK) -> None:
    assert abs(actual - expected) <= slack, f"{what}: {actual:.3f} vs {expected:.3f}"


@pytest.fixture(scope="module")
def chroot() -> Path:
    if os.geteuid() != 0:
        pytest.skip("needs root: the Asterisk chroot is built and entered as root")
    if shutil.which("sipp") is None:
        pytest.fail("sipp is not installed (Debian package sip-tester)")
    try:
        return build_chroot()
    except ChrootUnavailable as exc:
        pytest.skip(f"the package registry cannot provide Asterisk from Debian sid: {exc}")


def _mapped(tap: Path, ami_only: bool) -> Counter[str]:
    """The feed events ``ringmon asterisk replay`` makes of a tap file, by type."""
    out = io.StringIO()
    assert run_replay(argparse.Namespace(tapfile=str(tap), ami_only=ami_only), out) == 0
    return Counter(json.loads(line)["type"] for line in out.getvalue().splitlines())


def test_asterisk_queue_end_to_end(chroot: Path, tmp_path: Path) -> None:
    began = time.monotonic()
    tap, ami_tap = tmp_path / "frames.jsonl", tmp_path / "ami-frames.jsonl"
    with lab_both(tmp_path, tap=tap, ami_tap=ami_tap) as (asterisk, sipp, hub, ami_hub):
        assert ami_hub is not None
        hubs = (hub, ami_hub)

        def every(check: Any) -> bool:
            return all(check(h) for h in hubs)

        booted = time.monotonic()
        t_start = time.time()
        port_e, port_j = (free_port(socket.SOCK_DGRAM) for _ in range(2))
        sipp.device(port_e, UA_EWA, answer_from="sip:200@", answer_ms=2000)
        sipp.device(port_j, UA_JAN)
        for port in (port_e, port_j):
            wait_for(lambda p=port: _port_taken(p), 10, f"sipp to listen on {port}")
        dev_e, dev_j = f"sip:104@127.0.0.1:{port_e}", f"sip:105@127.0.0.1:{port_j}"
        sipp.register("104", port_e, UA_EWA)
        sipp.register("105", port_j, UA_JAN)
        wait_for(
            lambda: every(
                lambda h: (
                    {_devices(h).get(d, {}).get("status") for d in (dev_e, dev_j)} == {"online"}
                )
            ),
            15,
            "both agents online",
        )

        # Through the queue: both agents ring at once, Ewa answers after ~2 s, talks 3 s.
        t_call1 = time.time()
        sipp.call("200", "500", talk_ms=3000)
        t_call1_end = time.time()
        # Abandoned: rings both 6 s, the caller gives up.
        t_call2 = time.time()
        sipp.call("103", "500", ring_ms=6000)

        # Ewa paused in every queue (no Queue header): dnd with the reason.
        pause = {"Action": "QueuePause", "Interface": "PJSIP/104"}
        asterisk.ami(pause | {"Paused": "true", "Reason": "Lunch"})
        t_lunch = time.time()
        wait_for(lambda: every(lambda h: _employee(h, "e3")["status"] == "dnd"), 10, "Ewa on lunch")
        for h in hubs:
            assert _employee(h, "e3")["reason"] == "Lunch"
            device = _devices(h)[dev_e]
            assert (device["status"], device["reason"]) == ("dnd", "Lunch")
            assert sorted(p["queue"] for p in device["paused"]) == ["sales", "support"]
        asterisk.ami(pause | {"Paused": "false"})
        t_back = time.time()
        wait_for(lambda: every(lambda h: _employee(h, "e3")["status"] == "online"), 10, "Ewa back")
        # Paused in support only: still online (sales rings her), support listed.
        asterisk.ami(pause | {"Paused": "true", "Queue": "support", "Reason": "Training"})
        wait_for(lambda: every(lambda h: _devices(h)[dev_e]["paused"] != []), 10, "support paused")
        for h in hubs:
            device = _devices(h)[dev_e]
            assert device["status"] == "online" and device["reason"] is None
            assert device["paused"] == [{"queue": "support", "reason": "Training"}]
            assert _employee(h, "e3")["status"] == "online"
        asterisk.ami(pause | {"Paused": "false", "Queue": "support"})
        wait_for(lambda: every(lambda h: _devices(h)[dev_e]["paused"] == []), 10, "unpaused")
        t_end = time.time()
        scenario = time.monotonic() - booted

        for h in hubs:
            _check(h, locals())
    mapped = {"ARI+AMI": _mapped(tap, False), "AMI-only": _mapped(ami_tap, True)}
    for mode, counts in mapped.items():
        assert counts["call.ring"] == counts["call.end"] >= 6, (mode, counts)
    print(
        f"\nasterisk queue e2e: {time.monotonic() - began:.1f} s in all, scenario "
        f"{scenario:.1f} s; events mapped from the taps: "
        + "; ".join(
            f"{mode} {sum(c.values())} ({', '.join(f'{k} {v}' for k, v in sorted(c.items()))})"
            for mode, c in mapped.items()
        )
    )


def _check(hub: Any, t: dict[str, Any]) -> None:
    day = datetime.fromtimestamp(t["t_start"], UTC).date().isoformat()
    ewa = hub.get("/v1/employees/e3/history", **{"from": day, "to": day})
    jan = hub.get("/v1/employees/e4/history", **{"from": day, "to": day})
    e_legs = sorted(ewa["calls"], key=lambda leg: leg["ring_at"])
    j_legs = sorted(jan["calls"], key=lambda leg: leg["ring_at"])
    assert [(c["direction"], c["outcome"], c["remote"]) for c in e_legs] == [
        ("in", "answered", "200"),
        ("in", "missed", "103"),
    ]
    assert [(c["direction"], c["outcome"], c["remote"]) for c in j_legs] == [
        ("in", "short", "200"),
        ("in", "missed", "103"),
    ]
    # Caller ID on the row: who called, by name as the PBX knows it.
    assert [c["remote_name"] for c in e_legs] == ["Front Desk", "Piotr Zielinski"]
    # One call rang both agents at once: the same call, rung together.
    for e_leg, j_leg in zip(e_legs, j_legs, strict=True):
        assert e_leg["call"] == j_leg["call"]
        _close(_ts(e_leg["ring_at"]), _ts(j_leg["ring_at"]), "both agents ring together")
    _close(_ts(e_legs[0]["ring_at"]), t["t_call1"], "queue call rings")
    _close(e_legs[0]["ring_seconds"], 2.0, "ring time of the answered queue call")
    _close(e_legs[0]["talk_seconds"], 3.0, "talk time of the answered queue call")
    _close(e_legs[1]["ring_seconds"], 6.0, "ring time of the abandoned queue call")
    assert (ewa["total"]["incoming"], ewa["total"]["missed"]) == (1, 1)
    assert (jan["total"]["incoming"], jan["total"]["missed"]) == (0, 1)

    merged = [(m["status"], m.get("reason"), _ts(m["at"])) for m in ewa["merged"]]
    merged = [m for m in merged if m[2] >= t["t_start"]]
    assert [m[:2] for m in merged] == [
        ("online", None),
        ("talking", None),
        ("online", None),
        ("dnd", "Lunch"),
        ("online", None),
    ], merged
    _close(merged[3][2], t["t_lunch"], "Ewa dnd · Lunch starts")
    _close(merged[4][2], t["t_back"], "Ewa back from lunch")
    _close(ewa["total"]["in_status"]["dnd"], t["t_back"] - t["t_lunch"], "pause counts as dnd")

    rows = hub.export("timeline", "e3", day)["timeline"]
    lunch = [r for r in rows if r["status"] == "dnd"]
    assert [r["reason"] for r in lunch] == ["Lunch"], rows
    assert hub.health()["rejected"]["total"] == 0
