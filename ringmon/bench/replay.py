"""``python -m ringmon.bench replay``: the board at a past moment, at 2,000 employees.

A synthetic day (``ringmon.bench.synthetic``) is stored by a hub the way a live one stores it
(``Hub.accept``, flushed every ``--batch`` events; the store takes its hourly snapshots as event
time crosses each hour), then served on loopback. ``GET /v1/replay?at=`` is measured at
``--moments`` random moments of the day (seeded: the same ones every run), first with the store's
hourly snapshots only (as before hub/storage/checkpoints.py filled in between), then with the
snapshots the hub fills in (``SnapshotFiller``, run here at full speed instead of in the hub's paced
background rounds). For each, over the moments:

- ``p50 s``, ``worst s``: the answer as httpx reads it (all of it, plus the transfer);
- ``x snap``: the median and the worst of each answer over ``GET /v1/snapshot`` of the live
  state measured just before it (so a busy moment of a shared machine weighs on both): the
  figure to compare across machines;
- ``events``: the most stored events a moment applied after its snapshot;
- ``at ref s``: the worst scaled to a machine where ``json.loads`` reads ``REFERENCE_LOADS``
  of these events a second (issue 10's quiet 2-core machine), measured in the same run.

Then the worst moment taken apart, in-process (``hub.replay``'s steps): ``decode`` (the
snapshot read into a ``State``), ``apply`` (the events read, parsed and applied by the model),
``encode`` (the document written). Target (issue 13): well under a second for a 2,000-employee
day. ``--data DIR`` keeps the stored day (filled, after a run) for the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ringmon.bench.synthetic import synthetic_day
from ringmon.model.schema import parse_event_obj

TZ = "Europe/Warsaw"
REFERENCE_LOADS = 370_000.0
"""json.loads of these events a second on issue 10's machine (330,000-410,000 measured)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench replay",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=2_000)
    parser.add_argument("--moments", type=int, default=30, help="random moments of the day")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=3, help="tries of the live snapshot")
    parser.add_argument("--batch", type=int, default=500, help="events per flush when storing")
    parser.add_argument("--data", help="a folder to store the day in and reuse (else a temp one)")
    args = parser.parse_args(argv)
    if args.data:
        asyncio.run(run(args, Path(args.data)))
    else:
        with tempfile.TemporaryDirectory(prefix="ringmon-bench-replay-") as folder:
            asyncio.run(run(args, Path(folder)))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average while measuring: {load} on {os.cpu_count()} CPUs")
    return 0


def bench_day() -> datetime:
    """A recent past day, so that retention and the future check leave it alone."""
    today = datetime.now(ZoneInfo(TZ)).date()
    return datetime.combine(today - timedelta(days=2), day_time(0), tzinfo=ZoneInfo(TZ))


def random_moments(midnight: datetime, count: int, seed: int) -> list[float]:
    """``count`` moments of the day, to the second (the same for a seed)."""
    pick = random.Random(seed)
    start = midnight.timestamp()
    return sorted(start + pick.randrange(86_400) for _ in range(count))


async def store_day(folder: Path, employees: int, batch: int, midnight: datetime) -> None:
    from ringmon.hub.clock import ManualClock
    from ringmon.hub.core import Hub

    started = time.perf_counter()
    hub = Hub(folder, tz_name=TZ, clock=ManualClock(midnight.timestamp() + 90_000))
    await asyncio.to_thread(hub.open)
    stored = 0
    for raw in synthetic_day(employees, 1, midnight.date(), ZoneInfo(TZ)):
        if hub.accept(parse_event_obj(raw), source="bench"):
            stored += 1
            if stored % batch == 0:
                await hub.flush()
    await hub.flush()
    await hub.stop()
    print(f"{stored:,} events stored in {time.perf_counter() - started:.1f} s")


