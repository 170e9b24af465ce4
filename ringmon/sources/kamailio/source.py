"""Source ``kamailio``: reads ringmon.cfg's facts from evapi, resyncs over JSON-RPC.

On start and after every reconnect it connects to evapi first, then reads ``ul.dump`` and
``dlg.list`` (so nothing that happens meanwhile is lost: it waits in the socket), emits what
brings the hub in line with Kamailio, and then maps the stream fact by fact. When the hub
offers its live state (``sink.state``), accounts it does not know are handled as the
``unknown`` option says, and devices and calls a previous run left open are corrected by the
first resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import httpx

from ringmon.retry import Backoff, Lost
from ringmon.sources.base import Sink, SourceHealth, account_known, live_state
from ringmon.sources.kamailio.frames import FrameDecoder
from ringmon.sources.kamailio.mapping import KamailioMapper
from ringmon.sources.kamailio.rpc import KamailioRpc, RpcError

log = logging.getLogger("ringmon.hub.kamailio")


class KamailioSource:
    """``kamailio:HOST:PORT[,rpc=URL|none][,unknown=add|skip]``."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        rpc_url: str | None,
        add_unknown: bool = True,
        name: str | None = None,
        retry: tuple[float, float] = (0.5, 10.0),
    ) -> None:
        self.host = host
        self.port = port
        self.rpc = KamailioRpc(rpc_url) if rpc_url else None
        self.add_unknown = add_unknown
        self.name = name or f"kamailio:{host}:{port}"
        self.retry = retry
        self.mapper: KamailioMapper | None = None
        self.connected = False
        self.resyncs = 0
        self.error: str | None = None
        self.health = SourceHealth()

    def _make_mapper(self, sink: Sink) -> KamailioMapper:
        state = live_state(sink)
        if state is None:
            return KamailioMapper(add_unknown=self.add_unknown)
        mapper = KamailioMapper(known_account=account_known(sink), add_unknown=self.add_unknown)
        mapper.adopt(
            (
                (d.account, d.device, d.user_agent, d.registration.value != "offline")
                for d in state.devices.values()
            ),
            (
                (leg.call, leg.leg, leg.account, leg.direction.value, leg.answer_at is not None)
                for leg in state.legs.values()
            ),
        )
        return mapper

    async def run(self, sink: Sink) -> None:
        self.mapper = mapper = self._make_mapper(sink)
        await Backoff(*self.retry).keep_trying(
            lambda: self._session(mapper, sink), waiting=self._waiting
        )

    def _waiting(self, lost: Lost, seconds: float) -> None:
        self.error = lost.reason
        self.health.unreachable(self.error)
        log.warning("%s; retrying in %.1f s", self.error, seconds)

    async def _session(self, mapper: KamailioMapper, sink: Sink) -> None:
        """One connection to evapi, until it ends: ``Lost`` (after running once resynced)."""
        self.health.connecting(f"connecting to evapi at {self.host}:{self.port}")
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise Lost(f"cannot reach evapi at {self.host}:{self.port}: {exc}") from exc
        self.connected, self.error = True, None
        self.health.running()
        log.info("connected to evapi at %s:%d", self.host, self.port)
        synced = False
        try:
            await self._resync(mapper, sink)
            synced = True
            await self._read(reader, mapper, sink)
            reason = "evapi closed the connection"
        except (OSError, asyncio.IncompleteReadError) as exc:
            reason = f"evapi connection lost: {exc}"
        finally:
            self.connected = False
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        raise Lost(reason, after_running=synced)

    async def _resync(self, mapper: KamailioMapper, sink: Sink) -> None:
        if self.rpc is None:
            return
        started = sink.now()
        try:
            contacts = await self.rpc.contacts()
            dialogs = await self.rpc.dialogs()
        except (httpx.HTTPError, RpcError) as exc:
            # The stream still works; the hub may show stale devices until they change.
            self.error = f"resync over JSON-RPC failed: {exc}"
            self.health.running(f"{self.error}; devices may be stale until they change")
            log.warning("%s (%s)", self.error, self.rpc.url)
            return
        events = mapper.resync(contacts, dialogs, started=started - 1.0, now=sink.now())
        self.resyncs += 1
        log.info(
            "resync: %d contacts, %d calls in progress, %d events",
            len(contacts),
            len(dialogs),
            len(events),
        )
        for event in events:
            await sink.emit(event, source=self.name)

    async def _read(self, reader: asyncio.StreamReader, mapper: KamailioMapper, sink: Sink) -> None:
        decoder = FrameDecoder()
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for payload in decoder.feed(data):
                try:
                    fact = json.loads(payload)
                except (ValueError, UnicodeDecodeError):
                    decoder.bad += 1
                    log.warning("evapi frame is not JSON: %.200r", payload)
                    continue
                if not isinstance(fact, dict):
                    decoder.bad += 1
                    continue
                for event in mapper.feed(fact, sink.now()):
                    await sink.emit(event, source=self.name)
