"""A hub whose stream consumer stalls (after a NATS node dies, nats-py's ordered consumer may
fail to make its consumer anew and then wait for ever on a delivery subject nothing is sent
to, without raising) sees the stream go past it and consumes it anew, instead of falling
silently behind the other hubs for good.

A real nats-server on loopback (``ringmon.bench.nats_cluster``, one node). Every wait is
bounded, and the whole test (hubs and server stopped included) runs under one deadline: it
fails in time rather than hang. The stalled hub checks every half second
(``HubConfig.log_stall_check``) rather than every 5 s."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hub_helpers import T0, calls, team
from nats.js import JetStreamContext
from shared_log_helpers import clustered_hub, needs_nats, stored
from waiting import until

from ringmon.bench.nats_cluster import nats_cluster
from ringmon.hub.clock import ManualClock
from ringmon.hub.log import SUBJECT

pytestmark = needs_nats

DEADLINE = 150.0
"""The whole test, NATS and both hubs started and stopped (seconds)."""


async def test_a_stalled_consumer_is_made_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(T0.timestamp() + 4 * 3600)
    async with asyncio.timeout(DEADLINE), nats_cluster(tmp_path / "nats", 1) as nats:
        urls = nats.urls
        async with clustered_hub(tmp_path / "a", urls, clock) as a:
            assert a.hub.cluster is not None and a.hub.cluster.conn is not None
            a_js = a.hub.cluster.conn.js
            real = JetStreamContext.subscribe
            stalled: list[Any] = []

            async def subscribe(self: JetStreamContext, subject: str, *args: Any, **kw: Any) -> Any:
                if subject == SUBJECT and self is not a_js and not stalled:
                    # what nats-py is left with: a subscription nothing is delivered to
                    stalled.append(await self._nc.subscribe("ringmon.test.nothing"))
                    return stalled[-1]
                return await real(self, subject, *args, **kw)

            monkeypatch.setattr(JetStreamContext, "subscribe", subscribe)
            async with clustered_hub(tmp_path / "b", urls, clock, log_stall_check=0.5) as b:
                assert stalled, "hub b's first consumer is the stalled one"
                events = [*team(), *calls(3)]
                for event in events:
                    assert await a.hub.emit(event, source="test-a")

                def both_hold() -> bool:
                    return (
                        b.hub.counters.events == len(events)
                        and b.hub.flushed_seq == b.hub.seq == a.hub.seq
                        and a.hub.flushed_seq == a.hub.seq
                    )

                await until(both_hold, "hub b to consume the stream anew and catch up", 60)
                assert stored(b.hub) == stored(a.hub)
