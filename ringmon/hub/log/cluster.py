"""The event log on a JetStream stream shared by several hubs (see ``ringmon.hub.log``).

Out: ``submit`` (a source's checked event) buffers per source; every flush tick each buffer
goes out as one message (publish.py). ``push`` publishes a push batch as one message and
waits for this hub to apply it.

In: one ordered consumer per hub reads the stream from the index's last stream sequence + 1
and applies each message (apply.py); the local flush loop then commits it to the index and
hands it to feed clients, as for the SQLite log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringmon.hub.log import STOP_WAIT, STREAM, LogSettings
from ringmon.hub.log.apply import Applier, Outcome
from ringmon.hub.log.bases import Bases
from ringmon.hub.log.connection import Connected, LogUnavailable, connect
from ringmon.hub.log.lease import Leases
from ringmon.hub.log.message import LogMessage, stream_seq_of
from ringmon.hub.log.publish import Publisher
from ringmon.hub.log.tokens import ClusterTokens
from ringmon.model.schema import Event

if TYPE_CHECKING:
    from ringmon.hub.core import Hub
    from ringmon.sources.base import SourceHealth

log = logging.getLogger("ringmon.hub.log")

HUB_ID_FILE = "hub-id"
PUSH_WAIT = 30.0
"""How long a push request waits for its batch to come back from the stream (s)."""

__all__ = ["ClusterLog", "LogUnavailable", "Outcome"]


def hub_id(folder: Path) -> str:
    """This hub's name in the cluster (lease holder, token origin), kept in its data folder."""
    path = folder / HUB_ID_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    if not text:
        text = f"hub-{secrets.token_hex(4)}"
        path.write_text(text + "\n", encoding="utf-8")
        path.chmod(0o600)
    return text


class ClusterLog:
    """The hub's side of the shared log: connection, publisher, applier, leases, bases."""

    def __init__(self, hub: Hub, settings: LogSettings) -> None:
        self.hub = hub
        self.settings = settings
        self.id = hub_id(hub.folder)
        self.conn: Connected | None = None
        self.publisher = Publisher(self)
        self.applier = Applier(self)
        self.bases = Bases(self)
        self.leases: Leases | None = None
        self.tokens: ClusterTokens | None = None
        self.error: str | None = None
        self.stream_id: str | None = None
        """Which log this is, the same on every hub of it and different on another stream
        or cluster: ``RINGMON_EVENTS@<the stream's creation time>`` (health's ``log.stream``)."""
        self._tasks: list[asyncio.Task[Any]] = []
        self.stopping = False
        """The hub is stopping: the log's loops end at their next turn even where a
        cancellation was lost (nats-py waits with ``asyncio.wait_for``, which on Python 3.11
        drops one that comes as a message does, and the loop would run on)."""

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, rebuild a missing index from the stream, apply the stream up to its end
        (as it was now), then publish, consume and share tokens. Raises LogUnavailable."""
        hub = self.hub
        self.conn = conn = await connect(self.settings, hub.retention, f"ringmon {self.id}")
        log.info(
            "event log on NATS JetStream %s (replicas %d), this hub is %s",
            ",".join(self.settings.servers),
            conn.replicas,
            self.id,
        )
        # The first uses of the stream and buckets, tried again while NATS is not ready
        # (until connect_timeout after the start, as the connection was).
        await conn.ready("read where this hub's index starts", self.bases.restore_if_empty)
        info = await conn.ready(f"read the stream {STREAM}", partial(conn.js.stream_info, STREAM))
        end = int(info.state.last_seq)
        if info.created is not None:
            self.stream_id = f"{STREAM}@{info.created.isoformat()}"
        self.leases = Leases(self, conn.leases)
        assert hub.tokens is not None
        self.tokens = ClusterTokens(hub.tokens, conn.tokens, self.id)
        hub.tokens = self.tokens  # type: ignore[assignment]  # the same interface
        await conn.ready("share this hub's tokens", self.tokens.start)
        self._tasks += [
            asyncio.create_task(self.applier.run(), name="log-apply"),
            asyncio.create_task(self.publisher.run(), name="log-publish"),
            asyncio.create_task(self.bases.run(), name="log-bases"),
        ]
        await self.applier.wait_applied(end, timeout=None)
        await hub.flush()

    async def stop(self) -> None:
        """Publish what sources handed in, stop consuming (sources were stopped, and their
        leases released, by the hub before)."""
        self.stopping = True
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5.0):
                await self.publisher.drain()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # Bounded: a task that swallowed its cancellation (asyncio.wait_for on Python
            # 3.11 can) must not keep the hub from stopping.
            await asyncio.wait(self._tasks, timeout=STOP_WAIT)
        self._tasks.clear()
        if self.tokens is not None:
            await self.tokens.stop()
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await self.conn.nc.close()

    async def stream_last_seq(self) -> int:
        assert self.conn is not None
        info = await self.conn.js.stream_info(STREAM)
        return int(info.state.last_seq)

    # -- out ------------------------------------------------------------------------------

    def submit(self, event: Event, source: str, dumped: str) -> None:
        self.publisher.submit(event, source, dumped)

    def note_cursor(self, source: str, cursor: str) -> None:
        self.publisher.note_cursor(source, cursor)

    async def breathe(self) -> None:
        await self.publisher.breathe()

    async def push(
        self, lines: list[str], ids: list[str | None], token: str, source: str
    ) -> Outcome:
        """Publish a checked push batch as one message and wait until this hub applied it
        (and stored it): what happened to it, as every hub decided."""
        message = LogMessage(source=source, lines=lines, ids=ids, token=token, whole=True)
        msg_id = self.publisher.new_id()
        waiter = self.applier.expect(msg_id)
        try:
            stream_seq = await self.publisher.publish(message, msg_id)
            async with asyncio.timeout(PUSH_WAIT):
                outcome = await asyncio.shield(waiter)
        finally:
            self.applier.forget(msg_id)
        outcome.stream_seq = stream_seq
        if outcome.last_seq is not None:
            await self.hub.wait_flushed(outcome.last_seq)
        return outcome

    # -- in -------------------------------------------------------------------------------

    async def wait_for_seq(self, seq: int, timeout: float) -> None:
        """Until this hub has applied and stored the message holding feed seq ``seq`` (a
        client failing over from a hub that was ahead), at most ``timeout`` s."""
        target = stream_seq_of(seq)
        if target > self.applier.applied:
            with contextlib.suppress(TimeoutError, Exception):
                async with asyncio.timeout(timeout):
                    last = await self.stream_last_seq()
                if target <= last:
                    await self.applier.wait_applied(target, timeout=timeout)
        with contextlib.suppress(Exception):
            await self.hub.wait_flushed(self.hub.seq)

    def health(self) -> dict[str, Any]:
        leases = self.leases.held() if self.leases is not None else []
        fields: dict[str, Any] = {
            "hub": self.id,
            "stream": self.stream_id,
            "applied_stream_seq": self.applier.applied,
            "leases": leases,
        }
        if self.error is not None:
            fields["error"] = self.error
        return fields

    async def leased(self, name: str, run: Any, status: SourceHealth) -> None:
        """Run ``run()`` (a source's supervisor) only while this hub holds its lease."""
        assert self.leases is not None
        await self.leases.hold(f"source.{_key(name)}", run, status)


def _key(name: str) -> str:
    """A source name as a KV key (letters, digits, ``-_=``; others hex-escaped)."""
    out = []
    for char in name:
        if char.isascii() and (char.isalnum() or char in "-_="):
            out.append(char)
        else:
            out.append("=" + format(ord(char), "x") + "=")
    return "".join(out) or "_"
