"""Publishing checked events to the stream (a part of ``ClusterLog``).

A source's events are buffered per source and go out every flush tick as messages of at most
5,000 events (or 768 KiB), in the order the source gave them; a push batch is published as
one message at once. Each message carries a ``Nats-Msg-Id`` (this hub's id and a counter): a
publish retried after a lost acknowledgement is stored once (JetStream's window, 2 min).

While NATS cannot take them (no quorum, every server down), messages wait here, in order,
and are sent again (waits growing to 5 s); past ``max_pending`` events a source's ``emit``
waits (back-pressure), so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from typing import TYPE_CHECKING

from nats.js.errors import APIError

from ringmon.hub.log import SUBJECT
from ringmon.hub.log.connection import RETRYABLE
from ringmon.hub.log.message import MAX_BYTES, MAX_EVENTS, LogMessage
from ringmon.model.schema import Event

if TYPE_CHECKING:
    from ringmon.hub.log.cluster import ClusterLog

log = logging.getLogger("ringmon.hub.log")

PUBLISH_RETRY_CAP = 5.0


class Publisher:
    def __init__(self, owner: ClusterLog) -> None:
        self.owner = owner
        self._open: dict[str, tuple[LogMessage, int]] = {}  # source -> (message, bytes)
        self._ready: deque[tuple[LogMessage, str]] = deque()
        self._count = itertools.count(1)
        self._pending_events = 0
        self._drained = asyncio.Event()
        self._drained.set()
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def new_id(self) -> str:
        return f"{self.owner.id}-{next(self._count)}"

    def submit(self, event: Event, source: str, dumped: str) -> None:
        message, size = self._open.get(source) or (LogMessage(source=source), 0)
        message.lines.append(dumped)
        size += len(dumped) + 1
        self._pending_events += 1
        self._drained.clear()
        if len(message.lines) >= MAX_EVENTS or size >= MAX_BYTES:
            self._open.pop(source, None)
            self._ready.append((message, self.new_id()))
            self._wake.set()
        else:
            self._open[source] = (message, size)

    def note_cursor(self, source: str, cursor: str) -> None:
        """Where ``source`` got to, past the events it submitted: travels with them."""
        message, size = self._open.get(source) or (LogMessage(source=source), 0)
        message.cursor = cursor
        self._open[source] = (message, size)
        self._drained.clear()

    async def breathe(self) -> None:
        """Wait while more than ``max_pending`` events wait for NATS."""
        while self._pending_events >= self.owner.hub.max_pending:
            self._wake.set()
            await asyncio.sleep(self.owner.hub.flush_interval)

    def _cut(self) -> None:
        for message, _ in self._open.values():
            self._ready.append((message, self.new_id()))
        self._open.clear()

    async def run(self) -> None:
        interval = self.owner.hub.flush_interval
        while not self.owner.stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._wake.wait()
            self._wake.clear()
            await self.send_ready()

    async def send_ready(self) -> None:
        async with self._lock:
            self._cut()
            wait = 0.2
            while self._ready:
                message, msg_id = self._ready[0]
                try:
                    await self.publish(message, msg_id)
                except (*RETRYABLE, APIError) as exc:
                    reason = f"cannot publish to NATS JetStream: {exc!r}"
                    if self.owner.error != reason:
                        log.error("%s; %d events wait", reason, self._pending_events)
                    self.owner.error = reason
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, PUBLISH_RETRY_CAP)
                    continue
                self._ready.popleft()
                self._pending_events -= len(message.lines)
                self.owner.error = None
            if not self._open:
                self._pending_events = 0
                self._drained.set()

    async def publish(self, message: LogMessage, msg_id: str) -> int:
        """One message, acknowledged by the stream; its stream sequence."""
        conn = self.owner.conn
        assert conn is not None
        ack = await conn.js.publish(
            SUBJECT, message.encode(), headers={"Nats-Msg-Id": msg_id}, timeout=10.0
        )
        return int(ack.seq)

    async def drain(self) -> None:
        """Publish everything submitted so far."""
        await self.send_ready()
