"""Several hubs on one event log in NATS JetStream (``ringmon hub --log nats://...``), on a
real nats-server (one node; tests/e2e has the 3-node cluster): one state and one sequence for
every hub, push batches once and whole, duplicates rejected alike, an index rebuilt from the
stream, base snapshots, a source lease that moves, tokens shared by the cluster."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hub_helpers import T0, auth, calls, device, employee, feed, read_events, team
from shared_log_helpers import clustered_hub, needs_nats, stored
from waiting import until

from ringmon.bench.nats_cluster import nats_cluster
from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.log import STREAM
from ringmon.hub.log.message import SEQ_SPAN, LogMessage, feed_seq
from ringmon.model.schema import dump_event
from ringmon.sources.base import Sink

pytestmark = needs_nats


@pytest.fixture
async def urls(tmp_path: Path) -> AsyncIterator[list[str]]:
    """One nats-server with JetStream on loopback: its URL."""
    async with nats_cluster(tmp_path / "nats", 1) as nats:
        yield nats.urls


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0.timestamp() + 4 * 3600)


def holds(hub: Hub, events: int) -> bool:
    """``hub`` applied ``events`` events and its index stored all it applied (applying alone,
    ``counters.events``, is true before the flush tick commits them)."""
    return hub.counters.events == events and hub.flushed_seq == hub.seq


async def same(a: Hub, b: Hub, events: int) -> None:
    """Until both hubs applied and stored ``events`` events (and the same last seq)."""

    def held() -> bool:
        return holds(a, events) and holds(b, events) and a.seq == b.seq

    await until(held, f"both hubs to hold {events} events", 60)


async def test_two_hubs_hold_one_state_and_one_sequence(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    async with (
        clustered_hub(tmp_path / "a", urls, clock) as a,
        clustered_hub(tmp_path / "b", urls, clock) as b,
    ):
        for event in team():
            assert await a.hub.emit(event, source="test-a")
        # b's calls ring the team's accounts: they go to the stream after the team's message
        # (each hub publishes on its own flush tick, so emitting first is no order between hubs)
        await until(lambda: holds(b.hub, len(team())), "hub b to apply the team", 60)
        for event in calls(3):
            assert await b.hub.emit(event, source="test-b")
        await same(a.hub, b.hub, len(team()) + len(calls(3)))
        assert a.hub.seq >= SEQ_SPAN  # stream sequence x 10,000 + place in the message
        assert stored(a.hub) == stored(b.hub)
        assert len(stored(a.hub)) == len(team()) + len(calls(3))
        assert a.hub.snapshot_json() == b.hub.snapshot_json()
        # a client's since means the same on both: the snapshot's seq is the same seq
        async with httpx.AsyncClient() as client:
            token = a.hub.tokens.add("alice", "analyst")  # type: ignore[union-attr]
            docs = []
            for server in (a, b):

                async def answered(url: str = server.url) -> httpx.Response | None:
                    r = await client.get(f"{url}/v1/snapshot", headers=auth(token))
                    return r if r.status_code == 200 else None

                docs.append((await until(answered, "the snapshot", 30)).json())
        assert docs[0] == docs[1]


async def test_push_batch_lands_once_and_whole_on_every_hub(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    async with (
        clustered_hub(tmp_path / "a", urls, clock) as a,
        clustered_hub(tmp_path / "b", urls, clock) as b,
    ):
        token = a.hub.tokens.add("crm", "source")  # type: ignore[union-attr]
        batch = [{**json.loads(dump_event(e)), "event_id": f"id{i}"} for i, e in enumerate(team())]
        async with httpx.AsyncClient(timeout=60) as client:
            first = await client.post(f"{a.url}/v1/ingest", json=batch, headers=auth(token))
            assert first.status_code == 200, first.text
            body = first.json()
            assert body["accepted"] == len(batch)
            assert body["last_seq"] - body["first_seq"] == len(batch) - 1  # one message

            async def b_knows_token() -> bool:
                r = await client.post(f"{b.url}/v1/ingest", json=[], headers=auth(token))
                return r.status_code != 401

            await until(b_knows_token, "hub b to know hub a's token", 30)
            again = await client.post(f"{b.url}/v1/ingest", json=batch, headers=auth(token))
            assert again.status_code == 200, again.text
            assert again.json()["accepted"] == 0
            assert again.json()["duplicates"] == len(batch)
            # a batch that does not fit is refused whole, on every hub
            bad = [
                {
                    **json.loads(dump_event(employee(200, "e9", "X"))),
                    "event_id": "n1",
                },
                json.loads(dump_event(device(200, "nobody", "c1", "online"))),
            ]
            refused = await client.post(f"{b.url}/v1/ingest", json=bad, headers=auth(token))
            assert refused.status_code == 422
        await same(a.hub, b.hub, len(batch))
        assert stored(a.hub) == stored(b.hub)
        assert len(stored(a.hub)) == len(batch)
        assert "e9" not in a.hub.state.employees and "e9" not in b.hub.state.employees


async def test_duplicate_event_id_is_the_same_gap_on_every_hub(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    """Two messages carrying the same event id reach the stream (published by two hubs before
    either applied the other): the second's event is skipped by both, its seq a gap."""
    async with (
        clustered_hub(tmp_path / "a", urls, clock) as a,
        clustered_hub(tmp_path / "b", urls, clock) as b,
    ):
        assert a.hub.cluster is not None and b.hub.cluster is not None
        lines = [dump_event(e) for e in team()]
        one = LogMessage("ingest:crm", lines[:1], ids=["x"], token="crm", whole=True)
        two = LogMessage("ingest:crm", lines[:2], ids=["x", "y"], token="crm", whole=True)
        m1 = await a.hub.cluster.publisher.publish(one, "t-1")
        m2 = await b.hub.cluster.publisher.publish(two, "t-2")
        await until(lambda: a.hub.cluster.applier.applied >= m2, "hub a to apply", 30)  # type: ignore[union-attr]
        await until(lambda: b.hub.cluster.applier.applied >= m2, "hub b to apply", 30)  # type: ignore[union-attr]
        await same(a.hub, b.hub, 2)
        seqs = [seq for seq, _ in stored(a.hub)]
        assert seqs == [seq for seq, _ in stored(b.hub)]
        assert seqs == [feed_seq(m1, 0), feed_seq(m2, 1)]  # feed_seq(m2, 0) is the gap


