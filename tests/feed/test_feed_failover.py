"""Several hubs on one log (``--url URL1,URL2``), against scripted hubs: the client moves to
the next hub when it loses one and resumes with ``since``; seqs spaced by a hub on the shared
log are no gap; a gap elsewhere (between events, or behind a heartbeat) is a new snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from feed_fakehub import TOKEN, FakeHub, Recorder, at, base_events, call_events, frame, heartbeat
from test_feed_frames import scripted
from websockets.asyncio.server import ServerConnection

from ringmon.config import Settings
from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Link
from ringmon.feed.hubs import check_hub_urls, hub_label
from ringmon.widgets.summary import feed_state


@asynccontextmanager
async def following(urls: str) -> AsyncIterator[tuple[FeedClient, Recorder]]:
    recorder = Recorder()
    client = FeedClient(urls, TOKEN, None, recorder, first_delay=0.05, max_delay=0.5)
    task = asyncio.create_task(client.run())
    try:
        yield client, recorder
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_spaced_seqs_of_a_hub_on_the_shared_log_are_no_gap() -> None:
    """A hub whose health says ``log`` (the shared log) numbers events stream seq x 10,000 +
    line; one every hub rejected leaves its seq unused: neither is a lost event."""
    ring, answer, end = call_events(7)
    spaced = [e.model_copy(update={"seq": n}) for e, n in ((ring, 20_000), (answer, 40_000))]
    last = end.model_copy(update={"seq": 40_002})
    async with FakeHub(snapshot_seq=6) as hub:
        hub.health = [{"status": "ok", "seq": 6, "log": {"hub": "hub-1", "leases": []}}]
        hub.script = scripted(frame(spaced), frame(last), heartbeat(40_002, at(70)))
        async with following(hub.url) as (client, rec):
            await rec.wait_for(lambda: client.state is not None and client.state.seq == 40_002)
            await rec.wait_for(lambda: client.connection.last_frame_at is not None)
            assert rec.applied_seqs == [20_000, 40_000, 40_002]
            assert client.counters.gaps == 0 and len(rec.snapshots) == 1


@pytest.mark.parametrize(
    "frames",
    [
        # an event after a seq nobody declared
        lambda ring, answer: [frame(ring), frame(answer)],
        # a heartbeat that passed a seq we never got (the lost tail of a batch)
        lambda ring, answer: [heartbeat(8, at(70))],
    ],
    ids=["event", "heartbeat"],
)
async def test_an_undeclared_gap_is_a_new_snapshot(frames) -> None:  # type: ignore[no-untyped-def]
    ring, answer, _ = call_events(7)
    answer = answer.model_copy(update={"seq": 9})
    async with FakeHub(snapshot_seq=6) as hub:
        sent = frames(ring, answer)

        async def script(ws: ServerConnection, since: int) -> None:
            if len(hub.feed_requests) == 1:
                for f in sent:
                    await ws.send(f)
            await ws.wait_closed()

        hub.script = script
        async with following(hub.url) as (client, rec):
            await rec.wait_for(lambda: len(rec.snapshots) == 2)
            assert client.counters.gaps == 1
            assert 8 not in rec.applied_seqs


async def test_a_lost_hub_hands_over_to_the_next_with_since() -> None:
    events = [*base_events(), *call_events(7)]
    async with FakeHub(events=events, snapshot_seq=6) as a, FakeHub(events=events) as b:

        async def a_then_close(ws: ServerConnection, since: int) -> None:
            await ws.send(frame(events[6:8]))  # 7, 8: then A goes away
            await ws.close(1001, "the hub is shutting down")
            assert a.server is not None
            a.server.close()

        a.script = a_then_close
        async with following(f"{a.url}, {b.url}/") as (client, rec):
            await rec.wait_for(lambda: client.state is not None and client.state.seq == 9)
            assert b.feed_requests == [8]  # resumed where A left off
            assert b.snapshot_requests == 0 and len(rec.snapshots) == 1
            assert rec.applied_seqs == [7, 8, 9]
            await rec.wait_for(lambda: client.connection.link is Link.CONNECTED)
            assert client.connection.hub == b.url and client.url == b.url
            lost = next(c for c in rec.connections if c.link is Link.RECONNECTING)
            assert lost.message.endswith(f"; trying {hub_label(b.url)}")
            shown = feed_state(client.connection, client.hub_time.now(), 1.0, client.state.tz)
            assert f"live on 127.0.0.1:{b.port}" in shown.short


def shared_log(hub: str, created: str) -> dict[str, object]:
    """``log`` in the health of a hub on the shared log, as ClusterLog.health says it."""
    stream = f"RINGMON_EVENTS@{created}"
    return {"hub": hub, "stream": stream, "applied_stream_seq": 1, "leases": []}


@pytest.mark.parametrize(
    ("log_a", "log_b"),
    [
        ("stream-1", "stream-2"),
        # two clusters (or a stream made again): same name, other creation time
        (
            shared_log("hub-a", "2026-12-01T08:00:00.1+00:00"),
            shared_log("hub-b", "2026-12-02T08:00:00.2+00:00"),
        ),
    ],
)
async def test_another_log_on_the_next_hub_is_a_new_snapshot(log_a: object, log_b: object) -> None:
    events = [*base_events(), *call_events(7)]
    async with FakeHub(events=events, snapshot_seq=6) as a, FakeHub(events=events) as b:
        a.health = [{"status": "ok", "seq": 6, "log": log_a}]
        b.health = [{"status": "ok", "seq": 9, "log": log_b}]

        async def a_then_close(ws: ServerConnection, since: int) -> None:
            await ws.send(frame(events[6]))
            await ws.close(1001, "the hub is shutting down")
            assert a.server is not None
            a.server.close()

        a.script = a_then_close
        async with following(f"{a.url},{b.url}") as (_, rec):
            await rec.wait_for(lambda: len(rec.snapshots) == 2)
            assert b.snapshot_requests == 1 and rec.snapshot_seqs == [6, 9]


def test_hub_urls_from_the_command_line_the_environment_and_the_file() -> None:
    assert check_hub_urls("http://a:1, https://b/ ") == ("http://a:1", "https://b")
    assert Settings(url=["http://a:1", "http://b:2"]).url == "http://a:1,http://b:2"
    with pytest.raises(ValueError, match="empty hub URL"):
        check_hub_urls("http://a:1,,http://b")
    with pytest.raises(ValueError, match="'ftp://b' is not an http"):
        Settings(url="http://a:1,ftp://b")
    with pytest.raises(ValueError, match="given twice"):
        check_hub_urls("http://a:1,http://a:1/")
    assert hub_label("http://[::1]:8765") == "[::1]:8765"
    assert hub_label("https://hub.example/ringmon") == "hub.example"


async def test_the_same_stream_on_another_hub_is_resumed_with_since() -> None:
    """Two hubs of one shared log (their ids differ, ``log.stream`` is the same): no new
    snapshot, the client resumes where it was."""
    events = [*base_events(), *call_events(7)]
    created = "2026-12-01T08:00:00.1+00:00"
    async with FakeHub(events=events, snapshot_seq=6) as a, FakeHub(events=events) as b:
        a.health = [{"status": "ok", "seq": 6, "log": shared_log("hub-a", created)}]
        b.health = [{"status": "ok", "seq": 9, "log": shared_log("hub-b", created)}]

        async def a_then_close(ws: ServerConnection, since: int) -> None:
            await ws.send(frame(events[6]))
            await ws.close(1001, "the hub is shutting down")
            assert a.server is not None
            a.server.close()

        a.script = a_then_close
        async with following(f"{a.url},{b.url}") as (client, rec):
            await rec.wait_for(lambda: client.state is not None and client.state.seq == 9)
            assert b.feed_requests == [7] and b.snapshot_requests == 0
            assert rec.snapshot_seqs == [6]
