"""Two hubs on one event log in a 3-node NATS JetStream cluster (``ringmon hub --log
nats://...``), a simulator source (seeded) that runs once for the cluster, feed clients on
both hubs (``ringmon --url A,B`` as the TUI runs it: real WebSockets), and a writer on the
push API:

1. kill -9 the hub that runs the source: its client resumes on the other hub with no gap and
   no repeat (one snapshot, seqs strictly rising), holds the same board as the client that
   was there all along, and the source moves there (its lease);
2. kill -9 a NATS node: every write a hub acknowledged is kept, and writes go on;
3. start the hub and the node again: both hubs converge on the same snapshot.

Prints the failover time a client sees: from the kill to the first live event from the other
hub. Every wait polls a condition with a generous deadline (leader elections take seconds
on a loaded machine).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from cluster_hubs import Board, HubProcess, Writer, board, follow, leases, snapshot
from waiting import until

from ringmon.bench.nats_cluster import nats_cluster, nats_server
from ringmon.feed.connection import Link
from ringmon.hub.serving.tokens import TokenStore

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(nats_server() is None, reason="nats-server is not installed"),
]

SOURCE_LEASE = "source.sim"
WAIT = 120.0


def no_gap_no_repeat(recorder: Board) -> None:
    """One snapshot, then seqs strictly rising: nothing applied twice, no re-snapshot."""
    client = recorder.client
    assert client is not None
    assert recorder.snapshots[:1] == recorder.snapshots, (recorder.snapshots, client.counters)
    assert recorder.applied == sorted(set(recorder.applied)), "an event applied twice"
    assert client.counters.gaps == client.counters.duplicates == 0, client.counters


async def same_board(a: Board, b: Board) -> None:
    """Both clients held the same board at the same seqs (a seq both saw after a batch)."""

    def common() -> list[int]:
        return sorted(set(a.digests) & set(b.digests) - {min(a.digests)})

    await until(lambda: len(common()) >= 3, "both clients at a few common seqs", WAIT)
    for seq in common():
        assert a.digests[seq] == b.digests[seq], f"the boards differ at seq {seq}"


async def converged(hubs: list[HubProcess], token: str, boards: list[Board]) -> None:
    """Both hubs serve the same snapshot, and each client holds it (the sim still runs:
    retried until a quiet moment finds every party at one seq)."""
    seen: list[str] = []

    async def check() -> bool:
        docs = [await snapshot(hub.url, token) for hub in hubs]
        if docs[0] is None or docs[1] is None:
            seen[:] = ["a hub does not answer"]
            return False
        if docs[0] != docs[1]:
            seen[:] = [f"the hubs differ: {differences(docs[0], docs[1])}"]
            return False
        doc = docs[0]
        for r in boards:
            state = r.client.state if r.client is not None else None
            if state is None or state.seq != doc["seq"]:
                seen[:] = [f"{r.name} at {r.seq}, the hubs at {doc['seq']}"]
                return False
            if board(state) != doc:
                seen[:] = [f"{r.name} differs: {differences(board(state), doc)}"]
                return False
        return True

    try:
        await until(check, "both hubs and both clients on one snapshot", WAIT)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen: {seen}") from None


def differences(a: object, b: object, where: str = "") -> str:
    """Where two documents differ first (a path and both values), for a failure message."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return differences(a.get(key), b.get(key), f"{where}.{key}")
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return differences(x, y, f"{where}[{i}]")
    return f"{where}: {str(a)[:300]} != {str(b)[:300]}"


async def test_cluster_failover_node_loss_and_convergence(tmp_path: Path) -> None:
    async with nats_cluster(tmp_path / "nats") as cluster:
        hubs = [
            HubProcess(name, tmp_path / name, cluster.url, sources=("sim",))
            for name in ("hub-a", "hub-b")
        ]
        for hub in hubs:
            hub.data.mkdir()
        tokens = TokenStore(hubs[0].data)  # made on one hub, shared by the cluster
        reader = tokens.add("alice", "analyst")
        pusher = tokens.add("crm", "source")
        tokens.close()
        tasks: list[asyncio.Task[None]] = []
        try:
            await asyncio.gather(*(hub.start() for hub in hubs))
            # Which hub runs the simulator (the lease's holder) decides who is killed.
            await until(lambda: _holder(hubs, reader), "a hub to hold the simulator's lease", WAIT)
            holder = await _holder(hubs, reader)
            assert holder is not None
            doomed, survivor = (hubs[0], hubs[1]) if holder is hubs[0] else (hubs[1], hubs[0])
            on_doomed, task = follow("on-doomed", f"{doomed.url},{survivor.url}", reader)
            tasks.append(task)
            on_survivor, task = follow("on-survivor", f"{survivor.url},{doomed.url}", reader)
            tasks.append(task)
            writer = Writer([survivor.url, doomed.url], pusher)
            await writer.write(20)
            await until(
                lambda: on_doomed.seq > 0 and on_doomed.seq == on_survivor.seq,
                "both clients to follow",
                WAIT,
            )
            await same_board(on_doomed, on_survivor)

            # 1. kill -9 the hub that runs the source.
            await doomed.kill()
            killed_at = time.monotonic()
            writes = asyncio.create_task(writer.write(60))
            await until(
                lambda: on_doomed.first_from(survivor.url, killed_at),
                "the doomed hub's client to get an event from the other hub",
                WAIT,
            )
            first = on_doomed.first_from(survivor.url, killed_at)
            assert first is not None
            took = first - killed_at
            print(f"\nfailover: first live event from the other hub {took:.2f} s after kill -9")
            await until(
                lambda: _leased(survivor, reader),
                "the simulator to move to the surviving hub",
                WAIT,
            )
            await writes
            await until(lambda: on_doomed.seq == on_survivor.seq, "both clients at one seq", WAIT)
            no_gap_no_repeat(on_doomed)
            no_gap_no_repeat(on_survivor)
            assert on_doomed.client is not None and on_doomed.client.url == survivor.url
            await same_board(on_doomed, on_survivor)

            # 2. kill -9 a NATS node: writes go on, nothing acknowledged is lost.
            await cluster.kill(0)
            await writer.write(40)
            acknowledged = set(writer.acknowledged)
            assert len(acknowledged) == 120
            await until(lambda: _holds(on_survivor, acknowledged), "every acknowledged write", WAIT)

            # 3. start both again: everything converges.
            await cluster.start(0)
            await doomed.start()
            await writer.write(10)
            await converged([doomed, survivor], reader, [on_doomed, on_survivor])
            state = on_survivor.client.state if on_survivor.client else None
            assert state is not None
            assert {f"w{n}" for n in range(1, 131)} <= set(state.employees)
            no_gap_no_repeat(on_doomed)
            no_gap_no_repeat(on_survivor)
            assert all(
                c.link is not Link.REFUSED for r in (on_doomed, on_survivor) for c in r.connections
            )
        except BaseException:
            for r in (locals().get("on_doomed"), locals().get("on_survivor")):
                if r is not None and r.client is not None:
                    print(r.name, r.client.url, r.client.counters, r.snapshots, r.client.connection)
            raise
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for hub in hubs:
                await hub.stop()


async def _holder(hubs: list[HubProcess], token: str) -> HubProcess | None:
    for hub in hubs:
        if SOURCE_LEASE in await leases(hub.url, token):
            return hub
    return None


async def _leased(hub: HubProcess, token: str) -> bool:
    return SOURCE_LEASE in await leases(hub.url, token)


def _holds(recorder: Board, ids: set[str]) -> bool:
    state = recorder.client.state if recorder.client is not None else None
    return state is not None and ids <= set(state.employees)
