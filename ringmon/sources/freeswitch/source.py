"""Source ``freeswitch``: FreeSWITCH's Event Socket (inbound). UNTESTED AGAINST A LIVE SERVER.

On every (re)connection: authenticate, subscribe to the events first (so nothing is lost),
then resync from ``api show registrations as json`` and ``api show channels as json``, then
map events as they come. See docs/sources/freeswitch.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from typing import Any

from ringmon.retry import Backoff, Lost
from ringmon.sources.address import host_port
from ringmon.sources.base import Sink, SourceHealth, account_known
from ringmon.sources.freeswitch.esl import EslClient, EslError, Message, parse_event
from ringmon.sources.freeswitch.mapping import SUBSCRIBE, FreeswitchMapper

log = logging.getLogger("ringmon.hub.freeswitch")

DEFAULT_PASSWORD = "ClueCon"
"""FreeSWITCH's out-of-the-box Event Socket password: change it on any real server."""


def _rows(message: Message) -> list[dict[str, Any]]:
    try:
        doc = json.loads(message.body or b"{}")
    except ValueError:
        return []
    rows = doc.get("rows") if isinstance(doc, dict) else None
    return [row for row in rows or [] if isinstance(row, dict)]


class FreeswitchSource:
    """``freeswitch:HOST:PORT[,password-file=PATH][,unknown=add|skip]``."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        password: str = DEFAULT_PASSWORD,
        add_unknown: bool = True,
        retry: tuple[float, float] = (0.5, 10.0),
    ) -> None:
        self.host = host
        self.port = port
        self.password = password
        self.add_unknown = add_unknown
        self.retry = retry
        self.name = f"freeswitch:{host}:{port}"
        self.connected = False
        self.resyncs = 0
        self.error: str | None = None
        self.health = SourceHealth()

    def _mapper(self, sink: Sink) -> FreeswitchMapper:
        known = account_known(sink)
        if known is None:
            return FreeswitchMapper(add_unknown=self.add_unknown)
        return FreeswitchMapper(known_account=known, add_unknown=self.add_unknown)

    async def run(self, sink: Sink) -> None:
        mapper = self._mapper(sink)
        await Backoff(*self.retry).keep_trying(
            lambda: self._session(mapper, sink), waiting=self._waiting
        )

    def _waiting(self, lost: Lost, seconds: float) -> None:
        self.error = lost.reason
        self.health.unreachable(self.error)
        log.warning("%s; retrying in %.1f s", self.error, seconds)

    async def _session(self, mapper: FreeswitchMapper, sink: Sink) -> None:
        """One Event Socket connection, until it ends: ``Lost`` (after running once synced)."""
        self.health.connecting(f"connecting to the Event Socket at {self.host}:{self.port}")
        try:
            client = await EslClient.connect(self.host, self.port, self.password)
        except (TimeoutError, OSError, EslError, asyncio.IncompleteReadError) as exc:
            raise Lost(f"cannot use the Event Socket at {self.host}:{self.port}: {exc}") from exc
        self.connected, self.error = True, None
        synced = False
        try:
            pending: list[Message] = []
            await client.command(SUBSCRIBE, pending)
            registrations = await client.command("api show registrations as json", pending)
            channels = await client.command("api show channels as json", pending)
            events = mapper.resync(
                [{k: str(v) for k, v in row.items()} for row in _rows(registrations)],
                [str(row.get("uuid", "")) for row in _rows(channels)],
                sink.now(),
            )
            self.resyncs += 1
            self.health.running()
            synced = True
            for event in events:
                await sink.emit(event, source=self.name)
            for message in pending:
                await self._message(message, mapper, sink)
            while True:
                message = await client.read()
                if message.content_type == "text/disconnect-notice":
                    break
                await self._message(message, mapper, sink)
            reason = "FreeSWITCH closed the Event Socket"
        except (OSError, EslError, asyncio.IncompleteReadError) as exc:
            reason = f"Event Socket connection lost: {exc}"
        finally:
            self.connected = False
            client.close()
            with contextlib.suppress(Exception):
                await client.writer.wait_closed()
        raise Lost(reason, after_running=synced)

    async def _message(self, message: Message, mapper: FreeswitchMapper, sink: Sink) -> None:
        if message.content_type != "text/event-plain":
            return
        for event in mapper.feed(parse_event(message.body), sink.now()):
            await sink.emit(event, source=self.name)


class SpecError(ValueError):
    """A ``--source freeswitch:...`` that cannot work; the message says why."""


def parse_spec(spec: str) -> FreeswitchSource:
    """``freeswitch:HOST:PORT[,password-file=PATH][,unknown=add|skip]``; the password is read
    from the file, else from ``RINGMON_ESL_PASSWORD``, else FreeSWITCH's default."""
    body = spec.removeprefix("freeswitch:")
    address, *options = [part.strip() for part in body.split(",")]
    where = host_port(address)
    if where is None:
        raise SpecError(f"--source {spec}: give the Event Socket, e.g. freeswitch:127.0.0.1:8021")
    host, port = where
    password = os.environ.get("RINGMON_ESL_PASSWORD", DEFAULT_PASSWORD)
    add_unknown = True
    for option in options:
        key, _, value = option.partition("=")
        if key == "password-file" and value:
            try:
                with open(value, encoding="utf-8") as handle:
                    password = handle.read().strip()
            except OSError as exc:
                raise SpecError(f"--source {spec}: cannot read {value}: {exc}") from None
        elif key == "unknown" and value in ("add", "skip"):
            add_unknown = value == "add"
        else:
            raise SpecError(
                f"--source {spec}: unknown option {option!r} "
                "(use password-file=PATH, unknown=add|skip)"
            )
    return FreeswitchSource(host, port, password=password, add_unknown=add_unknown)
