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
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from shared_log_helpers import clustered_hub, needs_nats
from waiting import until

from ringmon.bench.nats_cluster import nats_cluster
from ringmon.hub.clock import ManualClock
from ringmon.hub.log import SUBJECT

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


async def test_the_applier_ends_when_a_message_comes_as_the_hub_stops(tmp_path: Path) -> None:
    """nats-py's ``next_msg`` waits with ``asyncio.wait_for`` itself: a message that comes in
    the turn of the loop that cancels the applier is returned, and the cancellation lost. The
    applier ends all the same, at its next turn (the log is stopping)."""
    clock = ManualClock(T0.timestamp() + 4 * 3600)
    async with (
        asyncio.timeout(DEADLINE),
        nats_cluster(tmp_path / "nats", 1) as nats,
        clustered_hub(tmp_path / "a", nats.urls, clock) as a,
    ):
        cluster = a.hub.cluster
        assert cluster is not None and cluster.conn is not None
        applying = next(t for t in cluster._tasks if t.get_name() == "log-apply")
        nc = cluster.conn.nc

        def waiting_consumer() -> Subscription | None:
            """The applier's subscription, once the applier waits in its ``next_msg``."""
            found = [s for s in nc._subs.values() if s._pending_next_msgs_calls]
            return found[0] if found else None

        consumer = await until(waiting_consumer, "the applier to wait for a message")
        # A message of stream sequence 0 (applied already: skipped), delivered just as the
        # log stops; its stop cancels the applier in this same turn of the loop.
        reply = "$JS.ACK.RINGMON_EVENTS.consumer.1.0.1.1700000000000000000.0"
        consumer._pending_queue.put_nowait(Msg(_client=nc, subject=SUBJECT, reply=reply))
        await cluster.stop()
        assert applying.done(), "the applier ran on after the log stopped"
