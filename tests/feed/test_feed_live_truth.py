""" "Live" only when it is, against the real hub: a hung hub (SIGSTOP) is shown as silent once
no frame came for 5 s, a hub loading its history is shown as loading, never as lost, and with
its only source unreachable the feed is not shown live (heartbeats are not events).

Answers worded as a hub may word them (absent or garbled fields) are tested against the
scripted hub (test_feed_hub_health.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from feed_fakehub import Recorder
from waiting import until

from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Link
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, running_hub
from ringmon.hub.serving.tokens import TokenStore
from ringmon.model.schema import AccountUpsert, DeviceStatus, EmployeeUpsert
from ringmon.sources.base import Sink, SourceHealth, caught_up
from ringmon.widgets.summary import SILENT_AFTER_SECONDS, feed_state

TZ = ZoneInfo("UTC")
DAY = 86400.0


@asynccontextmanager
async def following(url: str, token: str) -> AsyncIterator[tuple[FeedClient, Recorder]]:
    recorder = Recorder()
    client = FeedClient(url, token, None, recorder, first_delay=0.05, loading_poll=0.1)
    task = asyncio.create_task(client.run())
    try:
        yield client, recorder
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


HUB = textwrap.dedent(
    """
    import asyncio, sys
    from ringmon.hub.command import serve_until_signal
    from ringmon.hub.server import HubConfig

    config = HubConfig(data=sys.argv[1], port=0, sources=(), tz="UTC", heartbeat=2.0)
    asyncio.run(serve_until_signal(config, lambda s: print(s.url, flush=True)))
    """
)
"""A real hub process with the contract's heartbeat (every 2 s)."""


async def test_a_hung_hub_is_shown_silent_once_no_frame_came_for_5_s(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = TokenStore(data).add("alice", "analyst")
    hub = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HUB, str(data), stdout=asyncio.subprocess.PIPE
    )
    assert hub.stdout is not None
    try:
        url = (await asyncio.wait_for(hub.stdout.readline(), 30)).decode().strip()
        async with following(url, token) as (client, rec):

            def shown() -> str:
                return feed_state(client.connection, client.hub_time.now(), 1.0, TZ).level

            # Two heartbeats: the client has seen how often they come.
            await rec.wait_for(lambda: client.connection.heartbeat_every is not None, 15)
            assert shown() == "ok"
            assert client.connection.last_event_at is None  # heartbeats are not events
            os.kill(hub.pid, signal.SIGSTOP)
            stopped = time.monotonic()
            await until(lambda: shown() == "stale", "the feed to be shown silent", 15)
            print(f"\nSIGSTOP: 'Feed silent' shown after {time.monotonic() - stopped:.2f} s")
            conn = client.connection
            assert conn.link is Link.CONNECTED and conn.last_frame_at is not None
            # The rule, to the second: silent 5 s after the last frame, not before.
            quiet = conn.last_frame_at + SILENT_AFTER_SECONDS
            assert feed_state(conn, quiet - 0.1, 1.0, TZ).level == "ok"
            feed = feed_state(conn, quiet + 0.1, 1.0, TZ)
            assert feed.banner.startswith("⚠ Feed silent since") and feed.stale
            os.kill(hub.pid, signal.SIGCONT)
            await until(lambda: shown() == "ok", "the feed to be live again", 30)
    finally:
        if hub.returncode is None:
            os.kill(hub.pid, signal.SIGCONT)
            hub.terminate()
            await asyncio.wait_for(hub.wait(), 30)


class History:
    """A source that replays days of history, then waits to be let through to the present."""

    name = "test:history"
    backfills = True

    def __init__(self, start: float, days: int) -> None:
        self.start = start
        self.days = days
        self.go_live = asyncio.Event()

    async def run(self, sink: Sink) -> None:
        def ts(day: float) -> datetime:
            return datetime.fromtimestamp(self.start + day * DAY, UTC)

        await sink.emit(EmployeeUpsert(ts=ts(0), id="anna", name="Anna"), source=self.name)
        await sink.emit(AccountUpsert(ts=ts(0), login="sip1", employee="anna"), source=self.name)
        for day in range(self.days):
            status = ("online", "offline")[day % 2]
            event = DeviceStatus(ts=ts(day + 0.5), account="sip1", device="d1", status=status)
            await sink.emit(event, source=self.name)
        await self.go_live.wait()
        caught_up(sink, self.name)
        await asyncio.Event().wait()


async def test_a_hub_loading_its_history_is_shown_loading_not_lost(tmp_path: Path) -> None:
    now = datetime(2026, 3, 24, 12, 0, tzinfo=UTC).timestamp()
    history = History(now - 7 * DAY, days=3)
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="UTC")
    async with running_hub(config, clock=ManualClock(now), sources=[history]) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("alice", "analyst")
        async with following(server.url, token) as (client, rec):
            await rec.wait_for(lambda: client.connection.loading is not None, 15)
            conn = client.connection
            assert conn.link is Link.CONNECTING and conn.loading is not None
            assert conn.loading.loaded_days is not None and conn.loading.loading_days == 7.0
            feed = feed_state(conn, now, 1.0, TZ)
            assert feed.level == "wait" and feed.short == "… loading history: 2 of 7 days"
            assert feed.waiting == "The hub is loading history: 2 of 7 days…"
            history.go_live.set()
            await rec.wait_for(lambda: client.connection.link is Link.CONNECTED, 15)
            assert client.connection.loading is None
            assert Link.RECONNECTING not in rec.links  # never "Feed lost"
            assert client.state is not None and "anna" in client.state.employees


class Unreachable:
    """A PBX source that cannot reach its PBX (and keeps trying)."""

    name = "asterisk:pbx1:8088"

    def __init__(self) -> None:
        self.health = SourceHealth()

    async def run(self, sink: Sink) -> None:
        self.health.unreachable("connection refused")
        await asyncio.Event().wait()


async def test_the_only_source_unreachable_is_not_shown_live(tmp_path: Path) -> None:
    """The real hub's heartbeats (every 0.2 s here) keep coming; none is an event, and the
    banner says which source is down and since when."""
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="UTC", heartbeat=0.2)
    now = datetime(2026, 3, 24, 12, 0, tzinfo=UTC).timestamp()
    async with running_hub(config, clock=ManualClock(now), sources=[Unreachable()]) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("alice", "analyst")
        async with following(server.url, token) as (client, rec):
            await rec.wait_for(lambda: any(s.down for s in client.connection.sources), 15)
            await rec.wait_for(lambda: client.connection.heartbeat_every is not None, 15)
            conn = client.connection
            assert conn.last_event_at is None and conn.hub_status == "degraded"
            (source,) = conn.sources
            assert (source.state, source.detail) == ("unreachable", "connection refused")
            assert source.since is not None
            feed = feed_state(conn, client.hub_time.now(), 1.0, TZ)
            assert feed.level == "degraded" and feed.stale and "live" not in feed.short
            assert feed.short == "⚠ Asterisk unreachable · no event yet"
            assert feed.banner.startswith("⚠ Asterisk pbx1:8088 unreachable since ")
            assert feed.banner.endswith(" (connection refused): statuses may be out of date")
