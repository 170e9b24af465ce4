"""Hubs on a shared log in NATS JetStream against one hub on SQLite, on the same load, in one
run (issue 14 item 5): events/s through the log to a feed client, and the latency an event
sees from its push to its arrival at the client (p50/p99), with the cluster's ratios.

Two setups, one after the other, each with fresh data:

- **sqlite**: one ``ringmon hub`` process (its own SQLite log), the pusher and the client on it;
- **cluster**: a 3-node ``nats-server`` cluster on loopback (ringmon/bench/nats_cluster.py),
  two ``ringmon hub --log nats://...`` processes (the stream with 3 replicas); the pusher
  writes to hub A, one client follows hub A and one hub B (an event crosses the stream to
  reach B, as it does to reach A: every hub applies what it reads from the stream).

The load goes through the push API (``POST /v1/ingest``, a ``source`` token): first a team
of ``--employees`` (employee, account, an online device each), then

1. **throughput**: ``--events`` status changes in requests of 1,000 (two in flight), timed
   from the first request to the client's applying the last event;
2. **latency**: ``--rate`` events/s for ``--seconds`` (a request every 50 ms), each event
   dated when it is sent (``ts``): latency = the client's wall clock when it applied it
   minus ``ts`` (one clock: same machine). The first second is a warm-up, left out.

The clients are ringmon's own feed client (``FeedClient``: a REST snapshot, then the
WebSocket feed, each event applied to a ``State``), in this process. Heavy load on the
machine shows in the figures: the load average is printed with them; the ratios are what
to read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ringmon.bench.nats_cluster import ClusterError, nats_cluster, nats_server

if TYPE_CHECKING:
    from ringmon.feed.connection import Connection
    from ringmon.model.schema import Event
    from ringmon.model.state import State

REQUEST_EVENTS = 1000
PACE = 0.05
"""Seconds between the latency phase's requests (the hub's flush interval)."""
WARM_UP = 1.0
START_SECONDS = 120.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench cluster",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=200, help="default 200")
    parser.add_argument(
        "--events", type=int, default=20_000, help="throughput phase (default 20,000)"
    )
    parser.add_argument("--rate", type=int, default=500, help="latency phase, events/s (500)")
    parser.add_argument("--seconds", type=float, default=10.0, help="latency phase (10)")
    args = parser.parse_args(argv)
    if min(args.employees, args.events, args.rate) < 1 or args.seconds <= WARM_UP:
        parser.error("--employees, --events, --rate must be positive and --seconds > 1")
    if nats_server() is None:
        print("nats-server is not installed (Debian: apt-get install nats-server)", file=sys.stderr)
        return 2
    try:
        results = asyncio.run(_run(args))
    except ClusterError as exc:
        print(f"ringmon bench cluster: {exc}", file=sys.stderr)
        return 1
    print(report(results, args))
    return 0


@dataclass
class Result:
    setup: str
    client: str
    events_per_second: float
    latencies: list[float] = field(default_factory=list)  # seconds

    def percentile(self, p: float) -> float:
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else 0.0


async def _run(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    for setup in ("sqlite", "cluster"):
        with tempfile.TemporaryDirectory(prefix=f"ringmon-bench-{setup}-") as folder:
            async with _hubs(setup, Path(folder)) as (push_url, client_urls, tokens):
                results += await _measure(setup, push_url, client_urls, tokens, args)
    return results


@asynccontextmanager
async def _hubs(
    setup: str, folder: Path
) -> AsyncIterator[tuple[str, dict[str, str], tuple[str, str]]]:
    """(the URL pushed to, {client name: URL}, (reader token, source token))."""
    from ringmon.hub.serving.tokens import TokenStore

    names = ["hub"] if setup == "sqlite" else ["hub-a", "hub-b"]
    data = [folder / name for name in names]
    for path in data:
        path.mkdir()
    store = TokenStore(data[0])
    tokens = store.add("bench", "analyst"), store.add("pusher", "source")
    store.close()
    async with AsyncExitStack() as stack:
        log: list[str] = []
        if setup == "cluster":
            cluster = await stack.enter_async_context(nats_cluster(folder / "nats"))
            log = ["--log", cluster.url]
        urls = await asyncio.gather(*(_start_hub(stack, path, log) for path in data))
        clients = {"hub A" if setup == "cluster" else "hub": urls[0]}
        if setup == "cluster":
            clients["hub B"] = urls[1]
        yield urls[0], clients, tokens


async def _start_hub(stack: AsyncExitStack, data: Path, log: list[str]) -> str:
    args = [sys.executable, "-m", "ringmon", "hub", "--port", "0", "--data", str(data), *log]
    process = await asyncio.create_subprocess_exec(
        *args,
        "--tz",
        "UTC",
        stdout=asyncio.subprocess.PIPE,
        stderr=(data.parent / f"{data.name}.log").open("ab"),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stack.push_async_callback(_stop, process)
    assert process.stdout is not None
    async with asyncio.timeout(START_SECONDS):
        line = (await process.stdout.readline()).decode()
    if not line.startswith("listening on "):
        said = (data.parent / f"{data.name}.log").read_text()[-2000:]
        raise ClusterError(f"a hub did not start: {said}")
    return line.removeprefix("listening on ").strip()


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            async with asyncio.timeout(30):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


class Arrivals:
    """A feed listener noting when each pushed status change arrived (wall clock)."""

    def __init__(self) -> None:
        self.count = 0
        self.latencies: list[float] = []
        self.measuring = False
        self.changed = asyncio.Event()
        self.target: int | None = None
        self.reached_at: float | None = None  # perf_counter() when ``target`` events came

    def feed_snapshot(self, state: State) -> None:
        self.changed.set()

    def feed_events(self, events: list[Event], employees: set[str]) -> None:
        now = time.time()
        for event in events:
            if event.type == "device.status":
                self.count += 1
                if self.measuring:
                    self.latencies.append(now - event.ts.timestamp())
        if self.target is not None and self.reached_at is None and self.count >= self.target:
            self.reached_at = time.perf_counter()
        self.changed.set()

    def feed_connection(self, connection: Connection) -> None:
        pass

    async def wait_for(self, count: int, timeout: float = 300.0) -> None:
        async with asyncio.timeout(timeout):
            while self.count < count:
                self.changed.clear()
                await self.changed.wait()


def _team(employees: int) -> list[dict[str, object]]:
    ts = datetime.now(UTC).isoformat()
    out: list[dict[str, object]] = []
    for i in range(employees):
        out += [
            {"type": "employee.upsert", "ts": ts, "id": f"e{i}", "name": f"Bench {i}"},
            {"type": "account.upsert", "ts": ts, "login": f"s{i}", "employee": f"e{i}"},
        ]
    return out


def _statuses(start: int, count: int, employees: int) -> list[dict[str, object]]:
    """Status changes, dated now: device ``d`` of account ``s{n % employees}``, online and
    offline in turn (each one a change)."""
    ts = datetime.now(UTC).isoformat()
    return [
        {
            "type": "device.status",
            "ts": ts,
            "account": f"s{n % employees}",
            "device": "d",
            "status": "online" if (n // employees) % 2 == 0 else "offline",
        }
        for n in range(start, start + count)
    ]


async def _measure(
    setup: str,
    push_url: str,
    client_urls: dict[str, str],
    tokens: tuple[str, str],
    args: argparse.Namespace,
) -> list[Result]:
    from ringmon.feed.client import FeedClient

    reader, source = tokens
    async with httpx.AsyncClient(
        base_url=push_url, timeout=60.0, headers={"Authorization": f"Bearer {source}"}
    ) as http:

        async def push(events: list[dict[str, object]]) -> None:
            answer = await http.post("/v1/ingest", json=events)
            if answer.status_code != 200:
                raise ClusterError(f"the push was refused: {answer.status_code} {answer.text}")

        for first in range(0, 2 * args.employees, REQUEST_EVENTS):
            await push(_team(args.employees)[first : first + REQUEST_EVENTS])
        listeners = {name: Arrivals() for name in client_urls}
        tasks = [
            asyncio.create_task(FeedClient(url, reader, None, listeners[name]).run())
            for name, url in client_urls.items()
        ]
        try:
            sent = 0
            for listener in listeners.values():
                listener.target = args.events
            # throughput: two requests in flight, as a busy source would keep them
            started = time.perf_counter()
            pending: set[asyncio.Task[None]] = set()
            while sent < args.events:
                count = min(REQUEST_EVENTS, args.events - sent)
                pending.add(asyncio.create_task(push(_statuses(sent, count, args.employees))))
                sent += count
                if len(pending) >= 2:
                    done, pending = await asyncio.wait(pending, return_when="FIRST_COMPLETED")
                    for task in done:
                        task.result()
            for task in pending:
                await task
            rates: dict[str, float] = {}
            for name, listener in listeners.items():
                await listener.wait_for(sent)
                assert listener.reached_at is not None
                rates[name] = args.events / (listener.reached_at - started)
            # latency: a steady rate, each event dated when sent
            per_request = max(1, round(args.rate * PACE))
            loop = asyncio.get_running_loop()
            begin = loop.time()
            warm = begin + WARM_UP
            ticks = int(args.seconds / PACE)
            for tick in range(ticks):
                await asyncio.sleep(max(0.0, begin + tick * PACE - loop.time()))
                if loop.time() >= warm:
                    for listener in listeners.values():
                        listener.measuring = True
                await push(_statuses(sent, per_request, args.employees))
                sent += per_request
            for listener in listeners.values():
                await listener.wait_for(sent)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return [
        Result(setup, name, rates[name], listener.latencies) for name, listener in listeners.items()
    ]


def report(results: list[Result], args: argparse.Namespace) -> str:
    base = results[0]
    lines = [
        f"cluster bench: {args.employees} employees; throughput {args.events:,} events in "
        f"requests of {REQUEST_EVENTS:,}; latency {args.rate} events/s for {args.seconds:g} s "
        f"(load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs)",
        f"{'setup':10}{'client on':11}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'x ev/s':>9}{'x p50':>8}{'x p99':>8}",
    ]
    for result in results:
        p50, p99 = result.percentile(50) * 1000, result.percentile(99) * 1000
        b50, b99 = base.percentile(50) * 1000, base.percentile(99) * 1000
        lines.append(
            f"{result.setup:10}{result.client:11}{result.events_per_second:>10,.0f}"
            f"{p50:>9.1f}{p99:>9.1f}"
            f"{result.events_per_second / base.events_per_second:>9.2f}"
            f"{p50 / b50 if b50 else 0:>8.2f}{p99 / b99 if b99 else 0:>8.2f}"
        )
    cluster = [r for r in results if r.setup == "cluster"]
    if cluster:
        added = [
            f"{r.client}: {(r.percentile(50) - base.percentile(50)) * 1000:+.1f} ms p50, "
            f"{(r.percentile(99) - base.percentile(99)) * 1000:+.1f} ms p99"
            for r in cluster
        ]
        lines.append("added latency of the cluster: " + "; ".join(added))
    lines.append(f"latency samples: {', '.join(str(len(r.latencies)) for r in results)}")
    return "\n".join(lines)
