"""``python -m ringmon.bench demo``: how soon ``ringmon demo --employees N`` has its first
true rows, at 40, 2,000 and 10,000 employees (targets: 2 s, 8 s, 30 s).

Black-box, as the demo starts it: a real hub in a subprocess (``ringmon hub --source sim
--employees N --backfill-days 7``, an empty data folder), with an analyst token made in its
folder. Printed for each size, from the moment the hub's process is started:

- health: the hub first answers ``/v1/health``;
- first rows: ``/v1/snapshot`` first answers with every employee (the TUI's first rows; it
  polls health, then asks for the snapshot, so add its own start-up: ~1-2 s);
- history: the past days are in storage (``/v1/health`` no longer says ``loading``), with
  how many events storage holds then;
- the hub process's CPU seconds (user + system, all threads, and its simulator's worker
  processes) at first rows and at history:
  far less sensitive to the machine's load than wall time; and, as an in-run baseline, the
  CPU seconds this process takes to ``json.loads`` 100,000 event frames (``rows cpu / base``
  is then comparable across runs and machines); today's events taken at the first rows
  (the hub serves rows once it has today up to now: how many depends on the time of day) and
  the CPU per one of them: all of it (``cpu us/ev``), and the hub's process alone (``hub
  us/ev``: the simulator's worker runs on the other core).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from ringmon.bench.hub import _cpu_seconds

TZ = "Europe/Warsaw"
SIZES = (40, 2_000, 10_000)
TARGETS = {40: 2.0, 2_000: 8.0, 10_000: 30.0}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--backfill-days", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=600.0, help="per size (s)")
    parser.add_argument("--no-history", action="store_true", help="stop at the first rows")
    args = parser.parse_args(argv)
    base = baseline_cpu()
    print(f"baseline: json.loads of 100,000 event frames, {base:.3f} CPU s (this process)")
    print(
        f"{'employees':>10}{'health s':>10}{'rows s':>9}{'target':>8}{'history s':>11}"
        f"{'events':>11}{'rows cpu':>10}{'/ base':>8}{'hist cpu':>10}{'/ base':>8}"
        f"{'today ev':>10}{'cpu us/ev':>10}{'hub us/ev':>10}"
    )
    failed = 0
    for size in args.sizes:
        row = first_rows(size, args.backfill_days, args.timeout, not args.no_history)
        health, rows, history, events, rows_cpu, history_cpu, today, hub_cpu = row
        target = TARGETS.get(size)
        print(
            f"{size:>10,}{_s(health):>10}{_s(rows):>9}{_s(target):>8}{_s(history):>11}"
            f"{events:>11,}{_s(rows_cpu):>10}{_ratio(rows_cpu, base):>8}"
            f"{_s(history_cpu):>10}{_ratio(history_cpu, base):>8}{today:>10,}"
            f"{_s(rows_cpu / today * 1e6 if rows_cpu and today else None):>10}"
            f"{_s(hub_cpu / today * 1e6 if hub_cpu and today else None):>10}",
            flush=True,
        )
        failed += rows is None
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average while measuring: {load} on {os.cpu_count()} CPUs")
    return 1 if failed else 0


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _ratio(value: float | None, base: float) -> str:
    return "-" if value is None or not base else f"{value / base:.0f}"


def baseline_cpu() -> float:
    """CPU seconds (best of 3) to ``json.loads`` 100,000 frames of a synthetic day."""
    import json
    from datetime import date
    from zoneinfo import ZoneInfo

    from ringmon.bench.hub_stages import best_of
    from ringmon.bench.synthetic import synthetic_day

    frames: list[str] = []
    for event in synthetic_day(2_000, 1, date(2026, 3, 24), ZoneInfo(TZ)):
        frames.append(json.dumps(event, separators=(",", ":")))
        if len(frames) >= 100_000:
            break
    loads = json.loads
    return best_of(3, lambda: [loads(f) for f in frames], time.process_time)


def _tree_cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` and of its living children (the simulator's worker
    processes, sources/sim/worker.py), as ``/proc`` tells them (Linux; 0 elsewhere)."""
    total = _cpu_seconds(pid)
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:
            continue
        total += sum(_tree_cpu(int(child)) for child in children)
    return total


def _token(folder: Path) -> str:
    from ringmon.hub.serving.tokens import TokenStore

    store = TokenStore(folder)
    try:
        return store.add("bench", "analyst")
    finally:
        store.close()


def _stored(folder: Path) -> int:
    """Events in the hub's storage (read-only, as any WAL reader may)."""
    db = sqlite3.connect(f"file:{folder / 'events.sqlite3'}?mode=ro", uri=True, timeout=10.0)
    try:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        db.close()


def first_rows(
    employees: int, days: int, timeout: float, history: bool
) -> tuple[
    float | None, float | None, float | None, int, float | None, float | None, int, float | None
]:
    """(s to health, s to a full snapshot, s to the history loaded, events stored, the hub's
    CPU s at the full snapshot, its CPU s at the history loaded, today's events stored at
    the full snapshot, the hub process's own CPU s at the full snapshot); CPU s count the
    simulator's worker processes but the last."""
    folder = Path(tempfile.mkdtemp(prefix="ringmon-bench-demo-"))
    token = _token(folder)
    command = [sys.executable, "-m", "ringmon", "hub", "--port", "0", "--data", str(folder)]
    command += ["--source", "sim", "--employees", str(employees), "--seed", "1"]
    command += ["--backfill-days", str(days), "--tz", TZ]
    started = time.perf_counter()
    hub = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    health_s = rows_s = history_s = rows_cpu = history_cpu = hub_cpu = None
    events = today = 0
    try:
        assert hub.stdout is not None
        line = hub.stdout.readline()
        if not line.startswith("listening on "):
            return None, None, None, 0, None, None, 0, None
        url = line.removeprefix("listening on ").strip()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30.0) as http:
            deadline = started + timeout
            while time.perf_counter() < deadline:
                elapsed = time.perf_counter() - started
                try:
                    if health_s is None:
                        if http.get("/v1/health").status_code == 200:
                            health_s = elapsed
                    elif rows_s is None:
                        answer = http.get("/v1/snapshot")
                        if (
                            answer.status_code == 200
                            and len(answer.json()["employees"]) >= employees
                        ):
                            rows_s = time.perf_counter() - started
                            rows_cpu = _tree_cpu(hub.pid)
                            hub_cpu = _cpu_seconds(hub.pid)
                            # Today's events taken (stored or being stored behind the
                            # rows: hub/intake/backlog.py); the past days are not begun.
                            today = int(http.get("/v1/health").json()["events"])
                            if not history:
                                break
                    else:
                        if "loading" not in http.get("/v1/health").json():
                            history_s = elapsed
                            history_cpu = _tree_cpu(hub.pid)
                            events = _stored(folder)
                            break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
    finally:
        hub.terminate()
        try:
            hub.wait(30)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
        shutil.rmtree(folder, ignore_errors=True)
    return health_s, rows_s, history_s, events, rows_cpu, history_cpu, today, hub_cpu
