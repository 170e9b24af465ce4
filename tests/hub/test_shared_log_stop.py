"""A shared-log task cancelled just as what it waits for happens ends, rather than running on.

On Python 3.11, ``asyncio.wait_for`` returned the result of what it waited for when the
cancellation came in the same turn of the loop as that result (the inner task finished
first), dropping the cancellation: the publisher's loop, woken by a source's events as the
hub stopped, ran on for ever (the hub's stop then waited its 5-s bound and left the task
behind). A real nats-server on loopback, one node."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hub_helpers import T0
from shared_log_helpers import clustered_hub, needs_nats

from ringmon.bench.nats_cluster import nats_cluster
from ringmon.hub.clock import ManualClock

pytestmark = needs_nats

DEADLINE = 90.0
"""The whole test, NATS and the hub started and stopped (seconds)."""


async def test_the_publisher_ends_when_cancelled_as_it_is_woken(tmp_path: Path) -> None:
    clock = ManualClock(T0.timestamp() + 4 * 3600)
    async with (
        asyncio.timeout(DEADLINE),
        nats_cluster(tmp_path / "nats", 1) as nats,
        clustered_hub(tmp_path / "a", nats.urls, clock) as a,
    ):
        cluster = a.hub.cluster
        assert cluster is not None
        publishing = next(t for t in cluster._tasks if t.get_name() == "log-publish")
        await asyncio.sleep(0)  # (a turn of the loop: the task waits for its wake-up)
        # Woken and cancelled in one turn of the loop, as a hub stopping while a source hands
        # in events.
        cluster.publisher._wake.set()
        publishing.cancel()
        await asyncio.wait({publishing}, timeout=10)
        assert publishing.cancelled(), "the publisher ran on after its cancellation"
