"""A hand-scripted hub for protocol edge cases: a real websockets server on a loopback port
that answers ``GET /v1/snapshot`` from ``process_request`` and plays scripted frames on
``/v1/feed``. The real hub is tested against the client elsewhere; this one exists to send
what a correct hub never would (gaps, duplicates, garbage)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from ringmon.feed.connection import Connection, Link
from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    EmployeeUpsert,
    Event,
    dump_event,
)
from ringmon.model.state import State
from ringmon.model.wire import snapshot_doc

T0 = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
TOKEN = "good-token"


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0.timestamp() + seconds, UTC)


def base_events() -> list[Event]:
    """Two employees, an account and an online device each: seq 1..6."""
    events: list[Event] = [
        EmployeeUpsert(ts=at(0), id="e1", name="Anna Nowak", department="Sales"),
        EmployeeUpsert(ts=at(0), id="e2", name="Jan Kowalski"),
        AccountUpsert(ts=at(0), login="sip1", number="101", employee="e1"),
        AccountUpsert(ts=at(0), login="sip2", number="102", employee="e2"),
        DeviceStatus(ts=at(1), account="sip1", device="c1", user_agent="MicroSIP", status="online"),
        DeviceStatus(ts=at(1), account="sip2", device="c1", user_agent="Zoiper", status="online"),
    ]
    return [e.model_copy(update={"seq": i}) for i, e in enumerate(events, start=1)]


def call_events(first_seq: int, t: float = 10) -> list[Event]:
    """e1 rings, answers, ends: three events from ``first_seq``."""
    events: list[Event] = [
        CallRing(ts=at(t), call="c1", leg="c1/sip1", account="sip1", device="c1", direction="in"),
        CallAnswer(ts=at(t + 3), call="c1", leg="c1/sip1"),
        CallEnd(ts=at(t + 60), call="c1", leg="c1/sip1"),
    ]
    return [e.model_copy(update={"seq": first_seq + i}) for i, e in enumerate(events)]


def frame(events: Event | list[Event]) -> str:
    if isinstance(events, list):
        return "[" + ",".join(dump_event(e) for e in events) + "]"
    return dump_event(events)


def heartbeat(seq: int, now: datetime, speed: float = 1.0, **fields: Any) -> str:
    """A heartbeat frame; ``fields``: what the hub says of itself (status, sources, loading)."""
    return json.dumps(
        {"type": "heartbeat", "seq": seq, "now": now.isoformat(), "speed": speed} | fields
    )


Script = Callable[[ServerConnection, int], Awaitable[None]]


@dataclass
class FakeHub:
    """``events`` is the hub's whole log; the snapshot is its state at ``snapshot_seq``."""

    events: list[Event] = field(default_factory=base_events)
    snapshot_seq: int | None = None
    script: Script | None = None
    refuse: tuple[int, str] | None = None  # (status, error) for every request
    refuse_feed: tuple[int, str] | None = None  # only for the WebSocket handshake
    # /v1/health answers in turn (the last one repeats); none: 404, as an older hub
    health: list[dict[str, Any]] = field(default_factory=list)
    # /v1/snapshot status codes in turn (then 200); a 503 says the hub is loading history
    snapshot_statuses: list[int] = field(default_factory=list)
    health_requests: int = 0
    snapshot_requests: int = 0
    feed_requests: list[int] = field(default_factory=list)
    server: Server | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeHub:
        self.server = await serve(
            self._session, "127.0.0.1", 0, process_request=self._process_request
        )
        self.port = next(iter(self.server.sockets)).getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    def snapshot_json(self) -> str:
        upto = self.snapshot_seq if self.snapshot_seq is not None else len(self.events)
        state = State()
        state.apply_all(e for e in self.events if e.seq is not None and e.seq <= upto)
        now = state.clock + 5
        return snapshot_doc(state, now, 1.0, "Europe/Warsaw").model_dump_json()

    @staticmethod
    def _json(connection: ServerConnection, status: int, body: str) -> Response:
        response = connection.respond(HTTPStatus(status), body)
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "application/json"
        return response

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        auth = request.headers.get("Authorization")
        refusal = self.refuse
        if path == "/v1/feed" and refusal is None:
            refusal = self.refuse_feed
        if refusal is None and auth != f"Bearer {TOKEN}":
            refusal = (401, "unknown token")
        if refusal is not None:
            return self._json(connection, refusal[0], json.dumps({"error": refusal[1]}))
        if path == "/v1/health" and self.health:
            answer = self.health[min(self.health_requests, len(self.health) - 1)]
            self.health_requests += 1
            return self._json(connection, 200, json.dumps(answer))
        if path == "/v1/snapshot":
            self.snapshot_requests += 1
            if self.snapshot_statuses:
                status = self.snapshot_statuses.pop(0)
                if status != 200:
                    error = "the hub is still loading history: 3 of 8 days; try again shortly"
                    return self._json(connection, status, json.dumps({"error": error}))
            return self._json(connection, 200, self.snapshot_json())
        if path == "/v1/feed":
            return None
        return self._json(connection, 404, json.dumps({"error": "no such route"}))

    async def _session(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        since = int(parse_qs(urlsplit(ws.request.path).query)["since"][0])
        self.feed_requests.append(since)
        if self.script is not None:
            await self.script(ws, since)
        else:
            await replay_and_wait(self, ws, since)


async def replay_and_wait(hub: FakeHub, ws: ServerConnection, since: int) -> None:
    """What a correct hub does: replay everything after ``since``, then stay open."""
    missed = [e for e in hub.events if e.seq is not None and e.seq > since]
    if missed:
        await ws.send(frame(missed))
    await ws.wait_closed()


@dataclass
class Recorder:
    """A FeedListener that remembers every call and lets a test wait for a condition."""

    snapshots: list[State] = field(default_factory=list)
    snapshot_seqs: list[int] = field(default_factory=list)  # each state's seq when it came
    lineages: list[list[int]] = field(default_factory=list)  # per snapshot: seqs applied after
    batches: list[tuple[list[Event], set[str]]] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def feed_snapshot(self, state: State) -> None:
        self.snapshots.append(state)
        self.snapshot_seqs.append(state.seq)
        self.lineages.append([])
        self._changed.set()

    def feed_events(self, events: list[Event], employees: set[str]) -> None:
        self.batches.append((list(events), set(employees)))
        if self.lineages:
            self.lineages[-1].extend(e.seq for e in events if e.seq is not None)
        self._changed.set()

    def feed_connection(self, connection: Connection) -> None:
        self.connections.append(connection)
        self._changed.set()

    @property
    def applied_seqs(self) -> list[int]:
        return [e.seq for batch, _ in self.batches for e in batch if e.seq is not None]

    @property
    def links(self) -> list[Link]:
        out: list[Link] = []
        for c in self.connections:
            if not out or out[-1] != c.link:
                out.append(c.link)
        return out

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 5.0) -> None:
        """Wait until ``condition()`` is true, re-checking after every listener call."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()
