"""Builders of feed events and small clients for the hub tests."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    Direction,
    EmployeeUpsert,
    Event,
    Registration,
    dump_event,
)

T0 = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)
"""08:00 in Warsaw on a Tuesday."""


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def employee(t: float, emp: str, name: str, department: str | None = None) -> Event:
    return EmployeeUpsert(ts=at(t), id=emp, name=name, department=department)


def account(t: float, login: str, emp: str | None, number: str | None = None) -> Event:
    return AccountUpsert(ts=at(t), login=login, employee=emp, number=number)


def device(t: float, login: str, dev: str, status: str, *, app: bool = False) -> Event:
    return DeviceStatus(
        ts=at(t),
        account=login,
        device=dev,
        user_agent="Vendor Desktop 3.1" if app else "MicroSIP/3.21.3",
        status=Registration(status),
        dnd_capable=app,
    )


def ring(t: float, leg: str, login: str, dev: str | None = None, out: bool = False) -> Event:
    call = leg.split("/")[0]
    return CallRing(
        ts=at(t),
        call=call,
        leg=leg,
        account=login,
        device=dev,
        direction=Direction.OUT if out else Direction.IN,
        remote="+48601000200",
    )


def answer(t: float, leg: str) -> Event:
    return CallAnswer(ts=at(t), call=leg.split("/")[0], leg=leg)


def end(t: float, leg: str, recording: str | None = None) -> Event:
    return CallEnd(ts=at(t), call=leg.split("/")[0], leg=leg, recording=recording)


def team() -> list[Event]:
    """Two employees, three accounts, a few devices: a small working morning."""
    return [
        employee(0, "e1", "Anna Nowak", "Sales"),
        employee(0, "e2", "Piotr Zieliński", "Support"),
        account(0, "sip101", "e1", "101"),
        account(0, "sip102", "e1", "102"),
        account(0, "sip201", "e2", "201"),
        device(60, "sip101", "c1", "online"),
        device(60, "sip102", "app", "online", app=True),
        device(120, "sip201", "c1", "online"),
    ]


def calls(n: int, start: float = 600.0, login: str = "sip101") -> list[Event]:
    """``n`` answered calls of 60 s each, one every 5 minutes, with recordings."""
    out: list[Event] = []
    for i in range(n):
        t = start + i * 300
        leg = f"c{i}/{login}"
        out += [ring(t, leg, login, "c1"), answer(t + 8, leg), end(t + 68, leg, f"sim:{leg}")]
    return out


def jsonl(events: list[Event]) -> str:
    return "".join(dump_event(e) + "\n" for e in events)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ws_url(base: str, since: int | None = None) -> str:
    url = base.replace("http://", "ws://", 1) + "/v1/feed"
    return url if since is None else f"{url}?since={since}"


@asynccontextmanager
async def feed(base: str, token: str, since: int | None) -> AsyncIterator[ClientConnection]:
    async with connect(ws_url(base, since), additional_headers=auth(token)) as ws:
        yield ws


async def frames(ws: ClientConnection, timeout: float = 10.0) -> AsyncIterator[dict[str, Any]]:
    """Every message, arrays flattened, until the connection closes."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout)
        data = json.loads(raw)
        for item in data if isinstance(data, list) else [data]:
            yield item


async def read_events(
    ws: ClientConnection, upto: int, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Events (not heartbeats) until the one with seq ``upto``."""
    got: list[dict[str, Any]] = []
    if upto <= 0:
        return got
    async for item in frames(ws, timeout):
        if item["type"] in ("heartbeat", "resync"):
            assert item["type"] != "resync", item
            continue
        got.append(item)
        if item["seq"] >= upto:
            return got
    return got


async def next_of_type(ws: ClientConnection, kind: str, timeout: float = 10.0) -> dict[str, Any]:
    async for item in frames(ws, timeout):
        if item["type"] == kind:
            return item
    raise AssertionError(f"no {kind}")


def raw_feed(port: int, token: str, since: int | None) -> socket.socket:
    """A feed connection on a bare socket that reads nothing after the handshake: a stalled
    client (a websockets client would keep reading into its own buffers)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    query = "" if since is None else f"?since={since}"
    request = (
        f"GET /v1/feed{query} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    sock.sendall(request.encode())
    assert b" 101 " in read_until(sock, b"\r\n\r\n")
    return sock


def read_until(sock: socket.socket, marker: bytes, limit: int = 2**30) -> bytes:
    """Bytes from ``sock`` until ``marker`` has come (the stream read raw); the last 64 KiB."""
    data = bytearray()
    while marker not in data[-len(marker) - 2**16 :] and len(data) < limit:
        chunk = sock.recv(2**16)
        assert chunk, f"closed before {marker!r}"
        data += chunk
    return bytes(data[-(2**16) :])
