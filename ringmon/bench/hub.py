"""``python -m ringmon.bench hub``: the hub's ingest rate, from a ``file:`` source to storage.

A synthetic day (``ringmon.bench.synthetic``) of a recent past day (yesterday, in the call
center's zone: retention and the hub's ``future`` check leave it alone) is written as JSONL and
served by a real hub in a subprocess (``ringmon hub --source file:DAY.jsonl``), with one
WebSocket client connected from the start. Printed, against ``json.loads`` of the same frames
timed in this process:

- events/s committed: from the hub's "listening" line to the moment its storage holds the
  last event (a reader polls the SQLite file every 20 ms, as any reader may under WAL);
- events/s to the client: until the WebSocket client has received the last event;
- the cost of one event, stage by stage, each timed alone on the same frames in this process
  (CPU time: on a shared machine, wall time is mostly other processes): decode and validate
  (what the file source does), apply, the ledger's bookkeeping, encoding the stored body, and
  the storage write (in batches the size of the hub's flushes of a fast source).

Target (issue 10): >= 30,000 events/s committed (50,000 stretch), every history query indexed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ringmon.bench.hub_stages import best_of, stage_times
from ringmon.bench.synthetic import synthetic_day

TZ = "Europe/Warsaw"
TARGET = 30_000
STRETCH = 50_000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench hub",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=2_000, help="default 2000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--day",
        type=date.fromisoformat,
        default=None,
        help="the day simulated, YYYY-MM-DD (default: yesterday in the zone)",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after (s)")
    parser.add_argument("--keep", help="keep the hub's data folder and the day file here")
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage breakdown")
    parser.add_argument("--no-hub", action="store_true", help="only the per-stage breakdown")
    return run(parser.parse_args(argv))


def day_frames(employees: int, seed: int, day: date) -> list[str]:
    return [
        json.dumps(event, separators=(",", ":"))
        for event in synthetic_day(employees, seed, day, ZoneInfo(TZ))
    ]


# -- the real hub -----------------------------------------------------------------------------


@dataclass
class HubRun:
    listening: float = 0.0  # perf_counter when the hub said it listens
    accepted: int = 0
    rejected: int = 0
    last_seq: int = 0
    committed_at: float | None = None
    cpu_at_listening: float = 0.0
    loop_cpu_at_listening: float = 0.0
    committed_cpu: float | None = None
    """The hub's CPU seconds from listening to the committed moment."""
    committed_loop_cpu: float | None = None
    """The same, of the hub's main thread alone (the event loop: sources, validation, apply,
    ledger; the SQLite writes run in other threads, beside it, without the GIL)."""
    received_at: float | None = None
    received: int = 0
    frames: int = 0
    samples: list[tuple[float, int, float, float]] = field(default_factory=list)
    """(perf_counter, newest stored seq, the hub process's CPU seconds so far, its main
    thread's)."""
    error: str | None = None


def _make_token(folder: Path) -> str:
    from ringmon.hub.serving.tokens import TokenStore

    store = TokenStore(folder)
    try:
        return store.add("bench", "analyst")
    finally:
        store.close()


def _cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU seconds of process ``pid`` so far, or of its thread ``thread``
    (Linux; 0 elsewhere)."""
    stat = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _poll_storage(path: Path, pid: int, out: HubRun, stop: threading.Event) -> None:
    """Sample the newest stored seq every 20 ms (read-only, as any WAL reader may), with the
    hub's CPU time."""
    db: sqlite3.Connection | None = None
    while not stop.is_set():
        try:
            if db is None:
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
            row = db.execute("SELECT MAX(seq) FROM events").fetchone()
            now, seq = time.perf_counter(), int(row[0] or 0)
            out.samples.append((now, seq, _cpu_seconds(pid), _cpu_seconds(pid, pid)))
        except sqlite3.Error:
            pass  # not created yet
        stop.wait(0.02)
    if db is not None:
        db.close()


async def _follow_feed(url: str, token: str, out: HubRun, done: asyncio.Event) -> None:
    """A WebSocket client from seq 0: counts events and notes when the last one came."""
    from websockets.asyncio.client import connect

    ws_url = url.replace("http://", "ws://", 1) + "/v1/feed?since=0"
    async with connect(
        ws_url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=2**26
    ) as ws:
        while True:
            try:
                message = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                if done.is_set() and out.received >= out.accepted:
                    return
                continue
            data = json.loads(message)
            items = data if isinstance(data, list) else [data]
            out.frames += 1
            events = [item for item in items if item.get("type") != "heartbeat"]
            if events:
                out.received += len(events)
                out.last_seq = max(out.last_seq, events[-1].get("seq", 0))
                out.received_at = time.perf_counter()
            if done.is_set() and out.received >= out.accepted:
                return


async def _watch_health(url: str, token: str, count: int, out: HubRun, done: asyncio.Event) -> None:
    import httpx

    # With the token: without one, /v1/health says only whether the hub is up.
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10.0) as http:
        while True:
            health = (await http.get("/v1/health")).json()
            rejected = health.get("rejected", {}).get("total", 0)
            if health.get("events", 0) + rejected >= count:
                out.accepted, out.rejected = health["events"], rejected
                done.set()
                return
            await asyncio.sleep(0.25)


