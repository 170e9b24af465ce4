"""``python -m ringmon.bench replay``: the board at a past moment, at 2,000 employees.

A synthetic day (``ringmon.bench.synthetic``) is stored by a hub the way a live one stores it
(``Hub.accept``, flushed in batches; the store takes its hourly snapshots as event time
crosses each hour), then served on loopback. For moments across the day, each figure the best
of ``--repeat``:

- ``served s``: ``GET /v1/replay?at=`` as httpx reads it (the hub's whole work plus transfer);
- ``build s``: the same state rebuilt in-process (``hub.replay.state_at``), its part of it;
- ``events``: how many stored events were applied after the snapshot;
- beside them, ``GET /v1/snapshot`` of the live state (the baseline: the same document's cost
  when no rebuilding is needed) and the ratio.

Moments just before an hour (``:59``) are the worst case: the most events after a snapshot.
Target (issue 13): well under a second for a 2,000-employee day.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from zoneinfo import ZoneInfo

from ringmon.bench.synthetic import synthetic_day
from ringmon.model.schema import parse_event_obj

TZ = "Europe/Warsaw"
MOMENTS = ("07:30", "09:59", "12:30", "14:59", "16:05", "19:59")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench replay",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--moments", nargs="+", default=list(MOMENTS), metavar="HH:MM")
    args = parser.parse_args(argv)
    asyncio.run(run(args.employees, args.repeat, args.moments))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average while measuring: {load} on {os.cpu_count()} CPUs")
    return 0


def _day() -> datetime:
    """A recent past day, so that retention and the future check leave it alone."""
    today = datetime.now(ZoneInfo(TZ)).date()
    return datetime.combine(today - timedelta(days=2), day_time(0), tzinfo=ZoneInfo(TZ))


async def run(employees: int, repeat: int, moments: list[str]) -> None:
    import httpx

    from ringmon.hub.clock import ManualClock
    from ringmon.hub.core import Hub
    from ringmon.hub.replay import seq_at, state_at
    from ringmon.hub.server import HubConfig, running_hub

    tz = ZoneInfo(TZ)
    midnight = _day()
    end_of_day = midnight.timestamp() + 86_400 + 3600
    with tempfile.TemporaryDirectory(prefix="ringmon-bench-replay-") as folder:
        data = Path(folder) / "data"
        started = time.perf_counter()
        hub = Hub(data, tz_name=TZ, clock=ManualClock(end_of_day))
        await asyncio.to_thread(hub.open)
        stored = 0
        for raw in synthetic_day(employees, 1, midnight.date(), tz):
            if hub.accept(parse_event_obj(raw), source="bench"):
                stored += 1
            if stored % 5000 == 0:
                await hub.flush()
        await hub.flush()
        storage = hub.storage
        assert storage is not None
        snapshots = len(storage.snapshot_times())
        await hub.stop()
        print(
            f"{stored:,} events of {employees:,} employees stored in "
            f"{time.perf_counter() - started:.1f} s, {snapshots} hourly snapshots"
        )

        config = HubConfig(data=data, port=0, sources=(), tz=TZ)
        async with running_hub(config, clock=ManualClock(end_of_day)) as server:
            served_hub = server.hub
            assert served_hub.tokens is not None and served_hub.storage is not None
            token = served_hub.tokens.add("bench", "analyst")
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
                live = await _best(repeat, lambda: http.get("/v1/snapshot", timeout=60))
                print(f"GET /v1/snapshot (live, the baseline): {live:.3f} s")
                print(f"{'moment':>7}{'events':>8}{'build s':>9}{'served s':>10}{'x snap':>8}")
                for text in moments:
                    hour, minute = (int(part) for part in text.split(":"))
                    at = midnight.replace(hour=hour, minute=minute).timestamp()
                    found = served_hub.storage.snapshot_before(at)
                    upto = seq_at(served_hub.storage, at, 0)
                    applied = upto - (found[0] if found is not None else 0)
                    build = await _best_sync(
                        repeat,
                        lambda at=at: state_at(served_hub.storage, 0, None, at, served_hub.tz),
                    )
                    iso = datetime.fromtimestamp(at, tz).isoformat()
                    served = await _best(
                        repeat, lambda iso=iso: http.get("/v1/replay", params={"at": iso})
                    )
                    print(
                        f"{text:>7}{applied:>8,}{build:>9.3f}{served:>10.3f}{served / live:>8.2f}"
                    )


async def _best(repeat: int, call: object) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await call()  # type: ignore[operator]
        response.raise_for_status()
        times.append(time.perf_counter() - started)
    return min(times)


async def _best_sync(repeat: int, call: object) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await asyncio.to_thread(call)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
    return min(times)
