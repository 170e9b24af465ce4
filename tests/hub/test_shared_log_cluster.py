"""The shared log on a real 3-node nats-server cluster: the stream and buckets get 3 replicas,
two hubs on different nodes hold the same events, and a killed node loses nothing
acknowledged while writes go on (the other two keep the quorum)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hub_helpers import T0, calls, team
from shared_log_helpers import clustered_hub, needs_nats, stored
from waiting import until

from ringmon.bench.nats_cluster import NatsCluster, nats_cluster
from ringmon.hub.clock import ManualClock
from ringmon.hub.log import STREAM

pytestmark = [needs_nats, pytest.mark.e2e]


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    async with nats_cluster(tmp_path / "nats", 3) as running:
        yield running


async def test_two_hubs_on_three_nodes_survive_a_node(tmp_path: Path, cluster: NatsCluster) -> None:
    clock = ManualClock(T0.timestamp() + 4 * 3600)
    n1, n2, n3 = cluster.nodes
    # each hub knows all three (it fails over between them), listed from a different node
    a_urls = [n1.url, n2.url, n3.url]
    b_urls = [n2.url, n3.url, n1.url]
    async with (
        clustered_hub(tmp_path / "a", a_urls, clock) as a,
        clustered_hub(tmp_path / "b", b_urls, clock) as b,
    ):
        assert a.hub.cluster is not None and a.hub.cluster.conn is not None
        assert a.hub.cluster.conn.replicas == 3
        info = await a.hub.cluster.conn.js.stream_info(STREAM)
        assert info.config.num_replicas == 3
        for event in team():
            assert await a.hub.emit(event, source="test")
        await until(lambda: b.hub.counters.events == len(team()), "b to apply", 60)

        # The node hub b is connected to dies: nothing acknowledged is lost, b reconnects to
        # another, and writes go on.
        assert b.hub.cluster is not None and b.hub.cluster.conn is not None
        url = b.hub.cluster.conn.nc.connected_url
        assert url is not None
        dead = next(i for i, n in enumerate(cluster.nodes) if n.port == url.port)
        await cluster.kill(dead)
        for event in calls(3):
            assert await b.hub.emit(event, source="test")
        total = len(team()) + len(calls(3))

        def both() -> bool:
            return (
                a.hub.counters.events == b.hub.counters.events == total
                and a.hub.flushed_seq == a.hub.seq == b.hub.flushed_seq == b.hub.seq
            )

        await until(both, "both hubs to apply every event with a node down", 120)
        assert stored(a.hub) == stored(b.hub)
        assert a.hub.snapshot_json() == b.hub.snapshot_json()
        await cluster.start(dead)  # until it is healthy (it caught up)