def run_hub(day_file: Path, folder: Path, count: int, timeout: float) -> HubRun:
    token = _make_token(folder)
    out = HubRun()
    command = [
        sys.executable,
        "-m",
        "ringmon",
        "hub",
        "--port",
        "0",
        "--data",
        str(folder),
        "--tz",
        TZ,
        "--source",
        f"file:{day_file}",
    ]
    hub = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stop = threading.Event()
    poller = threading.Thread(
        target=_poll_storage, args=(folder / "events.sqlite3", hub.pid, out, stop), daemon=True
    )
    try:
        assert hub.stdout is not None
        line = hub.stdout.readline()
        out.listening = time.perf_counter()
        out.cpu_at_listening = _cpu_seconds(hub.pid)
        out.loop_cpu_at_listening = _cpu_seconds(hub.pid, hub.pid)
        match = re.search(r"listening on (\S+)", line)
        if match is None:
            out.error = f"the hub did not start: {line.strip() or 'no output'}"
            return out
        poller.start()

        async def follow() -> None:
            done = asyncio.Event()
            await asyncio.wait_for(
                asyncio.gather(
                    _follow_feed(match.group(1), token, out, done),
                    _watch_health(match.group(1), token, count, out, done),
                ),
                timeout,
            )

        try:
            asyncio.run(follow())
        except TimeoutError:
            out.error = f"gave up after {timeout:.0f} s"
        # The committed moment: the first sample holding the last accepted event (the client
        # gets only committed events, so it is there; the poller may not have looked yet).
        deadline = time.perf_counter() + 5.0
        while out.last_seq and time.perf_counter() < deadline:
            if out.samples and out.samples[-1][1] >= out.last_seq:
                break
            time.sleep(0.02)
        for at, seq, cpu, loop_cpu in out.samples:
            if seq >= out.last_seq and out.last_seq:
                out.committed_at = at
                out.committed_cpu = cpu - out.cpu_at_listening
                out.committed_loop_cpu = loop_cpu - out.loop_cpu_at_listening
                break
        return out
    finally:
        stop.set()
        if poller.is_alive():
            poller.join()
        hub.terminate()
        try:
            hub.wait(30)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()


# -- the report -------------------------------------------------------------------------------


def _rate(count: int, seconds: float | None) -> str:
    if not seconds:
        return f"{'-':>12}"
    return f"{count / seconds:>12,.0f}"


def run(args: argparse.Namespace) -> int:
    tz = ZoneInfo(TZ)
    day = args.day or (datetime.now(tz).date() - timedelta(days=1))
    started = time.perf_counter()
    frames = day_frames(args.employees, args.seed, day)
    count = len(frames)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ringmon-bench-hub-"))
    work.mkdir(parents=True, exist_ok=True)
    day_file = work / f"day-{day.isoformat()}.jsonl"
    day_file.write_text("\n".join(frames) + "\n", encoding="utf-8")
    size = day_file.stat().st_size
    print(
        f"frames: {count:,} events of a {args.employees:,}-employee day ({day}, {TZ}), "
        f"{size / 2**20:.0f} MB of JSONL, built in {time.perf_counter() - started:.1f} s"
    )
    loads = json.loads
    json_s = best_of(3, lambda: [loads(f) for f in frames])
    json_cpu = best_of(3, lambda: [loads(f) for f in frames], time.process_time)
    folder = work / "data"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    try:
        result = HubRun() if args.no_hub else run_hub(day_file, folder, count, args.timeout)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if result.error:
        print(f"error: {result.error}")
    committed_s = None if result.committed_at is None else result.committed_at - result.listening
    received_s = None if result.received_at is None else result.received_at - result.listening
    print(f"{'':34}{'seconds':>10}{'events/s':>12}{'x json':>9}")
    print(f"{'json.loads (this process)':34}{json_s:>10.3f}{_rate(count, json_s)}{1.0:>9.3f}")
    for label, seconds in (
        ("hub: file -> committed storage", committed_s),
        ("hub: file -> WebSocket client", received_s),
    ):
        shown = f"{seconds:>10.2f}" if seconds else f"{'-':>10}"
        ratio = f"{json_s / seconds:>9.3f}" if seconds else f"{'-':>9}"
        print(f"{label:34}{shown}{_rate(count, seconds)}{ratio}")
    if result.committed_cpu:
        cpu = result.committed_cpu
        print(
            f"{'json.loads CPU time (this process)':34}{json_cpu:>10.3f}"
            f"{_rate(count, json_cpu)}{1.0:>9.3f}"
        )
        print(
            f"{'hub CPU time to commit (all threads)':34}{cpu:>10.2f}{_rate(count, cpu)}"
            f"{json_cpu / cpu:>9.3f}   (x json.loads CPU time: the figure least disturbed "
            "by the machine's load)"
        )
    if result.committed_loop_cpu:
        loop = result.committed_loop_cpu
        print(
            f"{'  of which the event loop thread':34}{loop:>10.2f}{_rate(count, loop)}"
            f"{json_cpu / loop:>9.3f}   (the rest, SQLite's writes, runs beside it on "
            "another core)"
        )
    print(
        f"accepted {result.accepted:,}, rejected {result.rejected:,}; the client got "
        f"{result.received:,} events in {result.frames:,} frames "
        f"(targets: >= {TARGET:,} events/s committed, stretch {STRETCH:,})"
    )
    if not args.no_stages:
        print("\none event's cost by stage (each alone on the same frames; CPU time, best of 3):")
        stages = stage_times(frames, 3, TZ)
        total = sum(s for name, s in stages if name != "json.loads")
        print(f"{'':34}{'us/event':>10}{'share':>9}")
        for name, seconds in stages:
            share = "" if name == "json.loads" else f"{seconds / total:>9.0%}"
            print(f"{name:34}{seconds / count * 1e6:>10.2f}{share}")
        print(f"{'sum of the stages':34}{total / count * 1e6:>10.2f}")
        if committed_s:
            print(f"{'hub end to end (wall time)':34}{committed_s / count * 1e6:>10.2f}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average while measuring: {load} on {os.cpu_count()} CPUs")
    return 0 if result.error is None else 1
