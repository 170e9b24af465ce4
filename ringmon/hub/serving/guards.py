"""How long and how much the hub gives each connection (docs/feed-protocol.md, "Limits and
timeouts"): uvicorn's own settings where it has them, and guards of ours where it has none.

uvicorn's own: ``timeout_keep_alive`` (an idle HTTP connection between requests),
``h11_max_incomplete_event_size`` (request line and headers), ``ws_max_size`` (a message a
client sends), ``ws_ping_interval`` / ``ws_ping_timeout`` (a WebSocket peer that vanished
without closing), ``ws_per_message_deflate`` (off: compression is per client, so it cannot be
done once for all, and it made the fan-out ten times slower).

Ours, as subclasses of uvicorn's protocols (``GuardedH11Protocol`` for HTTP and the upgrade,
``GuardedWebSocketProtocol`` for the feed):

- **header timeout**: uvicorn waits for a request's headers forever; a connection whose request
  line and headers are not complete ``header_timeout`` s after the connection (or, on a kept-alive
  connection, after the first byte of the next request) is answered 408 and closed. A WebSocket
  upgrade is such a request, so this bounds the handshake too.
- **connection limit**: uvicorn's ``limit_concurrency`` answers 503 only to HTTP requests whose
  headers have arrived, and never to WebSocket upgrades; ours refuses a connection past
  ``max_connections`` as soon as it is accepted (503, closed), whatever it is.
- **send timeout**: uvicorn waits forever for a peer that does not read; a send that cannot go
  out within ``send_timeout`` s aborts the connection (the peer is gone or stalled; its buffers
  are freed at once). For HTTP responses and WebSocket messages alike. The keepalive close of a
  WebSocket peer that stopped answering pings aborts too, instead of waiting for a buffer that
  will never drain.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from ringmon.hub.serving.fanout import DIRECT_WRITE, WIRE
from ringmon.hub.serving.limits import Limits

log = logging.getLogger("ringmon.hub")


class LimitedConfig(uvicorn.Config):
    """uvicorn's Config, carrying our ``Limits`` to the protocols below."""

    def __init__(self, app: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(
            app,
            http=GuardedH11Protocol,
            ws=GuardedWebSocketProtocol,
            timeout_keep_alive=limits.idle_timeout,  # type: ignore[arg-type]
            h11_max_incomplete_event_size=limits.max_header_bytes,
            ws_max_size=limits.ws_max_message,
            ws_ping_interval=limits.ws_ping_interval,
            ws_ping_timeout=limits.ws_ping_timeout,
            ws_per_message_deflate=False,
            **kwargs,
        )
        self.limits = limits


def _limits(config: uvicorn.Config) -> Limits:
    limits = getattr(config, "limits", None)
    return limits if isinstance(limits, Limits) else Limits()


def _plain_response(status: int, phrase: str, message: str) -> bytes:
    body = json.dumps({"error": message}).encode()
    head = (
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/json\r\n"
        f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class _TimedFlowControl(FlowControl):
    """uvicorn's HTTP flow control, with a deadline on waiting for the peer to read."""

    def __init__(self, transport: asyncio.Transport, timeout: float) -> None:
        super().__init__(transport)
        self._timeout = timeout

    async def drain(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._is_writable_event.wait()
        except TimeoutError:
            log.info("a client did not read its response for %.0f s: closed", self._timeout)
            self._transport.abort()
            await asyncio.sleep(0)  # connection_lost runs: the cycle is marked disconnected


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header timeout, a connection limit, a send timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = _limits(self.config)
        self._header_timer: asyncio.TimerHandle | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self._limits.max_connections:
            # Not added to the connections: a refused one never counts against the limit.
            self._refused = True
            self.transport = transport
            log.warning(
                "connection refused: the hub holds %d connections already (--max-connections)",
                len(self.connections),
            )
            message = (
                f"the hub is at its limit of {self._limits.max_connections} connections; "
                "try again shortly"
            )
            transport.write(_plain_response(503, "Service Unavailable", message))
            transport.close()
            return
        super().connection_made(transport)
        self.flow = _TimedFlowControl(transport, self._limits.send_timeout)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        if self._refused:
            return
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()  # the first byte of a next request on a kept-alive one
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_timer()  # its headers are complete (or it is an error)

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(
            self._limits.header_timeout, self._header_timed_out
        )

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        message = f"the request's headers did not arrive within {self._limits.header_timeout:g} s"
        self.transport.write(_plain_response(408, "Request Timeout", message))
        self.transport.close()


class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol with a send timeout, an abort (not a close that waits
    for the peer to read) when the peer stopped answering pings, and frames encoded once for
    every client: a ``websocket.send`` carrying ``ringmon.wire`` (the frame's bytes) is written
    as it is while the connection is open (not compressed: ``ws_per_message_deflate`` off), and
    ``write_now`` (the scope extension ``ringmon.write``) writes one at once when the
    connection can take it, so that a batch reaches clients that keep up without a task per
    client (fanout.Subscriber.push)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._send_timeout = _limits(self.config).send_timeout

    async def send(self, message: Any) -> None:
        if not self.writable.is_set():
            try:
                async with asyncio.timeout(self._send_timeout):
                    await self.writable.wait()
            except TimeoutError:
                log.info(
                    "a feed client did not read for %.0f s: connection aborted",
                    self._send_timeout,
                )
                self.transport.abort()
                raise ClientDisconnected from None
        wire = message.get(WIRE) if message.get("type") == "websocket.send" else None
        if wire is not None and self._open():
            self.transport.write(wire)  # a frame encoded once for every client (fanout.py)
            return
        await super().send(message)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][DIRECT_WRITE] = self.write_now

    def write_now(self, wire: bytes) -> bool:
        """Write a frame's bytes now if the connection is open and can take them."""
        if not self.writable.is_set() or not self._open():
            return False
        self.transport.write(wire)
        return True

    def _open(self) -> bool:
        return (
            self.handshake_complete
            and not self.close_sent
            and not self.disconnected
            and self.initial_response is None
            and self.conn.state is State.OPEN
        )

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self.transport.abort()
