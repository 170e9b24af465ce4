"""A hub whose stream consumer stalls (after a NATS node dies, nats-py's ordered consumer may
fail to make its consumer anew and then wait for ever on a delivery subject nothing is sent
to, without raising) sees the stream go past it and consumes it anew, instead of falling
silently behind the other hubs for good."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hub_helpers import T0, calls, team
from nats.js import JetStreamContext
from nats_server import NatsNode, start_node, wait_jetstream
from shared_log_helpers import clustered_hub, needs_nats, stored
from waiting import until

from ringmon.hub.clock import ManualClock
from ringmon.hub.log import SUBJECT, apply

pytestmark = needs_nats


@pytest.fixture
async def nats_node(tmp_path: Path) -> AsyncIterator[NatsNode]:
    node = start_node(tmp_path / "nats")
    try:
        await wait_jetstream([node.url])
        yield node
    finally:
        node.stop()


async def test_a_stalled_consumer_is_made_anew(
    tmp_path: Path, nats_node: NatsNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(T0.timestamp() + 4 * 3600)
    monkeypatch.setattr(apply, "STALL_CHECK", 0.3)
    urls = [nats_node.url]
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
        async with clustered_hub(tmp_path / "b", urls, clock) as b:
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
            assert stalled, "hub b's first consumer was not the stalled one"
            assert stored(b.hub) == stored(a.hub)
