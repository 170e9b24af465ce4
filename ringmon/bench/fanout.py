"""Fan-out latency: from the moment a batch of events is committed to the moment the LAST of
``--clients`` WebSocket clients has received it (issue 10 item 3: p99 <= 50 ms for 200
clients at 1,000 events/s).

A hub (in a process of its own, on loopback, no sources) is fed ``--rate`` events/s by a task
inside it, which notes the ``time.monotonic()`` of every committed batch. The clients read in
``--workers`` other processes and note when each frame arrives (``time.monotonic()`` is one
clock for every process on Linux). For each batch the latency is the last client's receipt of
its newest event minus the commit; printed as p50 / p99 / max over the batches after a warm-up
second. Heavy load on the machine shows in the figures: the load average is printed with them.

The baseline, measured in the same run by the same clients: a bare ``websockets`` server
broadcasting the same frames (the same event JSON, a batch every ``flush_interval``) with
``websockets.broadcast`` and no compression, timed from the moment it starts the broadcast. The
ratio of the two p99 is the hub's own share, whatever the load.

The clients (``--client``): ``protocol`` (the default) reads each connection with websockets'
own protocol (sans-I/O) under an ``asyncio.Protocol`` and notes a frame's receipt when its bytes
arrive; ``tasks`` is a websockets asyncio client with a ``recv()`` task per connection, as
before: 100 tasks to wake per batch in a worker process, which costs as much as the hub's side
on this machine and is not the hub's (each real client has a process, usually a machine, of its
own).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from bisect import bisect_left
from collections.abc import Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

WARM_UP = 1.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench fanout",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=200, help="default 200")
    parser.add_argument("--rate", type=int, default=1000, help="events/s (default 1000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="default 10")
    parser.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    parser.add_argument(
        "--client", choices=CLIENTS, default="protocol", help="how clients read (see above)"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="measure the hub only, not the bare server"
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.rate < 1 or args.seconds <= WARM_UP or args.workers < 1:
        parser.error("--clients, --rate, --workers must be positive and --seconds > 1")
    baseline = None
    if not args.no_baseline:
        baseline = run(args.clients, args.rate, args.seconds, args.workers, args.client, bare=True)
    result = run(args.clients, args.rate, args.seconds, args.workers, args.client)
    print(report(result, baseline, args))
    return 0


CLIENTS = ("protocol", "tasks")
BATCH_INTERVAL = 0.05
"""The bare server's batches: the hub's ``flush_interval``."""


def run(
    clients: int, rate: int, seconds: float, workers: int, kind: str, *, bare: bool = False
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    hub_end, hub_conn = ctx.Pipe()
    target = _bare_process if bare else _hub_process
    hub = ctx.Process(target=target, args=(hub_conn, rate, seconds), daemon=True)
    hub.start()
    url, token = hub_end.recv()
    pipes: list[Connection] = []
    procs = []
    shares = [clients // workers + (1 if i < clients % workers else 0) for i in range(workers)]
    for share in (s for s in shares if s):
        end, conn = ctx.Pipe()
        proc = ctx.Process(
            target=_client_process, args=(conn, url, token, share, kind), daemon=True
        )
        proc.start()
        pipes.append(end)
        procs.append(proc)
    for end in pipes:
        end.recv()  # every client of that worker is connected
    hub_end.send("go")
    commits: list[tuple[int, float]] = hub_end.recv()
    written: list[list[tuple[int, float]]] = hub_end.recv()
    last_seq = commits[-1][0] if commits else 0
    for end in pipes:
        end.send(last_seq)
    receipts: list[list[tuple[int, float]]] = []
    for end in pipes:
        receipts.extend(end.recv())
    for proc in [hub, *procs]:
        proc.join(30)
    return {"commits": commits, "receipts": receipts, "written": written}


def latencies(
    commits: list[tuple[int, float]], receipts: list[list[tuple[int, float]]]
) -> list[float]:
    """Per committed batch (its last seq, its commit time): the last client's receipt - commit."""
    if not commits:
        return []
    start = commits[0][1] + WARM_UP
    out = []
    per_client = [([seq for seq, _ in r], [t for _, t in r]) for r in receipts]
    for seq, committed in commits:
        if committed < start:
            continue
        worst = 0.0
        for seqs, times in per_client:
            i = bisect_left(seqs, seq)
            if i == len(seqs):
                worst = float("inf")  # never received
                break
            worst = max(worst, times[i] - committed)
        out.append(worst)
    return out


