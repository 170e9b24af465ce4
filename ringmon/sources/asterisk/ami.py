"""A small AMI (Asterisk Manager Interface) client on asyncio streams.

Why asyncio streams and not a library: AMI is a line protocol (``Key: value`` lines, a blank
line ends a message) and ringmon needs only its plainest part: log in, send a few read-only
list actions (``PJSIPShowContacts``, ``DeviceStateList``, ``PresenceStateList``,
``CoreShowChannels``), match their answers by ``ActionID`` and receive a couple of events.
The Python AMI libraries on PyPI do not fit better: ``panoramisk`` (the asyncio one) has had
no release since 2021, ``asterisk-ami`` and ``pyst2`` are thread-based. About a hundred lines
on ``asyncio.open_connection`` do the job, with the same cancellation and timeouts as the rest
of the hub, and without another dependency.

Usage::

    ami = await AmiClient.connect(host, port, user, secret)
    contacts = await ami.collect("PJSIPShowContacts")      # the list's events
    async for event in ami.events():                         # unsolicited events
        ...
    await ami.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator

log = logging.getLogger("ringmon.hub.asterisk.ami")

Message = dict[str, str]
MAX_LINE = 64 * 1024


class AmiError(Exception):
    """AMI refused something or the connection broke; the message says which."""


class AmiClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Queue[Message | None]] = {}
        self._events: asyncio.Queue[Message | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.closed_reason: str | None = None
        self.malformed = 0

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        user: str,
        secret: str,
        *,
        events: str = "call",
        timeout: float = 5.0,
    ) -> AmiClient:
        """Connect and log in; raises AmiError or OSError."""
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, limit=MAX_LINE)
        client = cls(reader, writer)
        try:
            async with asyncio.timeout(timeout):
                banner = await reader.readline()
            if not banner.startswith(b"Asterisk Call Manager"):
                raise AmiError(f"{host}:{port} is not an Asterisk manager interface")
            client._task = asyncio.create_task(client._read(), name="ami-reader")
            reply = await client.action(
                "Login", timeout=timeout, Username=user, Secret=secret, Events=events
            )
            if reply.get("Response") != "Success":
                raise AmiError(f"AMI login as {user!r} refused: {reply.get('Message', '')}")
        except BaseException:
            await client.close()
            raise
        return client

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()

    # -- requests ---------------------------------------------------------------------------

    def _send(self, name: str, fields: dict[str, str]) -> str:
        if self.closed_reason is not None:
            raise AmiError(self.closed_reason)
        action_id = f"ringmon-{next(self._ids)}"
        lines = [f"Action: {name}", f"ActionID: {action_id}"]
        for key, value in fields.items():
            if "\r" in value or "\n" in value:
                raise ValueError(f"AMI field {key} holds a line break")
            lines.append(f"{key}: {value}")
        self._pending[action_id] = asyncio.Queue()
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        return action_id

    async def _next(self, action_id: str, timeout: float) -> Message:
        async with asyncio.timeout(timeout):
            msg = await self._pending[action_id].get()
        if msg is None:
            raise AmiError(self.closed_reason or "the AMI connection closed")
        return msg

    async def action(self, name: str, *, timeout: float = 5.0, **fields: str) -> Message:
        """Send one action and return its response message."""
        action_id = self._send(name, fields)
        try:
            await self._writer.drain()
            return await self._next(action_id, timeout)
        finally:
            self._pending.pop(action_id, None)

    async def collect(self, name: str, *, timeout: float = 10.0, **fields: str) -> list[Message]:
        """Send a list action; return the events of the list (empty when AMI answers with an
        error such as "No Contacts found"; AmiError on "Permission denied")."""
        action_id = self._send(name, fields)
        items: list[Message] = []
        try:
            await self._writer.drain()
            first = await self._next(action_id, timeout)
            if first.get("Response") == "Error":
                message = first.get("Message", "")
                if "ermission" in message:
                    raise AmiError(f"AMI refused {name}: {message}")
                return items
            if first.get("EventList", "").lower() != "start":
                return items
            while True:
                msg = await self._next(action_id, timeout)
                if msg.get("EventList", "").lower() == "complete":
                    return items
                items.append(msg)
        finally:
            self._pending.pop(action_id, None)

    async def events(self) -> AsyncIterator[Message]:
        """Unsolicited events, until the connection closes (then AmiError)."""
        while True:
            msg = await self._events.get()
            if msg is None:
                raise AmiError(self.closed_reason or "the AMI connection closed")
            yield msg

    # -- the reader -------------------------------------------------------------------------

    async def _read(self) -> None:
        msg: Message = {}
        try:
            while True:
                raw = await self._reader.readline()
                if not raw:
                    self.closed_reason = "Asterisk closed the AMI connection"
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line:
                    key, sep, value = line.partition(":")
                    if sep:
                        msg.setdefault(key.strip(), value.strip())
                    else:
                        self.malformed += 1
                    continue
                if msg:
                    self._dispatch(msg)
                msg = {}
        except (OSError, asyncio.LimitOverrunError, ValueError) as exc:
            self.closed_reason = f"AMI connection lost: {exc}"
        finally:
            if self.closed_reason is None:
                self.closed_reason = "the AMI connection closed"
            for queue in self._pending.values():
                queue.put_nowait(None)
            self._events.put_nowait(None)

    def _dispatch(self, msg: Message) -> None:
        queue = self._pending.get(msg.get("ActionID", ""))
        if queue is not None:
            queue.put_nowait(msg)
        elif "Event" in msg:
            self._events.put_nowait(msg)
