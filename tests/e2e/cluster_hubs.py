"""Hub processes on a shared JetStream log, feed clients that record what they applied, and a
writer on the push API: the parts of tests/e2e/test_cluster_e2e.py."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Connection
from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.model.wire import snapshot_doc

START_SECONDS = 120.0
"""A hub process's imports alone can take 15 s on a loaded machine, then JetStream's leader."""


@dataclass
class HubProcess:
    """``ringmon hub --log nats://...`` as a process; killed and started again on its port."""

    name: str
    data: Path
    log_url: str
    sources: tuple[str, ...] = ()
    port: int = 0
    url: str = ""
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        args = [sys.executable, "-m", "ringmon", "hub", "--port", str(self.port)]
        args += ["--data", str(self.data), "--log", self.log_url, "--tz", "Europe/Warsaw"]
        for source in self.sources:
            args += ["--source", source]
        args += ["--seed", "7", "--employees", "40", "--backfill-days", "0"]
        log = self.data.with_name(f"{self.name}.log")
        self.process = await asyncio.create_subprocess_exec(
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=log.open("ab"),
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), START_SECONDS)
        except TimeoutError:
            self.process.kill()
            raise AssertionError(f"{self.name} did not start:\n{log.read_text()[-3000:]}") from None
        text = line.decode()
        assert text.startswith("listening on http://127.0.0.1:"), log.read_text()[-3000:]
        self.url = text.removeprefix("listening on ").strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    async def kill(self) -> None:
        """SIGKILL: a crash, nothing said to anyone."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await asyncio.wait_for(self.process.wait(), 30)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def health(url: str, token: str) -> dict[str, Any]:
    """``/v1/health`` with a reading token; ``{}`` while the hub does not answer."""
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5.0) as http:
            answer = await http.get("/v1/health", headers={"Authorization": f"Bearer {token}"})
            doc: dict[str, Any] = answer.json()
            return doc
    except (httpx.HTTPError, ValueError):
        return {}


async def leases(url: str, token: str) -> list[str]:
    log = (await health(url, token)).get("log") or {}
    held: list[str] = log.get("leases") or []
    return held


async def snapshot(url: str, token: str) -> dict[str, Any] | None:
    """The hub's ``/v1/snapshot`` (``timeless``); None while it does not answer."""
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
            answer = await http.get("/v1/snapshot", headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    return timeless(answer.json())


def timeless(doc: dict[str, Any]) -> dict[str, Any]:
    """A snapshot document without what depends on when or how it was made: ``now``, the
    seconds a leg in progress has rung or talked so far (its ``ring_at``/``answer_at`` stay),
    and the order of its lists (a state restored from a snapshot lists its calls in the
    snapshot's order, the hub in the order they came)."""
    doc.pop("now")
    for leg in doc.get("legs") or []:
        leg.pop("ring_seconds", None)
        leg.pop("talk_seconds", None)
    for key, value in doc.items():
        if isinstance(value, list):
            doc[key] = sorted(value, key=lambda item: json.dumps(item, sort_keys=True))
    return doc


def board(state: State) -> dict[str, Any]:
    """A client's state as the hub's snapshot document (``timeless``), to compare."""
    doc = snapshot_doc(state, state.clock, 1.0, "Europe/Warsaw").model_dump(mode="json")
    return timeless(doc)


def digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


@dataclass
class Board:
    """A feed client's listener: what it applied, from which hub, when; the board's digest
    after every batch (by seq), to compare two clients and a hub at the same seq."""

    name: str
    client: FeedClient | None = None
    snapshots: list[int] = field(default_factory=list)
    applied: list[int] = field(default_factory=list)
    arrivals: list[tuple[float, str, int]] = field(default_factory=list)  # (monotonic, hub, seq)
    digests: dict[int, str] = field(default_factory=dict)
    connections: list[Connection] = field(default_factory=list)

    def feed_snapshot(self, state: State) -> None:
        self.snapshots.append(state.seq)
        self.digests[state.seq] = digest(board(state))

    def feed_events(self, events: list[Event], employees: set[str]) -> None:
        assert self.client is not None and self.client.state is not None
        seqs = [e.seq for e in events if e.seq is not None]
        self.applied += seqs
        now = time.monotonic()
        self.arrivals += [(now, self.client.url, seq) for seq in seqs]
        self.digests[self.client.state.seq] = digest(board(self.client.state))

    def feed_connection(self, connection: Connection) -> None:
        self.connections.append(connection)

    @property
    def seq(self) -> int:
        state = self.client.state if self.client is not None else None
        return state.seq if state is not None else -1

    def first_from(self, hub: str, after: float) -> float | None:
        """When the first event from ``hub`` arrived after ``after`` (monotonic), if one did."""
        return next((at for at, url, _ in self.arrivals if url == hub and at > after), None)


def follow(name: str, urls: str, token: str) -> tuple[Board, asyncio.Task[None]]:
    """A feed client on ``urls`` (``URL1,URL2``), as ``ringmon --url`` runs it (its own
    retry waits: the failover time measured is the one a user sees)."""
    recorder = Board(name)
    client = FeedClient(urls, token, None, recorder)
    recorder.client = client
    return recorder, asyncio.create_task(client.run(), name=name)


@dataclass
class Writer:
    """Pushes one ``employee.upsert`` at a time (``w1``, ``w2``...) to the hubs in turn, each
    retried with its ``event_id`` until a hub acknowledges it (200): what a careful source
    does. ``acknowledged`` lists the ids a hub said were stored."""

    urls: list[str]
    token: str
    acknowledged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # what a hub answered, other than 200
    _next: int = 0

    async def write(self, count: int, *, pause: float = 0.05) -> None:
        async with httpx.AsyncClient(timeout=10.0) as http:
            for _ in range(count):
                self._next += 1
                await self._one(http, f"w{self._next}")
                await asyncio.sleep(pause)  # a steady trickle, not a burst

    async def _one(self, http: httpx.AsyncClient, ident: str) -> None:
        body = {
            "event_id": ident,
            "type": "employee.upsert",
            "ts": datetime.now(UTC).isoformat(),
            "id": ident,
            "name": f"Writer {ident}",
            "department": "Pushed",
        }
        deadline = time.monotonic() + 120
        turn = 0
        while True:
            url = self.urls[turn % len(self.urls)]
            turn += 1
            try:
                answer = await http.post(
                    f"{url}/v1/ingest",
                    json=body,
                    headers={"Authorization": f"Bearer {self.token}"},
                )
                if answer.status_code == 200:
                    self.acknowledged.append(ident)
                    return
                self.refused.append(f"{ident}: {answer.status_code} {answer.text[:200]}")
            except httpx.HTTPError as exc:
                self.refused.append(f"{ident}: {exc!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no hub stored {ident}: {self.refused[-5:]}")
            await asyncio.sleep(0.2)