def report(
    result: dict[str, Any], baseline: dict[str, Any] | None, args: argparse.Namespace
) -> str:
    lat = sorted(latencies(result["commits"], result["receipts"]))
    if not lat:
        return "no batches were measured"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    hub_side = sorted(latencies(result["commits"], result["written"]))
    lines = [
        f"fan-out: {args.clients} clients ({args.client} clients in {args.workers} processes), "
        f"{args.rate} events/s for {args.seconds:g} s, {len(lat)} committed batches measured",
        f"  hub: commit -> last client's receipt: {_quantiles(lat)} (target p99 <= 50 ms)",
        f"  hub: commit -> the hub hands it to the last client: {_quantiles(hub_side)}",
    ]
    if baseline is not None:
        bare = sorted(latencies(baseline["commits"], baseline["receipts"]))
        bare_side = sorted(latencies(baseline["commits"], baseline["written"]))
        lines += [
            f"  bare websockets broadcast: send -> last client's receipt: {_quantiles(bare)}",
            f"  bare websockets broadcast: its broadcast() call: {_quantiles(bare_side)}",
        ]
        if bare:
            ratio = _quantile(lat, 98) / max(_quantile(bare, 98), 1e-9)
            lines.append(f"  p99 hub / p99 bare broadcast: {ratio:.2f}")
    lines.append(f"load average after measuring: {load} on {os.cpu_count()} CPUs")
    return "\n".join(lines)


