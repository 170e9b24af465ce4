"""FreeSWITCH's Event Socket (inbound mode), on asyncio streams.

A message is a block of ``Name: value`` header lines ended by an empty line, followed by
``Content-Length`` bytes of body when that header is there. Events arrive as messages of
``Content-Type: text/event-plain`` whose body is itself a header block (values URL-encoded).
``parse_headers`` and ``parse_event`` are pure; ``EslClient`` does the I/O.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import unquote


class EslError(RuntimeError):
    """FreeSWITCH refused something (authentication, a command) or spoke nonsense."""


@dataclass(slots=True)
class Message:
    headers: dict[str, str]
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


@dataclass(slots=True)
class EslEvent:
    name: str
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)


def parse_headers(block: bytes, *, decode: bool = False) -> dict[str, str]:
    """``Name: value`` lines (values URL-decoded when ``decode``); other lines are skipped."""
    headers: dict[str, str] = {}
    for raw in block.decode("utf-8", "replace").splitlines():
        name, sep, value = raw.partition(":")
        if not sep or not name.strip():
            continue
        value = value.strip()
        headers[name.strip()] = unquote(value) if decode else value
    return headers


def parse_event(body: bytes) -> EslEvent:
    """A ``text/event-plain`` body: its headers, and its name (the subclass for CUSTOM)."""
    head, _, _ = body.partition(b"\n\n")
    headers = parse_headers(head, decode=True)
    name = headers.get("Event-Name", "")
    if name == "CUSTOM":
        name = headers.get("Event-Subclass", name)
    return EslEvent(name, headers)


class EslClient:
    """One inbound connection: ``connect`` authenticates; then ``send``/``read``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, host: str, port: int, password: str, timeout: float = 10.0) -> EslClient:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
        client = cls(reader, writer)
        try:
            async with asyncio.timeout(timeout):
                greeting = await client.read()
            if greeting.content_type != "auth/request":
                raise EslError(f"expected auth/request, got {greeting.content_type!r}")
            async with asyncio.timeout(timeout):
                reply = await client.command(f"auth {password}")
            if not reply.headers.get("Reply-Text", "").startswith("+OK"):
                raise EslError("FreeSWITCH refused the Event Socket password")
        except BaseException:
            client.close()
            raise
        return client

    async def read(self) -> Message:
        head = await self.reader.readuntil(b"\n\n")
        headers = parse_headers(head)
        length = int(headers.get("Content-Length", "0") or 0)
        body = await self.reader.readexactly(length) if length else b""
        return Message(headers, body)

    async def send(self, line: str) -> None:
        self.writer.write(line.encode() + b"\n\n")
        await self.writer.drain()

    async def command(self, line: str, events: list[Message] | None = None) -> Message:
        """Send a command and return its reply; events read meanwhile go to ``events``."""
        await self.send(line)
        while True:
            message = await self.read()
            if message.content_type in ("command/reply", "api/response"):
                return message
            if message.content_type == "text/disconnect-notice":
                raise EslError("FreeSWITCH closed the Event Socket")
            if events is not None:
                events.append(message)

    def close(self) -> None:
        self.writer.close()
