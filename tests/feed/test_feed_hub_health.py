"""What the hub says of itself reaches the UI, and a heartbeat is not an event.

Against the scripted hub, for what the real hub does not send yet (a source's state and since
when, in the heartbeat) and for answers worded as a hub may word them (absent or garbled
fields are unknown, never an error). The real hub's side is in test_feed_live_truth.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from feed_fakehub import TOKEN, FakeHub, Recorder, at, heartbeat
from websockets.asyncio.server import ServerConnection

from ringmon.feed.client import FeedClient
from ringmon.feed.connection import HubTime, Link, Loading, SourceHealth
from ringmon.feed.hub_health import parse_hub_health
from ringmon.widgets.summary import feed_state

TZ = ZoneInfo("Europe/Warsaw")


class StepClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@asynccontextmanager
async def running(
    hub: FakeHub, clock: StepClock | None = None
) -> AsyncIterator[tuple[FeedClient, Recorder]]:
    recorder = Recorder()
    hub_time = HubTime(monotonic=clock) if clock is not None else None
    client = FeedClient(
        hub.url, TOKEN, None, recorder, hub_time=hub_time, first_delay=0.05, loading_poll=0.05
    )
    task = asyncio.create_task(client.run())
    try:
        yield client, recorder
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_absent_or_garbled_fields_are_unknown() -> None:
    assert parse_hub_health(None) == parse_hub_health({}) == parse_hub_health([1])
    health = parse_hub_health(
        {
            "status": "sleeping",
            "sources": [
                "asterisk",
                {"name": 3, "state": "running"},
                {"name": "file:/x", "state": "error", "since": "yesterday", "detail": 7},
                {"name": "asterisk:pbx1", "state": "unreachable", "since": "2026-03-24T11:03Z"},
            ],
            "loading": {"loaded_days": 2},
        }
    )
    assert health.status is None and health.loading is None
    assert health.sources == (
        SourceHealth("file:/x", "error"),
        SourceHealth(
            "asterisk:pbx1", "unreachable", datetime(2026, 3, 24, 11, 3, tzinfo=UTC).timestamp()
        ),
    )
    assert all(s.down for s in health.sources)
    starting = parse_hub_health({"status": "starting", "loaded_days": True, "loading_days": 7.6})
    assert starting.loading == Loading(None, 7.6)


async def test_a_heartbeat_is_not_an_event_and_says_which_source_is_down() -> None:
    """The only source unreachable: the heartbeats keep the feed alive, the last event stays
    the last event, and the banner says which source and since when."""
    down_since = at(3000)
    sources = [{"name": "asterisk:pbx1:8088", "state": "unreachable", "since": str(down_since)}]
    clock = StepClock()
    beats = [heartbeat(6, at(3600 + 2 * n), status="degraded", sources=sources) for n in range(2)]
    sent = asyncio.Event()

    async def script(ws: ServerConnection, since: int) -> None:
        await ws.send(beats[0])
        await sent.wait()
        clock.t += 2.0  # two real seconds, as the hub's heartbeats are apart
        await ws.send(beats[1])
        await ws.wait_closed()

    async with FakeHub() as hub:
        hub.script = script
        async with running(hub, clock) as (client, rec):
            await rec.wait_for(lambda: client.connection.sources)
            sent.set()
            await rec.wait_for(lambda: client.connection.last_frame_at == at(3602).timestamp())
            conn = client.connection
            assert conn.last_event_at == at(1).timestamp()  # the snapshot's newest event
            assert conn.heartbeat_every == 2.0
            assert conn.hub_status == "degraded"
            assert conn.sources == (
                SourceHealth("asterisk:pbx1:8088", "unreachable", down_since.timestamp()),
            )
            feed = feed_state(conn, at(3602).timestamp(), 1.0, TZ)
            assert feed.level == "degraded" and feed.stale
            assert feed.banner == (
                "⚠ Asterisk pbx1:8088 unreachable since 09:50: statuses may be out of date"
            )
            assert "live" not in feed.short and "last event 1 h 00 min ago" in feed.short


async def test_while_the_hub_loads_its_history_the_client_says_how_far_it_is() -> None:
    """Health says "starting" with the days loaded: the client waits, saying so, and asks for
    the snapshot only then; never "Feed lost"."""
    starting = {"status": "starting", "loaded_days": 3.2, "loading_days": 7.6}
    async with FakeHub() as hub:
        hub.health = [starting, starting, {"status": "ok"}]
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: client.connection.link is Link.CONNECTED)
            loading = [c for c in rec.connections if c.loading is not None]
            assert loading and all(c.link is Link.CONNECTING for c in loading)
            assert loading[0].loading == Loading(3.2, 7.6)
            feed = feed_state(loading[0], at(3600).timestamp(), 1.0, TZ)
            assert (feed.level, feed.short) == ("wait", "… loading history: 3 of 8 days")
            assert feed.waiting == "The hub is loading history: 3 of 8 days…"
            assert Link.RECONNECTING not in rec.links
            assert hub.snapshot_requests == 1 and client.connection.loading is None


async def test_a_snapshot_refused_while_loading_is_waited_for_not_lost() -> None:
    """The hub answers the snapshot 503 (loading history) and its health says "starting":
    the client waits and asks again, without a reconnection."""
    starting = {"status": "starting", "loaded_days": 6.0, "loading_days": 7.0}
    async with FakeHub(snapshot_statuses=[503]) as hub:
        hub.health = [{"status": "ok"}, starting, {"status": "ok"}]
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: client.connection.link is Link.CONNECTED)
            assert hub.snapshot_requests == 2
            assert Link.RECONNECTING not in rec.links
            assert any(c.loading == Loading(6.0, 7.0) for c in rec.connections)


async def test_an_older_hub_without_health_fields_is_followed_as_before() -> None:
    async with FakeHub() as hub, running(hub) as (client, rec):
        await rec.wait_for(lambda: client.connection.link is Link.CONNECTED)
        conn = client.connection
        assert conn.hub_status is None and conn.sources == () and conn.loading is None
        assert feed_state(conn, conn.last_frame_at or 0.0, 1.0, TZ).level == "ok"
