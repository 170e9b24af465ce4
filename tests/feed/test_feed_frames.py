"""FeedClient against a scripted websockets server: the protocol's edge cases."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

from feed_fakehub import (
    TOKEN,
    FakeHub,
    Recorder,
    at,
    base_events,
    call_events,
    frame,
    heartbeat,
    replay_and_wait,
)
from waiting import until
from websockets.asyncio.server import ServerConnection

from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Link
from ringmon.model.schema import DeviceStatus
from ringmon.model.status import Status


@asynccontextmanager
async def running(
    hub: FakeHub, token: str | None = TOKEN, **options: float
) -> AsyncIterator[tuple[FeedClient, Recorder]]:
    recorder = Recorder()
    client = FeedClient(hub.url, token, None, recorder, first_delay=0.05, **options)
    task = asyncio.create_task(client.run())
    try:
        yield client, recorder
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def scripted(
    *frames: str, close: bool = False
) -> Callable[[ServerConnection, int], Awaitable[None]]:
    async def script(ws: ServerConnection, since: int) -> None:
        for f in frames:
            await ws.send(f)
        if close:
            await ws.close()
        else:
            await ws.wait_closed()

    return script


async def test_snapshot_then_single_and_batch_frames() -> None:
    calls = call_events(7)
    async with FakeHub(snapshot_seq=6) as hub:
        hub.script = scripted(frame(calls[0]), frame(calls[1:]))
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: client.state is not None and client.state.seq == 9)
            assert len(rec.snapshots) == 1
            assert hub.feed_requests == [6]
            assert [[e.seq for e in batch] for batch, _ in rec.batches] == [[7], [8, 9]]
            assert all(ids == {"e1"} for _, ids in rec.batches)
            assert client.connection.link is Link.CONNECTED
            assert client.state.employees["e1"].status is Status.ONLINE
            assert client.state.tally.days[at(0).date()].answered == 1
            assert client.tz is None and str(client.state.tz) == "Europe/Warsaw"


async def test_given_time_zone_overrides_the_hubs() -> None:
    async with FakeHub() as hub:
        rec = Recorder()
        client = FeedClient(hub.url, TOKEN, ZoneInfo("America/New_York"), rec)
        task = asyncio.create_task(client.run())
        await rec.wait_for(lambda: rec.snapshots)
        task.cancel()
        assert str(rec.snapshots[0].tz) == "America/New_York"


async def test_duplicates_are_skipped_never_applied_twice() -> None:
    calls = call_events(7)
    async with FakeHub(snapshot_seq=6) as hub:
        base = base_events()
        hub.script = scripted(
            frame(base[5]),  # already in the snapshot
            frame(calls[0]),
            frame(calls[0]),  # again
            frame([calls[0], calls[1]]),  # a batch overlapping what was applied
            frame(calls[2]),
        )
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: client.state is not None and client.state.seq == 9)
            assert rec.applied_seqs == [7, 8, 9]
            assert client.counters.duplicates == 3
            assert client.counters.gaps == 0 and len(rec.snapshots) == 1


async def test_heartbeat_syncs_hub_time_and_reports_the_connection() -> None:
    hub_now = at(3600)
    async with FakeHub() as hub:
        hub.script = scripted(heartbeat(6, hub_now, speed=60.0))
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: client.hub_time.speed == 60.0)
            assert abs(client.hub_time.now() - hub_now.timestamp()) < 60.0
            # A heartbeat is not an event: the last event is still the snapshot's newest.
            assert rec.connections[-1].last_frame_at == hub_now.timestamp()
            assert rec.connections[-1].last_event_at == at(1).timestamp()
            assert rec.connections[-1].link is Link.CONNECTED


async def test_resync_takes_a_new_snapshot_and_follows_from_it() -> None:
    async with FakeHub(snapshot_seq=3) as hub:
        sessions = 0

        async def script(ws: ServerConnection, since: int) -> None:
            nonlocal sessions
            sessions += 1
            if sessions == 1:
                hub.snapshot_seq = None  # the next snapshot is the whole log
                await ws.send(json.dumps({"type": "resync", "reason": "storage replaced"}))
                await ws.close()
            else:
                await replay_and_wait(hub, ws, since)

        hub.script = script
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: len(rec.snapshots) == 2 and len(hub.feed_requests) == 2)
            assert hub.feed_requests == [3, 6]
            assert client.counters.resyncs == 1
            assert client.state is rec.snapshots[1] and client.state.seq == 6
            assert rec.batches == []


async def test_gap_means_something_was_lost_so_resnapshot() -> None:
    calls = call_events(7)
    async with FakeHub(events=base_events() + calls, snapshot_seq=6) as hub:
        sessions = 0

        async def script(ws: ServerConnection, since: int) -> None:
            nonlocal sessions
            sessions += 1
            if sessions == 1:
                hub.snapshot_seq = None
                await ws.send(frame(calls[1]))  # seq 8 after 6: 7 is missing
                await ws.wait_closed()
            else:
                await replay_and_wait(hub, ws, since)

        hub.script = script
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: len(rec.snapshots) == 2 and len(hub.feed_requests) == 2)
            assert client.counters.gaps == 1
            assert rec.applied_seqs == []
            assert client.state is not None and client.state.seq == 9
            assert hub.feed_requests == [6, 9]


async def test_malformed_frames_are_counted_never_a_crash() -> None:
    calls = call_events(7)
    async with FakeHub(snapshot_seq=6) as hub:
        hub.script = scripted(
            "this is not json",
            "42",
            json.dumps({"type": "no.such.event", "seq": 7, "ts": at(5).isoformat()}),
            json.dumps([{"type": "call.ring"}]),
            json.dumps({"type": "heartbeat", "now": "yesterday"}),
            frame(calls[0].model_copy(update={"seq": None})),
            frame(calls[0].model_copy(update={"seq": 8})),
        )
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: client.state is not None and client.state.seq == 8)
            assert client.counters.malformed == 5
            # A type this version does not know (a newer hub's): stepped over, seq 7 taken.
            assert client.counters.unknown_types == 1
            assert rec.applied_seqs == [8]
            assert len(rec.snapshots) == 1
            assert client.connection.link is Link.CONNECTED


async def test_rejected_event_is_counted_and_the_state_retaken() -> None:
    bad = DeviceStatus(ts=at(5), seq=7, account="nobody", device="x", status="online")
    async with FakeHub(snapshot_seq=6) as hub:
        sessions = 0

        async def script(ws: ServerConnection, since: int) -> None:
            nonlocal sessions
            sessions += 1
            if sessions == 1:
                await ws.send(frame(bad))
            await ws.wait_closed()

        hub.script = script
        async with running(hub) as (client, rec):
            await rec.wait_for(lambda: len(rec.snapshots) == 2 and len(hub.feed_requests) == 2)
            assert client.counters.rejected == 1
            assert rec.applied_seqs == []


async def test_unknown_token_on_snapshot_is_refused_for_good() -> None:
    async with FakeHub() as hub:
        rec = Recorder()
        client = FeedClient(hub.url, "wrong", None, rec, first_delay=0.05)
        # For good: run() returns, and nothing more is asked of the hub.
        await asyncio.wait_for(client.run(), 10)
        assert client.connection.link is Link.REFUSED
        assert client.connection.message == "the hub refused the token (401): unknown token"
        assert hub.snapshot_requests == 0 and hub.feed_requests == []
        assert rec.links == [Link.REFUSED]


async def test_forbidden_role_on_websocket_handshake_is_refused() -> None:
    message = "ringmon needs an analyst or administrator token"
    async with FakeHub(refuse_feed=(403, message)) as hub, running(hub) as (client, rec):
        await rec.wait_for(lambda: client.connection.link is Link.REFUSED)
        assert client.connection.message == f"the hub refused the token (403): {message}"
        assert hub.snapshot_requests == 1


async def test_lost_connection_resumes_from_last_applied_seq_without_snapshot() -> None:
    calls = call_events(7)
    async with FakeHub(events=base_events() + calls, snapshot_seq=6) as hub:
        sessions = 0
        following: list[FeedClient] = []

        async def script(ws: ServerConnection, since: int) -> None:
            nonlocal sessions
            sessions += 1
            if sessions == 1:
                await ws.send(frame(calls[0]))
                applied = following[0]
                await until(lambda: applied.state is not None and applied.state.seq == 7)
                ws.transport.abort()  # no close frame: the link just dies
            else:
                await replay_and_wait(hub, ws, since)

        hub.script = script
        async with running(hub) as (client, rec):
            following.append(client)
            await rec.wait_for(lambda: client.state is not None and client.state.seq == 9)
            assert hub.feed_requests == [6, 7]
            assert rec.applied_seqs == [7, 8, 9]
            assert len(rec.snapshots) == 1 and hub.snapshot_requests == 1
            assert rec.links == [Link.CONNECTED, Link.RECONNECTING, Link.CONNECTED]
            lost = next(c for c in rec.connections if c.link is Link.RECONNECTING)
            assert lost.attempts == 1 and lost.message


async def test_hub_down_at_start_keeps_retrying_with_growing_attempts() -> None:
    async with FakeHub() as hub:
        url = hub.url
    rec = Recorder()
    client = FeedClient(url, TOKEN, None, rec, first_delay=0.02, max_delay=0.1)
    task = asyncio.create_task(client.run())
    await rec.wait_for(lambda: client.connection.attempts >= 4)
    task.cancel()
    assert client.connection.link is Link.RECONNECTING
    assert client.connection.message == f"cannot reach the hub at {url}: connection refused"
    assert rec.snapshots == []


def test_feed_url_follows_the_rest_url() -> None:
    rec = Recorder()
    assert FeedClient("http://h:1/", None, None, rec).feed_url(5) == "ws://h:1/v1/feed?since=5&v=1"
    assert (
        FeedClient("https://h/ringmon", None, None, rec).feed_url(0)
        == "wss://h/ringmon/v1/feed?since=0&v=1"
    )


async def test_connection_since_is_hub_time_of_the_change() -> None:
    async with FakeHub() as hub, running(hub) as (client, rec):
        await rec.wait_for(lambda: client.connection.link is Link.CONNECTED)
        snapshot_now = at(1) + timedelta(seconds=5)  # FakeHub: last event + 5 s
        assert abs(client.connection.since - snapshot_now.timestamp()) < 5