async def test_hub_rebuilds_a_deleted_index_from_the_stream_and_a_base(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    async with clustered_hub(tmp_path / "b", urls, clock) as b:
        async with clustered_hub(tmp_path / "a", urls, clock) as a:
            for event in team() + calls(2):
                await a.hub.emit(event, source="test")
            await same(a.hub, b.hub, len(team()) + len(calls(2)))
        shutil.rmtree(tmp_path / "a")
        async with clustered_hub(tmp_path / "a", urls, clock) as a:
            assert stored(a.hub) == stored(b.hub)
            assert a.hub.snapshot_json() == b.hub.snapshot_json()

        # Old messages expire (here: purged); a base snapshot stands for them.
        assert b.hub.cluster is not None
        base_at = await b.hub.cluster.bases.publish()
        assert base_at is not None
        for event in calls(1, start=2000):
            await b.hub.emit(event, source="test")
        conn = b.hub.cluster.conn
        assert conn is not None
        total = len(team()) + len(calls(2)) + len(calls(1))
        # all of them, stored: they may go out in more than one message (flush ticks)
        await until(lambda: holds(b.hub, total), "b to apply and store the new events", 30)
        assert b.hub.cluster.applier.applied > base_at
        await conn.js.purge_stream(STREAM, seq=base_at + 1)  # keeps base_at + 1 and after
        async with clustered_hub(tmp_path / "c", urls, clock) as c:
            await until(lambda: c.hub.seq == b.hub.seq == c.hub.flushed_seq, "c to catch up", 60)
            assert set(c.hub.state.employees) == {"e1", "e2"}
            assert c.hub.snapshot_json() == b.hub.snapshot_json()
            assert [s for s, _ in stored(c.hub)] == [
                s for s, _ in stored(b.hub) if s > feed_seq(base_at, SEQ_SPAN - 1)
            ]


class Probe:
    """A source that only says it runs (and stops when cancelled)."""

    name = "probe"

    def __init__(self) -> None:
        self.running = False
        self.runs = 0

    async def run(self, sink: Sink) -> None:
        self.running = True
        self.runs += 1
        try:
            await asyncio.Event().wait()
        finally:
            self.running = False


async def test_source_runs_once_and_its_lease_moves(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    pa, pb = Probe(), Probe()
    ttl = {"log_lease_ttl": 3.0}
    async with clustered_hub(tmp_path / "a", urls, clock, sources=[pa], **ttl) as a:
        await until(lambda: pa.running, "hub a to run the source", 30)
        async with clustered_hub(tmp_path / "b", urls, clock, sources=[pb], **ttl) as b:
            await until(lambda: b.hub.source_status["probe"].state == "stopped", "b waits", 30)
            assert not pb.running
            # Hub a dies without a word: its NATS connection drops, its lease expires.
            assert a.hub.cluster is not None and a.hub.cluster.conn is not None
            await a.hub.cluster.conn.nc.close()
            await until(lambda: not pa.running, "the old holder to stop its source", 30)
            await until(lambda: pb.running, "hub b to take the source over", 30)
            assert pb.runs == 1 and pa.runs == 1


async def test_lease_moves_at_once_on_a_clean_stop(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    pa, pb = Probe(), Probe()
    async with contextlib.AsyncExitStack() as hub_a:
        await hub_a.enter_async_context(clustered_hub(tmp_path / "a", urls, clock, sources=[pa]))
        await until(lambda: pa.running, "hub a to run the source", 30)
        async with clustered_hub(tmp_path / "b", urls, clock, sources=[pb]) as b:
            await until(lambda: b.hub.source_status["probe"].state == "stopped", "b waits", 30)
            assert "runs on hub-" in (b.hub.source_status["probe"].detail or "")
            await hub_a.aclose()  # a stops cleanly and releases its lease
            # b takes it without waiting for the lease to expire (10 s)
            await until(lambda: pb.running, "b to take the released lease", 5)


async def test_token_revoked_on_one_hub_is_refused_by_the_other(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    async with (
        clustered_hub(tmp_path / "a", urls, clock) as a,
        clustered_hub(tmp_path / "b", urls, clock) as b,
        httpx.AsyncClient(timeout=30) as client,
    ):
        assert a.hub.tokens is not None
        token = a.hub.tokens.add("alice", "analyst")

        async def b_says(status: int) -> bool:
            r = await client.get(f"{b.url}/v1/whoami", headers=auth(token))
            return r.status_code == status

        await until(lambda: b_says(200), "hub b to accept hub a's token", 30)
        assert a.hub.tokens.revoke("alice")
        await until(lambda: b_says(401), "hub b to refuse the revoked token", 30)


async def test_a_client_resumes_on_a_hub_that_is_behind(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    """``since`` from hub a, on hub b that has not applied that far yet: b waits for it and
    replays what follows, with no gap and no repeat (instead of a resync)."""
    async with (
        clustered_hub(tmp_path / "a", urls, clock) as a,
        clustered_hub(tmp_path / "b", urls, clock) as b,
        httpx.AsyncClient(timeout=30) as client,
    ):
        assert a.hub.tokens is not None and b.hub.cluster is not None
        token = a.hub.tokens.add("alice", "analyst")

        async def b_knows() -> bool:
            r = await client.get(f"{b.url}/v1/whoami", headers=auth(token))
            return r.status_code == 200

        await until(b_knows, "hub b to accept hub a's token", 30)
        for event in team():
            await a.hub.emit(event, source="test")
        await same(a.hub, b.hub, len(team()))
        applying = b.hub.cluster._tasks[0]  # hub b stops applying for a while
        applying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await applying
        for event in calls(2):
            await a.hub.emit(event, source="test")
        total = len(team()) + len(calls(2))
        await until(lambda: a.hub.counters.events == total == len(stored(a.hub)), "a", 30)
        rows = stored(a.hub)
        since = rows[len(team()) + 1][0]  # the client applied the first call's ring and answer
        assert since > b.hub.seq
        async with feed(b.url, token, since) as ws:
            b.hub.cluster._tasks[0] = asyncio.create_task(b.hub.cluster.applier.run())
            got = await read_events(ws, a.hub.seq, timeout=30)
        assert [event["seq"] for event in got] == [seq for seq, _ in rows if seq > since]


async def test_a_restarted_hub_continues_where_its_index_stopped(
    tmp_path: Path, urls: list[str], clock: ManualClock
) -> None:
    async with clustered_hub(tmp_path / "b", urls, clock) as b:
        async with clustered_hub(tmp_path / "a", urls, clock) as a:
            for event in team():
                await a.hub.emit(event, source="test")
            await same(a.hub, b.hub, len(team()))
        for event in calls(2):  # while a is down
            await b.hub.emit(event, source="test")
        total = len(team()) + len(calls(2))
        await until(lambda: holds(b.hub, total), "b to apply and store them", 30)
        async with clustered_hub(tmp_path / "a", urls, clock) as a:
            # started: the stream applied up to its end, each message once
            assert stored(a.hub) == stored(b.hub)
            assert a.hub.snapshot_json() == b.hub.snapshot_json()
