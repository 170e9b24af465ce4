"""One big push must not stall everyone (issue 9, item 11): a real hub process on loopback.

Measured, each in a fresh hub (``python -m ringmon hub`` in a temporary data folder, with an
empty ``file:`` source):

(a) ``/v1/health`` latency, idle, then while one client POSTs 100,000 events to
    ``/v1/ingest`` (and while it POSTs the biggest batch the hub takes);
(b) the hub's peak RSS (``VmHWM``) before and after one POST of a 31.9 MiB body.

``--tree DIR`` runs the hub from another source tree (e.g. ``git archive`` of an older
commit), to print the figures before and after a change in the same run of the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ringmon.hub.intake.push_api import MAX_EVENTS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench push",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tree", help="run the hub from this source tree (default: this one)")
    parser.add_argument("--events", type=int, default=100_000, help="events in the big POST")
    parser.add_argument("--mib", type=float, default=31.9, help="size of the big body (MiB)")
    args = parser.parse_args(argv)
    return asyncio.run(_run(args.tree, args.events, args.mib))


def _env(tree: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if tree:
        env["PYTHONPATH"] = os.pathsep.join([tree, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


class HubProcess:
    def __init__(self, tree: str | None, folder: Path) -> None:
        self.tree, self.folder = tree, folder
        self.data = folder / "data"
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""
        self.token = ""

    @property
    def _role(self) -> list[str]:
        return ["--role", "source"]

    @property
    def _data(self) -> list[str]:
        return ["--data", str(self.data)]

    async def __aenter__(self) -> HubProcess:
        self.folder.mkdir(parents=True, exist_ok=True)
        empty = self.folder / "empty.jsonl"
        empty.write_text("")
        self.token = subprocess.run(
            [sys.executable, "-m", "ringmon", "token", "add", "bench", *self._role, *self._data],
            env=_env(self.tree),
            cwd=self.folder,  # not this folder: ``-m`` would import ./ringmon before --tree
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "ringmon", "hub", "--port", "0", "--data", str(self.data), "--tz", "UTC"),
            *("--source", f"file:{empty}"),
            env=_env(self.tree),
            cwd=self.folder,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        async with asyncio.timeout(60):
            line = (await self.process.stdout.readline()).decode()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the hub did not start: {line!r}")
        self.url = line.removeprefix("listening on ").strip()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            async with asyncio.timeout(60):
                await self.process.wait()

    def peak_rss_mb(self) -> float:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def _body(events: int, start: int = 0) -> bytes:
    now = datetime.now(UTC).isoformat()
    rows = (
        json.dumps({"type": "employee.upsert", "ts": now, "id": f"e{i:07}", "name": f"P {i:07}"})
        for i in range(start, start + events)
    )
    return ("[" + ",".join(rows) + "]").encode()


async def _health_during(hub: HubProcess, body: bytes) -> tuple[float, float, int, float]:
    """(idle health latency, worst health latency during the POST, its status, its time)."""
    async with (
        httpx.AsyncClient(base_url=hub.url, timeout=120) as health,
        httpx.AsyncClient(base_url=hub.url, timeout=300) as pusher,
    ):

        async def probe() -> float:
            started = time.perf_counter()
            (await health.get("/v1/health")).raise_for_status()
            return time.perf_counter() - started

        idle = min([await probe() for _ in range(20)])
        started = time.perf_counter()
        post = asyncio.create_task(
            pusher.post(
                "/v1/ingest", content=body, headers={"Authorization": f"Bearer {hub.token}"}
            )
        )
        worst = 0.0
        while not post.done():
            worst = max(worst, await probe())
            await asyncio.sleep(0.01)
        answer = await post
        return idle, worst, answer.status_code, time.perf_counter() - started


async def _run(tree: str | None, events: int, mib: float) -> int:
    label = tree or "this tree"
    print(f"hub from {label}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        async with HubProcess(tree, Path(tmp) / "a") as hub:
            body = _body(events)
            idle, worst, status, took = await _health_during(hub, body)
            print(
                f"(a) POST of {events:,} events ({len(body) / 2**20:.1f} MiB): answered {status} "
                f"in {took:.2f} s; /v1/health idle {idle * 1000:.1f} ms, worst during it "
                f"{worst * 1000:.1f} ms ({worst / idle:.0f}x idle)"
            )
            for batch in (MAX_EVENTS,):
                body = _body(batch, start=events)
                idle, worst, status, took = await _health_during(hub, body)
                print(
                    f"    POST of {batch:,} events ({len(body) / 2**20:.1f} MiB): answered "
                    f"{status} in {took:.2f} s; /v1/health worst {worst * 1000:.1f} ms "
                    f"({worst / idle:.0f}x idle)"
                )
    with tempfile.TemporaryDirectory() as tmp:
        async with HubProcess(tree, Path(tmp) / "b") as hub:
            before = hub.peak_rss_mb()
            size = int(mib * 2**20)
            one = len(_body(1)) - 2  # every event has the same length
            body = _body(size // (one + 1))
            async with httpx.AsyncClient(base_url=hub.url, timeout=300) as client:
                answer = await client.post(
                    "/v1/ingest", content=body, headers={"Authorization": f"Bearer {hub.token}"}
                )
            after = hub.peak_rss_mb()
            print(
                f"(b) POST of a {len(body) / 2**20:.1f} MiB body: answered {answer.status_code}; "
                f"hub peak RSS {before:.0f} MB before, {after:.0f} MB after"
            )
    return 0
