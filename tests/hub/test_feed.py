"""The WebSocket feed over a real loopback port: replay, live, no gap and no repeat,
heartbeats, resync, slow clients, shutdown."""

from __future__ import annotations

import asyncio

from hub_helpers import (
    auth,
    calls,
    device,
    feed,
    frames,
    next_of_type,
    raw_feed,
    read_events,
    read_until,
    team,
)
from hub_served import Served
from websockets.exceptions import ConnectionClosed


async def emit_all(served: Served, events: list) -> None:  # type: ignore[type-arg]
    for event in events:
        assert await served.hub.emit(event, source="test"), event


def seqs(events: list[dict]) -> list[int]:  # type: ignore[type-arg]
    return [e["seq"] for e in events]


async def test_replay_then_live(served: Served) -> None:
    await emit_all(served, team())
    async with feed(served.url, served.token, since=0) as ws:
        replayed = await read_events(ws, 8)
        assert seqs(replayed) == list(range(1, 9))
        assert replayed[0] == {
            "seq": 1,
            "ts": "2026-03-24T07:00:00Z",
            "type": "employee.upsert",
            "id": "e1",
            "name": "Anna Nowak",
            "department": "Sales",
            "numbers": [],
        }
        beat = await next_of_type(ws, "heartbeat")
        assert beat["seq"] == 8
        assert beat["now"] == "2026-03-24T11:00:00Z"
        assert beat["speed"] == 1.0
        await emit_all(served, calls(2))
        live = await read_events(ws, 14)
        assert seqs(live) == list(range(9, 15))
        assert live[0]["type"] == "call.ring"


async def test_resume_from_the_middle(served: Served) -> None:
    await emit_all(served, [*team(), *calls(3)])
    async with feed(served.url, served.token, since=10) as ws:
        assert seqs(await read_events(ws, 17)) == list(range(11, 18))


async def test_without_since_the_feed_is_live_only(served: Served) -> None:
    await emit_all(served, team())
    await served.hub.flush()  # the feed starts at the newest committed seq
    async with feed(served.url, served.token, since=None) as ws:
        beat = await next_of_type(ws, "heartbeat")
        assert beat["seq"] == 8
        await emit_all(served, calls(1))
        assert seqs(await read_events(ws, 11)) == [9, 10, 11]


async def test_no_gap_no_repeat_while_events_flow(served: Served) -> None:
    """Events keep coming while clients connect and replay: each sees every seq once."""
    await emit_all(served, team())
    total = 8 + 400

    async def flood() -> None:
        for n in range(400):
            status = ("offline", "online")[n % 2]
            assert await served.hub.emit(device(200 + n, "sip201", "c1", status), source="t")
            if n % 4 == 0:
                await asyncio.sleep(0.001)

    async def client(since: int, delay: float) -> list[int]:
        await asyncio.sleep(delay)
        async with feed(served.url, served.token, since=since) as ws:
            return seqs(await read_events(ws, total))

    flooding = asyncio.create_task(flood())
    results = await asyncio.gather(*(client(s, d) for s, d in [(0, 0), (3, 0.05), (8, 0.1)]))
    await flooding
    for since, got in zip((0, 3, 8), results, strict=True):
        assert got == list(range(since + 1, total + 1))


async def test_heartbeats_keep_coming(served: Served) -> None:
    served.hub.heartbeat = 0.05
    async with feed(served.url, served.token, since=0) as ws:
        beats = []
        async for item in frames(ws):
            assert item["type"] == "heartbeat"
            beats.append(item)
            if len(beats) == 3:
                break
        served.clock.advance(60)
        later = await next_of_type(ws, "heartbeat")
    assert [b["seq"] for b in beats] == [0, 0, 0]
    assert later["now"] == "2026-03-24T11:01:00Z"


async def test_since_newer_than_the_hub_is_resync(served: Served) -> None:
    await emit_all(served, team())
    async with feed(served.url, served.token, since=9) as ws:
        message = await next_of_type(ws, "resync")
        assert "newer" in message["reason"]
        await ws.wait_closed()
    assert ws.close_code == 1000


async def test_a_slow_client_is_told_to_resync_and_the_hub_goes_on(served: Served) -> None:
    """A client that stops reading: the socket's buffers fill, then its queue (bounded in
    bytes); the hub drops the queue and, when the client reads again, tells it to resync."""
    served.hub.queue_bytes = 256 * 1024
    await emit_all(served, team())
    sock = await asyncio.to_thread(raw_feed, served.server.port, served.token, 8)
    for _ in range(1000):
        if served.hub.subscribers:
            break
        await asyncio.sleep(0.01)
    (sub,) = served.hub.subscribers
    n = 0
    while not sub.overflowed:
        assert n < 500_000, "the hub never gave up on the stalled client"
        for _ in range(500):
            status = ("offline", "online")[n % 2]
            served.hub.accept(device(300 + n / 1000, "sip201", "c1", status), source="t")
            n += 1
        await served.hub.flush()
    assert sub.queued == 0 and not sub.frames  # dropped, not kept
    seen = await asyncio.to_thread(read_until, sock, b'"type": "resync"')
    assert b"fell too far behind" in seen
    sock.close()
    async with feed(served.url, served.token, since=8) as other:
        assert seqs(await read_events(other, 8 + n)) == list(range(9, 9 + n))


async def test_shutdown_closes_feeds_cleanly(served: Served) -> None:
    async with feed(served.url, served.token, since=0) as ws:
        await next_of_type(ws, "heartbeat")
        served.hub.close_subscribers()
        try:
            async for _ in frames(ws):
                pass
        except ConnectionClosed:
            pass
    assert ws.close_code == 1001
    assert "shutting down" in (ws.close_reason or "")


async def test_clients_are_counted(served: Served) -> None:
    async with feed(served.url, served.token, since=0) as ws:
        await next_of_type(ws, "heartbeat")
        health = (await served.client.get("/v1/health", headers=auth(served.token))).json()
        assert health["clients"] == 1
    for _ in range(100):
        if not served.hub.subscribers:
            break
        await asyncio.sleep(0.01)
    assert (await served.client.get("/v1/health", headers=auth(served.token))).json()[
        "clients"
    ] == 0
