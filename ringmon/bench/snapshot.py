"""``python -m ringmon.bench snapshot``: the cost of ``/v1/snapshot`` at 2,000 and 10,000
employees, the models' way (``snapshot_doc`` + ``model_dump_json``) beside the hub's
(``snapshot_json``, all written afresh) and the hub's writer (``SnapshotWriter``: each entity's
JSON kept until it changes) after 1 s of events at 1,000 events/s; then served: ``GET
/v1/snapshot`` from a real hub on loopback holding that state, as httpx reads it: the hub's
first (nothing written before: "cold") and after 1 s of events; its size, and gzip's cost and
size for comparison.

The state is a synthetic day (``ringmon.bench.synthetic``) applied up to 12:00, so that calls
are in progress and the tally follows calls just ended; "1 s of events" is the day's next
1,000. Each figure is the best of ``--repeat`` runs (the cold ones: of one run each, in a
fresh writer or hub). Target (issue 10): served in <= 0.3 s at 10,000 employees.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from datetime import time as day_time
from zoneinfo import ZoneInfo

from ringmon.bench.synthetic import synthetic_day
from ringmon.model.schema import Event, parse_event_obj
from ringmon.model.snapshot_writer import SnapshotWriter, snapshot_json
from ringmon.model.state import State
from ringmon.model.wire import snapshot_doc

TZ = "Europe/Warsaw"
DAY = date(2026, 3, 24)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench snapshot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(
        f"{'employees':>10}{'models s':>10}{'fresh s':>9}{'1 s on':>8}"
        f"{'served cold':>13}{'1 s on':>8}{'MB':>6}{'gzip-1 s':>10}{'gzip MB':>9}"
    )
    for employees in args.employees:
        measure(employees, args.repeat)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average while measuring: {load} on {os.cpu_count()} CPUs")
    return 0


def measure(employees: int, repeat: int) -> None:
    state, noon, later = midday(employees, 2 * repeat)
    models = best(repeat, lambda: snapshot_doc(state, noon, 1.0, TZ).model_dump_json())
    body = snapshot_json(state, noon, 1.0, TZ)
    fresh = best(repeat, lambda: snapshot_json(state, noon, 1.0, TZ))
    zipped = gzip.compress(body, 1)
    zip_s = best(repeat, lambda: gzip.compress(body, 1))
    writer = SnapshotWriter()
    writer.write(state, noon, 1.0, TZ)
    times = []
    for events in later[:repeat]:
        for event in events:
            state.apply(event)
        gc.collect()
        started = time.perf_counter()
        writer.write(state, state.clock, 1.0, TZ)
        times.append(time.perf_counter() - started)
    cold, warm = asyncio.run(serve(state, later[repeat:]))
    print(
        f"{employees:>10,}{models:>10.3f}{fresh:>9.3f}{min(times):>8.3f}{cold:>13.3f}"
        f"{warm:>8.3f}{len(body) / 1e6:>6.1f}{zip_s:>10.3f}{len(zipped) / 1e6:>9.2f}"
    )


async def serve(state: State, later: list[list[Event]]) -> tuple[float, float]:
    """Seconds for ``GET /v1/snapshot`` from a real hub on loopback holding ``state``, as a
    client reads it (httpx: the request, the hub's flush and encoding, the 8 MB transfer):
    the hub's first, then the best of the others, each after one part of ``later`` (1 s of
    events) applied to the hub's state."""
    import httpx

    from ringmon.hub.clock import ManualClock
    from ringmon.hub.server import HubConfig, running_hub

    with tempfile.TemporaryDirectory(prefix="ringmon-bench-snapshot-") as folder:
        config = HubConfig(data=folder, port=0, sources=(), tz=TZ)
        clock = ManualClock(state.clock)
        async with running_hub(config, clock=clock) as server:
            hub = server.hub
            hub.state = state  # as if its sources had built it (storage is not asked)
            hub._seq = hub.flushed_seq = state.seq
            assert hub.tokens is not None
            headers = {"Authorization": f"Bearer {hub.tokens.add('bench', 'analyst')}"}
            async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
                times = []
                for n in range(len(later) + 1):
                    if n:
                        for event in later[n - 1]:
                            state.apply(event)
                        hub._seq = hub.flushed_seq = state.seq
                        clock.set(state.clock)
                    gc.collect()
                    started = time.perf_counter()
                    response = await http.get("/v1/snapshot", timeout=60)
                    response.raise_for_status()
                    times.append(time.perf_counter() - started)
    return times[0], min(times[1:])


def midday(employees: int, steps: int) -> tuple[State, float, list[list[Event]]]:
    """The day's state at 12:00, and the next ``steps`` times 1,000 events (1 s each at
    1,000 events/s), parsed."""
    tz = ZoneInfo(TZ)
    noon = datetime.combine(DAY, day_time(12), tzinfo=tz).timestamp()
    state = State(tz)
    later: list[list[Event]] = []
    for raw in synthetic_day(employees, 1, DAY, tz):
        event = parse_event_obj(raw)
        if event.ts.timestamp() <= noon:
            state.apply(event)
            continue
        if not later or len(later[-1]) == SECOND:
            if len(later) == steps:
                break
            later.append([])
        later[-1].append(event)
    return state, noon, later


SECOND = 1_000
"""Events in 1 s at 1,000 events/s."""


def best(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)
