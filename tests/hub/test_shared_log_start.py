"""A hub on the shared log starts on a NATS cluster that was just started (REQUESTS #8): the
stream, the buckets and the object store it creates take writes only once each has elected
its leader, and the hub waits for that (ringmon.retry's waits, bounded by the connect
timeout) instead of failing with ``NoStreamResponseError`` about 3 starts in 10. When
JetStream never gets ready, the start ends in time with a sentence saying what it waited for.

Real 3-node nats-server clusters on loopback (ringmon/bench/nats_cluster.py)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import pytest
from hub_helpers import T0, team
from shared_log_helpers import clustered_hub, needs_nats
from waiting import until

from ringmon.bench.nats_cluster import NatsCluster, nats_cluster
from ringmon.hub.clock import ManualClock
from ringmon.hub.log import LogSettings
from ringmon.hub.log.connection import LogUnavailable, connect
from ringmon.hub.serving.tokens import TokenStore

pytestmark = [needs_nats, pytest.mark.e2e]

ROUNDS = 3


def with_a_token(folder: Path) -> Path:
    """A data folder holding a token: the hub's first write to the token bucket is at its
    start (it shares its tokens), as in the e2e where tokens are made before the hubs."""
    folder.mkdir(parents=True, exist_ok=True)
    tokens = TokenStore(folder)
    tokens.add(f"reader-{folder.name}", "analyst")
    tokens.close()
    return folder


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_two_hubs_start_on_a_cluster_just_up(tmp_path: Path, round_: int) -> None:
    """Each round: a fresh cluster (its meta leader just elected, no stream yet), two hubs
    started at once, at once; both start and hold what one of them was given."""
    clock = ManualClock(T0.timestamp() + 4 * 3600)
    async with nats_cluster(tmp_path / "nats") as cluster:
        urls = cluster.urls
        async with contextlib.AsyncExitStack() as stack:
            # at the same time: one creates a bucket, the other writes to it at once
            a, b = await asyncio.gather(
                stack.enter_async_context(clustered_hub(with_a_token(tmp_path / "a"), urls, clock)),
                stack.enter_async_context(
                    clustered_hub(with_a_token(tmp_path / "b"), urls[1:] + urls[:1], clock)
                ),
            )
            assert a.hub.cluster is not None and a.hub.cluster.conn is not None
            assert a.hub.cluster.conn.replicas == 3
            for event in team():
                assert await a.hub.emit(event, source="test")
            count = len(team())

            def both() -> bool:
                return a.hub.counters.events == b.hub.counters.events == count

            await until(both, f"both hubs to hold {count} events", 120)


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_a_hub_starts_on_a_cluster_just_restarted(tmp_path: Path, round_: int) -> None:
    """The stream and buckets exist; every node is killed and started again. The meta
    leader comes back first, each stream's leader a moment later: a hub started as soon
    as the meta leader is back waits for them, then writes its tokens and events."""
    clock = ManualClock(T0.timestamp() + 4 * 3600)
    async with nats_cluster(tmp_path / "nats") as cluster:
        async with clustered_hub(tmp_path / "a", cluster.urls, clock):
            pass  # the stream, the buckets and the object store, with 3 replicas
        for index in range(cluster.size):
            await cluster.kill(index)
        for index in range(cluster.size):
            await cluster.start(index, wait=False)
        await cluster.ready()
        async with clustered_hub(with_a_token(tmp_path / "b"), cluster.urls, clock) as b:
            for event in team():
                assert await b.hub.emit(event, source="test")
            count = len(team())
            await until(lambda: b.hub.counters.events == count, f"{count} events held", 120)


async def test_a_hub_says_why_when_jetstream_never_gets_ready(tmp_path: Path) -> None:
    """One node of three: no meta leader is ever elected. The start gives up after the
    connect timeout with a sentence, not a hang or a NATS exception."""
    cluster = NatsCluster(tmp_path / "nats", 3)
    try:
        await cluster.start(0, wait=False)
        settings = LogSettings((cluster.urls[0],), connect_timeout=3.0)
        began = time.monotonic()
        with pytest.raises(LogUnavailable) as caught:
            await asyncio.wait_for(connect(settings, 86400.0, "test"), 60)
        assert time.monotonic() - began < 30  # bounded by the timeout, not NATS's own
        said = str(caught.value)
        assert "was not ready in 3 s" in said and "could not create the stream" in said, said
    finally:
        await cluster.stop()
