"""End to end with real SIP: Kamailio (the project's config) -> ``ringmon hub --source
kamailio:...`` -> REST and ``ringmon export``.

One employee, one SIP account, two phones: baresip and a sipp phone, each with its own
User-Agent. An answered call, a 6 s unanswered call (missed, R11), a 3 s unanswered call (not
missed), the sipp registration left to expire, then baresip quits (de-registers). Every
interval is checked against the times the test itself saw, within 1 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kamailio"))
import kamailio_lab as labkit

pytestmark = pytest.mark.e2e

ACCOUNT = "sip101"
EXPIRES = 20
SIPP_UA = "SIPp-Phone/3.6 (ringmon e2e)"
TOLERANCE = 1.0


def dt(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def within(at: float, span: tuple[float, float]) -> bool:
    """``at`` between two times the test saw (what it did happened in between), give or
    take ``TOLERANCE``."""
    return span[0] - TOLERANCE <= at <= span[1] + TOLERANCE


class HubProcess:
    """``ringmon hub`` as a user runs it, on a free loopback port."""

    def __init__(self, folder: Path, source: str) -> None:
        self.folder = folder
        self.data = folder / "hub-data"
        self.directory = folder / "people.toml"
        self.directory.write_text(
            "[[employee]]\n"
            'id = "e1"\nname = "Anna Nowak"\ndepartment = "Sales"\n'
            f'accounts = [{{ login = "{ACCOUNT}", number = "101" }}]\n'
        )
        self.token = self._ringmon(
            "token", "add", "tester", "--role", "analyst", "--data", str(self.data)
        )
        self.token_file = folder / "token"
        self.token_file.write_text(self.token + "\n")
        self.port = labkit.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "hub.log"
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ringmon",
                    "hub",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--data",
                    str(self.data),
                    "--tz",
                    "UTC",
                    "--directory",
                    str(self.directory),
                    "--source",
                    source,
                ],
                stdout=subprocess.PIPE,
                stderr=err,
            )
        ready = threading.Event()

        def watch() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                if line.startswith(b"listening on"):
                    ready.set()

        threading.Thread(target=watch, daemon=True).start()
        if not ready.wait(30):
            self.stop()
            raise AssertionError(f"the hub did not start: {self.log.read_text()[-3000:]}")
        self.client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10
        )

    def _ringmon(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ringmon", *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1].strip()

    def get(self, path: str, **params: str) -> Any:
        answer = self.client.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def export(self, what: str, period: str) -> Any:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ringmon",
                "export",
                what,
                "--employee",
                "e1",
                "--period",
                period,
                "--format",
                "json",
                "--url",
                self.url,
                "--token-file",
                str(self.token_file),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def devices(self) -> dict[str, dict[str, Any]]:
        return {d["user_agent"]: d for d in self.get("/v1/snapshot")["devices"]}

    def wait(self, what: str, predicate: Any, timeout: float = 15) -> None:
        labkit.wait_for(predicate, timeout, what, step=0.1)

    def stop(self) -> None:
        labkit.stop_process(self.proc, grace=10)
        if hasattr(self, "client"):
            self.client.close()


@pytest.fixture
def sip_lab(tmp_path: Path) -> Iterator[labkit.Kamailio]:
    with labkit.lab(tmp_path) as kamailio:
        yield kamailio


def test_kamailio_phones_calls_and_expiry_end_to_end(
    sip_lab: labkit.Kamailio, tmp_path: Path
) -> None:
    began = time.monotonic()
    hub = HubProcess(tmp_path, sip_lab.spec)
    phone = labkit.SippPhone(sip_lab, SIPP_UA)
    baresip = labkit.Baresip(sip_lab, ACCOUNT)
    try:
        hub.wait(
            "the source to connect",
            lambda: any(
                s["name"].startswith("kamailio:")
                and s["state"] == "running"
                and not s.get("detail")
                for s in hub.get("/v1/health")["sources"]
            ),
        )
        first_day = datetime.now(UTC).date()

        # Two phones of one account, each with its User-Agent.
        t_baresip = baresip.start()
        phone.start()
        t_reg = phone.register(ACCOUNT, EXPIRES)
        hub.wait("both phones online", lambda: len(hub.devices()) == 2)
        devices = hub.devices()
        baresip_ua = next(ua for ua in devices if ua.startswith("baresip"))
        assert set(devices) == {baresip_ua, SIPP_UA}
        assert all(d["registration"] == "online" for d in devices.values())
        assert all(d["dnd_capable"] is False for d in devices.values())  # R15
        assert devices[baresip_ua]["device"].startswith("urn:uuid:")  # its +sip.instance
        assert devices[SIPP_UA]["device"] == f"sip:{ACCOUNT}@127.0.0.1:{phone.port}"
        baresip_online = dt(devices[baresip_ua]["registered_since"])
        sipp_online = dt(devices[SIPP_UA]["registered_since"])
        assert within(baresip_online, t_baresip)
        assert within(sipp_online, t_reg)
        (employee,) = hub.get("/v1/snapshot")["employees"]
        assert employee["status"] == "online"

        # An answered call (the sipp phone answers after 1.5 s, talks 2 s), a 6 s and a 3 s
        # unanswered one: both phones ring each time (Kamailio forks).
        answered = labkit.call(sip_lab, ACCOUNT, "+48600100200", answer=True, ms=2000)
        missed = labkit.call(sip_lab, ACCOUNT, "+48600100201", answer=False, ms=6000)
        short = labkit.call(sip_lab, ACCOUNT, "+48600100202", answer=False, ms=3000)

        # The sipp registration lapses (no refresh); baresip stays.
        hub.wait(
            "the sipp registration to expire",
            lambda: hub.devices()[SIPP_UA]["registration"] == "offline",
            timeout=EXPIRES + 10,
        )
        t_expired = dt(hub.devices()[SIPP_UA]["since"])
        assert t_expired - (sipp_online + EXPIRES) == pytest.approx(0, abs=TOLERANCE)
        snapshot = hub.get("/v1/snapshot")
        assert snapshot["employees"][0]["status"] == "online"
        assert snapshot["devices"] and not snapshot["legs"]

        # Calls through REST: the answering device, ring and talk times, R11's outcomes.
        calls = hub.get("/v1/calls", employee="e1")["calls"]
        legs = sorted(calls, key=lambda c: c["ring_at"])
        assert [c["outcome"] for c in legs] == ["answered", "missed", "short"]
        assert [c["remote"] for c in legs] == ["+48600100200", "+48600100201", "+48600100202"]
        assert all(c["direction"] == "in" and c["account"] == ACCOUNT for c in legs)
        one, two, three = legs
        assert one["device"] == devices[SIPP_UA]["device"]
        for leg, (began_call, ended_call) in zip(legs, (answered, missed, short), strict=True):
            assert within(dt(leg["ring_at"]), (began_call, ended_call))
            assert within(dt(leg["end_at"]), (began_call, ended_call))
        assert one["ring_seconds"] == pytest.approx(1.5, abs=TOLERANCE)
        assert one["talk_seconds"] == pytest.approx(2.0, abs=TOLERANCE)
        assert two["ring_seconds"] == pytest.approx(6.0, abs=TOLERANCE)
        assert three["ring_seconds"] == pytest.approx(3.0, abs=TOLERANCE)
        answer_at, end_at = dt(one["answer_at"]), dt(one["end_at"])

        # The merged timeline (R16): online, talking during the answered call, online again;
        # the expired sipp phone does not change it (baresip is still online).
        day = first_day.isoformat()
        last_day = datetime.now(UTC).date().isoformat()
        period = day if day == last_day else f"{day}..{last_day}"
        history = hub.get("/v1/employees/e1/history", **{"from": day, "to": last_day})
        merged = [(t["status"], dt(t["at"])) for t in history["merged"]]
        statuses = [s for s, _ in merged]
        assert statuses[-3:] == ["online", "talking", "online"], merged
        assert merged[-3][1] == pytest.approx(baresip_online, abs=0.001)
        assert merged[-2][1] == pytest.approx(answer_at, abs=0.001)
        assert merged[-1][1] == pytest.approx(end_at, abs=0.001)
        per_device = {d["user_agent"]: d["transitions"] for d in history["devices"]}
        assert [t["status"] for t in per_device[SIPP_UA]][-4:] == [
            "online",
            "talking",
            "online",
            "offline",
        ]

        # The same through `ringmon export`: statistics and timeline.
        stats = hub.export("stats", period)["total"]
        assert stats["incoming"] == 1 and stats["handled"] == 1
        assert stats["missed"] == 1 and stats["short_unanswered"] == 1
        assert stats["total_talk"] == pytest.approx(2.0, abs=TOLERANCE)
        assert stats["average_answer"] == pytest.approx(1.5, abs=TOLERANCE)
        assert stats["talking_seconds"] == pytest.approx(2.0, abs=TOLERANCE)
        timeline = hub.export("timeline", period)["timeline"]
        talking = [row for row in timeline if row["status"] == "talking"]
        assert len(talking) == 1
        assert dt(talking[0]["start"]) == pytest.approx(answer_at, abs=0.001)
        assert dt(talking[0]["end"]) == pytest.approx(end_at, abs=0.001)
        exported_calls = hub.export("calls", period)["calls"]
        assert [c["outcome"] for c in exported_calls] == ["answered", "missed", "short"]

        # baresip quits: it de-registers, the employee goes offline.
        t_quit = time.time()
        baresip.stop()
        t_quit = (t_quit, time.time())
        hub.wait(
            "baresip to de-register",
            lambda: hub.get("/v1/snapshot")["employees"][0]["status"] == "offline",
        )
        assert within(dt(hub.devices()[baresip_ua]["since"]), t_quit)
        health = hub.get("/v1/health")
        assert health["rejected"]["total"] == 0, health["rejected"]
    finally:
        baresip.stop()
        phone.stop()
        hub.stop()
    print(f"\nKamailio end-to-end: {time.monotonic() - began:.1f} s")
    if os.environ.get("RINGMON_E2E_KEEP"):
        print(f"logs in {tmp_path}")
