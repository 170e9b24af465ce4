"""``python -m ringmon.bench snapshot``: the cost of ``/v1/snapshot`` at 2,000 and 10,000 employees,
the models' way (``snapshot_doc`` + ``model_dump_json``) beside the hub's (``snapshot_json``); then
served: ``GET /v1/snapshot`` from a real hub on loopback holding that state, as httpx reads it
(plain: the hub gzips only across a network, hub/serving/compression.py); its size, and gzip's cost
and size (what a client across a network gets).

The state is a synthetic day (``ringmon.bench.synthetic``) applied up to 12:00, so that calls
are in progress and the tally follows calls just ended. Each figure is the best of
``--repeat`` runs. Target (issue 10): served in <= 0.3 s at 10,000 employees.

Beside the wall times, for a shared machine: the CPU seconds of this process (hub and client
share it) for one served snapshot, and an in-run baseline, ``json.loads`` of the same body
(CPU s): ``served cpu / loads`` is comparable whatever the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from datetime import time as day_time
from zoneinfo import ZoneInfo

from ringmon.bench.synthetic import synthetic_day
from ringmon.model.schema import parse_event_obj
from ringmon.model.snapshot_writer import snapshot_json
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
        f"{'employees':>10}{'models s':>10}{'hub s':>8}{'served s':>9}{'MB':>7}"
        f"{'gzip-1 s':>10}{'gzip MB':>9}{'cpu s':>8}{'loads s':>9}{'cpu/loads':>10}"
        f"{'again s':>8}"
    )
    for employees in args.employees:
        measure(employees, args.repeat)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average while measuring: {load} on {os.cpu_count()} CPUs")
    return 0


def measure(employees: int, repeat: int) -> None:
    state, noon = midday(employees)
    models = best(repeat, lambda: snapshot_doc(state, noon, 1.0, TZ).model_dump_json())
    body = snapshot_json(state, noon, 1.0, TZ)
    fast = best(repeat, lambda: snapshot_json(state, noon, 1.0, TZ))
    zipped = gzip.compress(body, 1)
    zip_s = best(repeat, lambda: gzip.compress(body, 1))
    loads = best(repeat, lambda: json.loads(body), time.process_time)
    served, served_cpu, again = asyncio.run(serve(state, noon, repeat))
    print(
        f"{employees:>10,}{models:>10.3f}{fast:>8.3f}{served:>9.3f}{len(body) / 1e6:>7.1f}"
        f"{zip_s:>10.3f}{len(zipped) / 1e6:>9.2f}{served_cpu:>8.3f}{loads:>9.3f}"
        f"{served_cpu / loads:>10.2f}{again:>8.3f}"
    )


async def serve(state: State, noon: float, repeat: int) -> tuple[float, float, float]:
    """Seconds for ``GET /v1/snapshot`` from a real hub on loopback holding ``state``, as a
    client reads it (httpx: the request, the hub's flush and encoding, the transfer); and the
    CPU seconds of this process for it (best of each); and the wall seconds of one asked
    again at once (the hub serves the one it just made: clients asking together)."""
    import httpx

    from ringmon.hub.clock import ManualClock
    from ringmon.hub.core import SNAPSHOT_REUSE
    from ringmon.hub.server import HubConfig, running_hub

    with tempfile.TemporaryDirectory(prefix="ringmon-bench-snapshot-") as folder:
        config = HubConfig(data=folder, port=0, sources=(), tz=TZ)
        clock = ManualClock(noon)
        async with running_hub(config, clock=clock) as server:
            hub = server.hub
            hub.state = state  # as if its sources had built it (storage is not asked)
            hub._seq = hub.flushed_seq = state.seq
            assert hub.tokens is not None
            headers = {"Authorization": f"Bearer {hub.tokens.add('bench', 'analyst')}"}
            async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
                await http.get("/v1/whoami")  # the connection is made before timing
                times, cpu = [], []
                for _ in range(repeat):
                    # A snapshot made afresh each time (the hub serves the last one again
                    # for a second while no event comes: that is ``again`` below).
                    clock.advance(SNAPSHOT_REUSE)
                    started, cpu_started = time.perf_counter(), time.process_time()
                    response = await http.get("/v1/snapshot", timeout=60)
                    response.raise_for_status()
                    times.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - cpu_started)
                again = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    (await http.get("/v1/snapshot", timeout=60)).raise_for_status()
                    again.append(time.perf_counter() - started)
    return min(times), min(cpu), min(again)


def midday(employees: int) -> tuple[State, float]:
    tz = ZoneInfo(TZ)
    noon = datetime.combine(DAY, day_time(12), tzinfo=tz).timestamp()
    state = State(tz)
    for raw in synthetic_day(employees, 1, DAY, tz):
        event = parse_event_obj(raw)
        if event.ts.timestamp() > noon:
            break
        state.apply(event)
    return state, noon


def best(
    repeat: int, fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter
) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        started = clock()
        fn()
        times.append(clock() - started)
    return min(times)