async def run(args: argparse.Namespace, folder: Path) -> None:
    import httpx

    from ringmon.hub.clock import ManualClock
    from ringmon.hub.server import HubConfig, running_hub
    from ringmon.hub.storage import checkpoints

    midnight = bench_day()
    data = folder / f"day-{args.employees}"
    if not (data / "events.sqlite3").exists():
        await store_day(data, args.employees, args.batch, midnight)
    # The bench fills the snapshots itself, between its two rounds, at full speed.
    checkpoints.FILL_AFTER_SECONDS = 10.0**9
    config = HubConfig(data=data, port=0, sources=(), tz=TZ)
    async with running_hub(config, clock=ManualClock(midnight.timestamp() + 90_000)) as server:
        hub = server.hub
        assert hub.tokens is not None and hub.storage is not None
        storage = hub.storage
        every = checkpoints.events_between(len(hub.state.employees))
        filler = checkpoints.SnapshotFiller(storage, hub.tz, TZ, hub.snapshot_interval, every, 1)
        print(f"{args.employees:,} employees, {hub.seq:,} events; a snapshot every {every:,}")
        key = hub.tokens.add(f"bench-{time.time_ns()}", "analyst")  # a kept folder has older ones
        headers = {"Authorization": f"Bearer {key}"}
        moments = random_moments(midnight, args.moments, args.seed)
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120) as http:
            live = await best(args.repeat, lambda: http.get("/v1/snapshot"))
            loads = await asyncio.to_thread(loads_rate, hub)
            scale = loads / REFERENCE_LOADS
            print(f"GET /v1/snapshot (live state, the baseline): {live:.3f} s")
            print(f"json.loads of the stored events: {loads:,.0f}/s (x{scale:.2f} the reference)")
            print(f"{len(moments)} random moments (seed {args.seed}):")
            print(
                f"{'snapshots':>28}{'p50 s':>8}{'worst s':>9}{'x snap':>13}"
                f"{'events':>8}{'at ref s':>10}"
            )
            hourly_only = await asyncio.to_thread(filler.missing)
            if hourly_only:
                await measure(http, hub, moments, scale, "the store's hourly only")
                started = time.perf_counter()
                written = await asyncio.to_thread(filler.fill)
                took = time.perf_counter() - started
                print(f"{'':>4}(filled in: {written} snapshots in {took:.1f} s)")
            worst = await measure(http, hub, moments, scale, "hourly + filled in")
        parts = [await asyncio.to_thread(steps, hub, worst) for _ in range(args.repeat)]
        decode, apply, encode = (min(p[i] for p in parts) for i in (1, 2, 3))
        moment = datetime.fromtimestamp(worst, ZoneInfo(TZ)).strftime("%H:%M:%S")
        print(
            f"the worst moment, {moment}, in-process: {parts[0][0]:,} events; decode "
            f"{decode:.3f} s, apply {apply:.3f} s, encode {encode:.3f} s"
        )


async def measure(http: Any, hub: Any, moments: list[float], scale: float, label: str) -> float:
    """Serve every moment once; print the row; returns the slowest moment."""
    from ringmon.hub.serving.replay import seq_at

    served: list[tuple[float, float]] = []
    ratios: list[float] = []
    most = 0
    for at in moments:
        iso = datetime.fromtimestamp(at, ZoneInfo(TZ)).isoformat()
        beside = await best(1, lambda: http.get("/v1/snapshot"))
        took = await best(1, lambda iso=iso: http.get("/v1/replay", params={"at": iso}))  # type: ignore[misc]
        served.append((took, at))
        ratios.append(took / beside)
        found = hub.storage.snapshot_before(at)
        start = found[0] if found is not None else 0
        most = max(most, seq_at(hub.storage, at, 0) - start)
    times = [took for took, _ in served]
    p50, worst = statistics.median(times), max(times)
    print(
        f"{label:>28}{p50:>8.3f}{worst:>9.3f}"
        f"{statistics.median(ratios):>6.1f}/{max(ratios):<6.1f}"
        f"{most:>8,}{worst * scale:>10.3f}"
    )
    return max(served)[1]


def loads_rate(hub: Any) -> float:
    """json.loads of 50,000 stored events, a second (the best of three)."""
    import json

    bodies = [body for rows in hub.storage.iter_events(0, 50_000) for _, body in rows]
    times = []
    for _ in range(3):
        started = time.perf_counter()
        for body in bodies:
            json.loads(body)
        times.append(time.perf_counter() - started)
    return len(bodies) / min(times)


def steps(hub: Any, at: float) -> tuple[int, float, float, float]:
    """``hub.replay.state_at`` taken apart: (events applied, decode s, apply s, encode s)."""
    from ringmon.hub.serving.replay import seq_at
    from ringmon.model.schema import parse_event
    from ringmon.model.snapshot_reader import SnapshotReading
    from ringmon.model.snapshot_writer import snapshot_json
    from ringmon.model.state import State

    storage = hub.storage
    started = time.perf_counter()
    upto = seq_at(storage, at, 0)
    found = storage.snapshot_before(at)
    start = found[0] if found is not None else 0
    state = SnapshotReading(found[2]).state(hub.tz) if found is not None else State(hub.tz)
    decoded = time.perf_counter()
    for rows in storage.iter_events(start, upto, batch=5000):
        for _, body in rows:
            state.apply(parse_event(body))
    applied = time.perf_counter()
    snapshot_json(state, at, 1.0, TZ)
    encoded = time.perf_counter()
    return upto - start, decoded - started, applied - decoded, encoded - applied


async def best(repeat: int, call: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await call()
        response.raise_for_status()
        times.append(time.perf_counter() - started)
    return min(times)
