"""``python -m ringmon.bench replay``: the board at a past moment, at 2,000 employees.

A synthetic day (``ringmon.bench.synthetic``) is stored by a hub the way a live one stores it
(``Hub.accept``, flushed every ``--batch`` events; the store takes its hourly snapshots as
event time crosses each hour), then served on loopback. For moments across the day, each
figure the best of ``--repeat``:

- ``events``: stored events applied after the snapshot the moment starts from;
- ``decode``, ``apply``, ``encode``: the hub's work, in-process (``hub.replay``'s steps): the
  snapshot read and turned into a ``State``, the events read, parsed and applied by the model,
  the document written;
- ``served``: ``GET /v1/replay?at=`` as httpx reads it (all of it, plus the transfer), and
  ``x snap``: that over ``GET /v1/snapshot`` of the live state measured in the same run;
- ``json.loads`` of the stored events, measured in the same run: the machine's speed. The
  last column scales ``served`` to a machine where ``json.loads`` reads ``REFERENCE_LOADS``
  events a second (issue 10's quiet 2-core machine), for figures comparable across runs.

Moments just before an hour (``:59``) are the worst case: the most events after a snapshot;
the synthetic day's busiest hours carry some 25,000 events. Target (issue 13): well under a
second for a 2,000-employee day. ``--data DIR`` keeps the stored day for the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
MOMENTS = ("07:30", "09:59", "11:30", "14:59", "16:05", "19:59")
REFERENCE_LOADS = 370_000.0
"""json.loads of these events a second on issue 10's machine (330,000-410,000 measured)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench replay",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500, help="events per flush when storing")
    parser.add_argument("--moments", nargs="+", default=list(MOMENTS), metavar="HH:MM")
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

    midnight = bench_day()
    data = folder / f"day-{args.employees}"
    if not (data / "events.sqlite3").exists():
        await store_day(data, args.employees, args.batch, midnight)
    config = HubConfig(data=data, port=0, sources=(), tz=TZ)
    async with running_hub(config, clock=ManualClock(midnight.timestamp() + 90_000)) as server:
        hub = server.hub
        assert hub.tokens is not None and hub.storage is not None
        print(
            f"{args.employees:,} employees, {hub.seq:,} events, "
            f"{len(hub.storage.snapshot_times())} hourly snapshots"
        )
        key = hub.tokens.add(f"bench-{time.time_ns()}", "analyst")  # a kept folder has older ones
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120) as http:
            live = await best(args.repeat, lambda: http.get("/v1/snapshot"))
            loads = await asyncio.to_thread(loads_rate, hub)
            scale = loads / REFERENCE_LOADS
            print(f"GET /v1/snapshot (live state, the baseline): {live:.3f} s")
            print(f"json.loads of the stored events: {loads:,.0f}/s (x{scale:.2f} the reference)")
            print(
                f"{'moment':>7}{'events':>8}{'decode':>8}{'apply':>8}{'encode':>8}"
                f"{'served s':>10}{'x snap':>8}{'at ref s':>10}"
            )
            for text in args.moments:
                hour, minute = (int(part) for part in text.split(":"))
                at = midnight.replace(hour=hour, minute=minute).timestamp()
                parts = [await asyncio.to_thread(steps, hub, at) for _ in range(args.repeat)]
                events = parts[0][0]
                decode, apply, encode = (min(p[i] for p in parts) for i in (1, 2, 3))
                iso = datetime.fromtimestamp(at, ZoneInfo(TZ)).isoformat()
                served = await best(
                    args.repeat,
                    lambda iso=iso: http.get("/v1/replay", params={"at": iso}),  # type: ignore[misc]
                )
                print(
                    f"{text:>7}{events:>8,}{decode:>8.3f}{apply:>8.3f}{encode:>8.3f}"
                    f"{served:>10.3f}{served / live:>8.2f}{served * scale:>10.3f}"
                )


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
    from ringmon.hub.replay import seq_at
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
