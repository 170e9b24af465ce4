"""The 3-node NATS cluster the cluster e2e and bench run on (ringmon/bench/nats_cluster.py):
real nats-server processes on loopback; a stream with 3 replicas keeps every acknowledged
message when a node is killed (SIGKILL), takes writes meanwhile, and the node caught up
after its restart holds the same messages."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NoStreamResponseError
from waiting import until

from ringmon.bench.nats_cluster import NatsCluster, nats_cluster, nats_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(nats_server() is None, reason="nats-server is not installed"),
]


async def stream_messages(cluster: NatsCluster, index: int, stream: str) -> int | None:
    """How many messages node ``index``'s replica of ``stream`` holds (monitoring port)."""
    node = cluster.nodes[index]
    url = f"http://127.0.0.1:{node.http_port}/jsz?streams=true"
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            doc = (await http.get(url)).json()
    except (httpx.HTTPError, json.JSONDecodeError):
        return None
    for account in doc.get("account_details") or []:
        for detail in account.get("stream_detail") or []:
            if detail.get("name") == stream:
                count: int = detail["state"]["messages"]
                return count
    return None


async def publish(js: JetStreamContext, i: int, timeout: float = 60.0) -> None:
    """Publish message ``i`` until the stream acknowledges it: while a leader is elected
    after a kill there is nobody to answer. Its id makes a retry of a write that did land
    (the ack was lost) no second copy (JetStream's deduplication window)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await js.publish("t", str(i).encode(), headers={"Nats-Msg-Id": str(i)})
            return
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError, NoStreamResponseError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_a_killed_node_loses_nothing_acknowledged_and_catches_up(tmp_path: Path) -> None:
    async with nats_cluster(tmp_path) as cluster:
        client = await nats.connect(
            cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2
        )
        try:
            js = client.jetstream(timeout=10)
            await js.add_stream(StreamConfig(name="T", subjects=["t"], num_replicas=3))
            for i in range(100):
                await publish(js, i)  # acknowledged by a quorum
            victim = 0
            await cluster.kill(victim)
            for i in range(100, 200):  # a quorum of 2 is left: writes go on
                await publish(js, i)
            info = await js.stream_info("T")
            assert info.state.messages == 200
            await cluster.start(victim)
            await until(lambda: _same_everywhere(cluster, "T", 200), "every replica holds 200", 60)
        finally:
            await client.close()


async def _same_everywhere(cluster: NatsCluster, stream: str, count: int) -> bool:
    return all(
        [await stream_messages(cluster, i, stream) == count for i in range(len(cluster.nodes))]
    )
