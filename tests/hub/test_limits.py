"""Issue 9 item 10: idle, half-open and stalled connections are let go, and the hub holds at
most ``max_connections``. Real sockets on loopback against a hub with short timeouts; every
wait is for the hub to act (a read until it closes, with a deadline), never a sleep."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from hub_helpers import device, raw_feed, team

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.hub.serving.limits import Limits

SHORT = Limits(
    header_timeout=0.5,
    idle_timeout=0.5,
    send_timeout=0.5,
    max_connections=8,
    ws_ping_interval=0.3,
    ws_ping_timeout=0.3,
)


@asynccontextmanager
async def hub_with(
    config: HubConfig, clock: ManualClock, limits: Limits
) -> AsyncIterator[HubServer]:
    config = dataclasses.replace(config, limits=limits)
    async with running_hub(config, clock=clock, sources=[]) as server:
        yield server


def connect(server: HubServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def until_closed(sock: socket.socket) -> bytes:
    """Everything the hub sends until it closes the connection (10 s at most)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    sock.close()
    return data


async def closed_within(sock: socket.socket) -> bytes:
    return await asyncio.to_thread(until_closed, sock)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_half_sent_headers_get_408_and_are_closed(
    config: HubConfig, clock: ManualClock
) -> None:
    async with hub_with(config, clock, SHORT) as server:
        socks = [connect(server) for _ in range(5)]
        for sock in socks:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        answers = await asyncio.gather(*(closed_within(s) for s in socks))
        for answer in answers:
            assert answer.startswith(b"HTTP/1.1 408 ")
            assert b"did not arrive within 0.5 s" in answer


async def test_a_silent_connection_is_closed(config: HubConfig, clock: ManualClock) -> None:
    async with hub_with(config, clock, SHORT) as server:
        assert (await closed_within(connect(server))).startswith(b"HTTP/1.1 408 ")


async def test_websocket_upgrades_with_huge_or_unfinished_headers_are_let_go(
    config: HubConfig, clock: ManualClock
) -> None:
    upgrade = (
        b"GET /v1/feed HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    )
    async with hub_with(config, clock, SHORT) as server:
        huge = connect(server)
        huge.sendall(upgrade + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 4000) for i in range(5)))
        unfinished = connect(server)
        unfinished.sendall(upgrade + b"X-Pad: " + b"a" * 4000)
        assert (await closed_within(huge)).startswith(b"HTTP/1.1 400 ")  # > 16 KiB of headers
        assert (await closed_within(unfinished)).startswith(b"HTTP/1.1 408 ")


async def test_an_idle_kept_alive_connection_is_closed(
    config: HubConfig, clock: ManualClock
) -> None:
    async with hub_with(config, clock, SHORT) as server:
        sock = connect(server)
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await closed_within(sock)  # answered, then closed once idle
        assert answer.startswith(b"HTTP/1.1 200 ") and answer.count(b"HTTP/1.1") == 1


def test_the_idle_timeout_outlasts_a_clients_pool() -> None:
    # At 5 s, httpx's own expiry, the hub closed a pooled connection just as a pusher reused
    # it: the push got a reset, not an answer (under load, in test_push_concurrency).
    assert Limits().idle_timeout > httpx.Limits().keepalive_expiry  # type: ignore[operator]


async def test_connections_past_the_limit_are_refused(
    config: HubConfig, clock: ManualClock
) -> None:
    limits = dataclasses.replace(SHORT, header_timeout=30.0, max_connections=4)
    async with hub_with(config, clock, limits) as server:
        held = [connect(server) for _ in range(4)]
        for sock in held:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # unfinished: held
        refused = connect(server)
        answer = await closed_within(refused)
        assert answer.startswith(b"HTTP/1.1 503 ") and b"limit of 4 connections" in answer
        held.pop().close()
        await asyncio.sleep(0)  # (a yield, not a wait: the loop sees the close)
        for _ in range(100):  # a place frees up once the hub has seen the close
            sock = connect(server)
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = await closed_within(sock)
            if answer.startswith(b"HTTP/1.1 200 "):
                break
            assert answer.startswith(b"HTTP/1.1 503 ")
        else:
            raise AssertionError("no place freed up")
        for sock in held:
            sock.close()


async def test_a_feed_client_that_stops_reading_is_dropped(
    config: HubConfig, clock: ManualClock
) -> None:
    limits = dataclasses.replace(SHORT, ws_ping_interval=60.0, ws_ping_timeout=60.0)
    async with hub_with(config, clock, limits) as server:
        hub = server.hub
        assert hub.tokens is not None
        for event in team():
            assert await hub.emit(event, source="t")
        token = hub.tokens.add("alice", "analyst")
        sock = await asyncio.to_thread(raw_feed, server.port, token, 8)
        await until(lambda: bool(hub.subscribers))
        n = 0
        async with asyncio.timeout(60):
            while hub.subscribers:  # the send timeout lets it go
                for _ in range(500):
                    hub.accept(device(300 + n / 1000, "sip201", "c1", "online"), source="t")
                    n += 1
                await hub.flush()
        sock.close()


async def test_a_feed_client_that_does_not_answer_pings_is_dropped(
    config: HubConfig, clock: ManualClock
) -> None:
    async with hub_with(config, clock, SHORT) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("alice", "analyst")
        sock = await asyncio.to_thread(raw_feed, server.port, token, None)
        await until(lambda: bool(server.hub.subscribers))
        await until(lambda: not server.hub.subscribers)  # ping, no pong: closed
        sock.close()