def _quantile(values: list[float], index: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[index]


def _quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    p50, p99 = _quantile(values, 49), _quantile(values, 98)
    return f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {values[-1] * 1000:.1f} ms"


# -- the hub's process -------------------------------------------------------------------


def _hub_process(conn: Connection, rate: int, seconds: float) -> None:
    asyncio.run(_hub_main(conn, rate, seconds))


async def _hub_main(conn: Connection, rate: int, seconds: float) -> None:
    from ringmon.hub.core import Hub
    from ringmon.hub.server import HubConfig, running_hub
    from ringmon.hub.serving import fanout
    from ringmon.model.schema import AccountUpsert, DeviceStatus, EmployeeUpsert, Registration

    commits: list[tuple[int, float]] = []
    written = Hub._written

    def noting(self: Hub, batch: Any, job: Any) -> Any:
        committed = time.monotonic()
        failure = written(self, batch, job)  # clients that keep up are written to here
        if failure is None and batch.events:
            commits.append((batch.events[-1][0], committed))
        return failure

    Hub._written = noting  # type: ignore[method-assign]
    # When the hub has handed each frame to each client: written at the commit (push) or
    # taken from the client's queue by its sender (pop): the hub's side of the latency.
    handed: dict[int, list[tuple[int, float]]] = {}
    pop = fanout.Subscriber.pop
    push = fanout.Subscriber.push

    def noting_push(self: fanout.Subscriber, frames: list[fanout.Frame]) -> None:
        before = self.last_sent
        push(self, frames)
        if self.last_sent > before:
            handed.setdefault(id(self), []).append((self.last_sent, time.monotonic()))

    def noting_pop(self: fanout.Subscriber) -> fanout.Frame | None:
        frame = pop(self)
        if frame is not None:
            handed.setdefault(id(self), []).append((frame.last, time.monotonic()))
        return frame

    fanout.Subscriber.push = noting_push  # type: ignore[method-assign]
    fanout.Subscriber.pop = noting_pop  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory(prefix="ringmon-fanout-") as folder:
        config = HubConfig(data=folder, port=0, sources=(), tz="UTC")
        async with running_hub(config, sources=[]) as server:
            hub = server.hub
            assert hub.tokens is not None
            conn.send((server.url, hub.tokens.add("bench", "analyst")))
            now = datetime.now(UTC)
            people = 50
            for i in range(people):
                await hub.emit(EmployeeUpsert(ts=now, id=f"e{i}", name=f"P {i}"), source="b")
                await hub.emit(AccountUpsert(ts=now, login=f"a{i}", employee=f"e{i}"), source="b")
            await loop.run_in_executor(None, conn.recv)  # "go"
            commits.clear()
            began = loop.time()
            sent = 0
            while (elapsed := loop.time() - began) < seconds:
                due = int(elapsed * rate)
                while sent < due:
                    status = (Registration.ONLINE, Registration.OFFLINE)[(sent // people) % 2]
                    event = DeviceStatus(
                        ts=datetime.now(UTC),
                        account=f"a{sent % people}",
                        device="d",
                        user_agent="bench",
                        status=status,
                    )
                    hub.accept(event, source="b")
                    sent += 1
                await asyncio.sleep(0.005)
            await hub.flush()
            await asyncio.sleep(1.0)  # the last batch reaches the clients
            conn.send(commits)
            conn.send(list(handed.values()))


# -- the baseline: a bare websockets server -----------------------------------------------


def _bare_process(conn: Connection, rate: int, seconds: float) -> None:
    asyncio.run(_bare_main(conn, rate, seconds))


async def _bare_main(conn: Connection, rate: int, seconds: float) -> None:
    """``websockets.broadcast`` of the hub's frames (the same event JSON, one JSON array per
    batch) every ``BATCH_INTERVAL``, uncompressed like the hub's."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    from ringmon.model.schema import DeviceStatus, Registration, dump_event

    people = 50
    clients: set[ServerConnection] = set()
    commits: list[tuple[int, float]] = []
    written: list[tuple[int, float]] = []

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    def body(seq: int) -> str:
        event = DeviceStatus(
            ts=datetime.now(UTC),
            account=f"a{seq % people}",
            device="d",
            user_agent="bench",
            status=(Registration.ONLINE, Registration.OFFLINE)[(seq // people) % 2],
        )
        return f'{{"seq":{seq},{dump_event(event)[1:]}'

    loop = asyncio.get_running_loop()
    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        conn.send((f"http://127.0.0.1:{port}", "none"))
        await loop.run_in_executor(None, conn.recv)  # "go"
        began = loop.time()
        sent = 0
        while (elapsed := loop.time() - began) < seconds:
            await asyncio.sleep(BATCH_INTERVAL)
            due = int(elapsed * rate)
            if due <= sent:
                continue
            bodies = [body(seq) for seq in range(sent + 1, due + 1)]
            sent = due
            text = bodies[0] if len(bodies) == 1 else "[" + ",".join(bodies) + "]"
            committed = time.monotonic()
            broadcast(clients, text)
            written.append((sent, time.monotonic()))
            commits.append((sent, committed))
        await asyncio.sleep(1.0)  # the last batch reaches the clients
        conn.send(commits)
        conn.send([written])


# -- the clients' processes --------------------------------------------------------------


def _client_process(conn: Connection, url: str, token: str, clients: int, kind: str) -> None:
    main = _protocol_clients_main if kind == "protocol" else _clients_main
    asyncio.run(main(conn, url, token, clients))


SEQ = b'{"seq":'


async def _protocol_clients_main(conn: Connection, url: str, token: str, clients: int) -> None:
    """Each connection read by websockets' sans-I/O protocol under an ``asyncio.Protocol``:
    a frame's receipt is noted when its bytes arrive, without a task to wake per client."""
    from websockets.client import ClientProtocol
    from websockets.frames import Frame, Opcode
    from websockets.http11 import Response
    from websockets.uri import parse_uri

    uri = parse_uri(url.replace("http", "ws", 1) + "/v1/feed")
    loop = asyncio.get_running_loop()

    class Reader(asyncio.Protocol):
        def __init__(self) -> None:
            self.ws = ClientProtocol(uri, max_size=None)
            self.receipts: list[tuple[int, float]] = []
            self.open: asyncio.Future[None] = loop.create_future()
            self.transport: asyncio.Transport | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self.transport = transport
            request = self.ws.connect()
            request.headers["Authorization"] = f"Bearer {token}"
            self.ws.send_request(request)
            self.flush()

        def data_received(self, data: bytes) -> None:
            t = time.monotonic()
            self.ws.receive_data(data)
            for event in self.ws.events_received():
                if isinstance(event, Frame):
                    if event.opcode is Opcode.TEXT:
                        text = bytes(event.data)
                        at = text.rfind(SEQ)
                        if at >= 0:  # (not a heartbeat)
                            end = text.index(b",", at)
                            self.receipts.append((int(text[at + len(SEQ) : end]), t))
                elif isinstance(event, Response) and not self.open.done():
                    self.open.set_result(None)
            self.flush()

        def flush(self) -> None:
            assert self.transport is not None
            for out in self.ws.data_to_send():
                if out:
                    self.transport.write(out)

    readers: list[Reader] = []
    for _ in range(clients):
        _, reader = await loop.create_connection(Reader, uri.host, uri.port)
        await reader.open
        readers.append(reader)
    conn.send("connected")
    await loop.run_in_executor(None, conn.recv)  # the server's last seq: everything was sent
    for reader in readers:
        assert reader.transport is not None
        reader.transport.close()
    conn.send([reader.receipts for reader in readers])


async def _clients_main(conn: Connection, url: str, token: str, clients: int) -> None:
    """A websockets asyncio client per connection, each read by a ``recv()`` task."""
    from websockets.asyncio.client import connect

    ws_url = url.replace("http", "ws", 1) + "/v1/feed"
    headers = {"Authorization": f"Bearer {token}"}
    receipts: list[list[tuple[int, float]]] = [[] for _ in range(clients)]
    conns = [
        await connect(ws_url, additional_headers=headers, max_size=None) for _ in range(clients)
    ]
    stop = asyncio.Event()

    async def read(ws: Any, into: list[tuple[int, float]]) -> None:
        marker = '{"seq":'
        while not stop.is_set():
            try:
                raw = await ws.recv()
            except Exception:
                return
            t = time.monotonic()
            text = raw if isinstance(raw, str) else raw.decode()
            at = text.rfind(marker)
            if at < 0:
                continue  # a heartbeat
            end = text.index(",", at)
            into.append((int(text[at + len(marker) : end]), t))

    tasks = [asyncio.create_task(read(ws, r)) for ws, r in zip(conns, receipts, strict=True)]
    loop = asyncio.get_running_loop()
    conn.send("connected")
    await loop.run_in_executor(None, conn.recv)  # the hub's last seq: everything was sent
    stop.set()
    for ws in conns:
        await ws.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send(receipts)
