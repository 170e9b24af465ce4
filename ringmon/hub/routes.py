"""The hub's web face (Starlette): the REST routes and the WebSocket feed of
docs/feed-protocol.md. Every ``/v1`` route but ``/v1/health`` needs a Bearer token whose role is
``analyst`` or ``administrator`` (R1): the refusal is the server's, not the client's; without
one, ``/v1/health`` says only ``status``, ``seq`` and ``version``.

Errors are always ``{"error": "a sentence"}``; an unexpected failure is logged here and the
client gets a 500 with a plain sentence, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ringmon import __version__
from ringmon.hub.compression import maybe_gzipped
from ringmon.hub.core import Hub, StorageFailing
from ringmon.hub.fanout import DIRECT_WRITE, Subscriber
from ringmon.hub.push_api import ingest_routes
from ringmon.hub.queries import QueryError, calls, history, recording
from ringmon.hub.replay import iso, replay_routes
from ringmon.hub.tokens import Principal
from ringmon.model.schema import PROTOCOL_HEADER, PROTOCOL_VERSION

log = logging.getLogger("ringmon.hub")

JSON = "application/json"


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


NO_TOKEN = (
    "This hub needs an access token: send the header 'Authorization: Bearer TOKEN'. "
    "An administrator makes one with: ringmon token add NAME --role analyst"
)
BAD_TOKEN = (
    "This access token is not known to the hub (it may have been revoked). "
    "Ask an administrator for a new one."
)


def forbidden(principal: Principal) -> str:
    return (
        f"Access denied: your access level is '{principal.role}', and the Employees in real "
        "time report is only for the Analyst and Administrator levels. Ask an administrator "
        "for an analyst token."
    )


def bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header, or None."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def authenticate(hub: Hub, headers: Mapping[str, str]) -> Principal:
    """The caller, whatever its role; else ApiError 401."""
    token = bearer(headers)
    challenge = {"WWW-Authenticate": 'Bearer realm="ringmon"'}
    if token is None:
        raise ApiError(401, NO_TOKEN, challenge)
    principal = hub.tokens.authenticate(token) if hub.tokens is not None else None
    if principal is None:
        raise ApiError(401, BAD_TOKEN, challenge)
    return principal


def authorize(hub: Hub, headers: Mapping[str, str]) -> Principal:
    """The caller, when allowed to read the report; else ApiError 401 / 403 (R1)."""
    principal = authenticate(hub, headers)
    if not principal.may_read:
        raise ApiError(403, forbidden(principal))
    return principal


PUBLIC_HEALTH = ("status", "seq")
"""What ``/v1/health`` tells anyone: whether the hub is up, how far it is, and ``version``.
Everything else (sources, token names and logins in rejection reasons, clients) needs a token
that may read the report."""

SERVED_VERSION = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
"""The protocol version the hub answers in (docs/feed-protocol.md, "Versions")."""


def protocol_version(text: str | None) -> int | None:
    """The version a client says it speaks (``?v=N`` or the header): the one it is served in
    is the lower of it and the hub's; no version is a client from before versions (1). None
    when ``text`` is no version at all."""
    if text is None:
        return 1
    try:
        version = int(text)
    except ValueError:
        return None
    return min(version, PROTOCOL_VERSION) if version >= 1 else None


def create_app(hub: Hub) -> Starlette:
    """The ASGI app serving ``hub`` (which the caller opens, starts and stops)."""

    async def health(request: Request) -> Response:
        # No token: the public part only. A token that is not known is refused (so that a
        # misconfigured client learns it); a known one that may not read the report (employee,
        # source) gets the public part too: the details name other sources and people.
        full = hub.health() | {"version": __version__}
        public = {key: full[key] for key in (*PUBLIC_HEALTH, "version")}
        if "log" in full:  # which shared log: every client needs it (its seqs are spaced)
            public["log"] = {"stream": full["log"].get("stream")}
        if "authorization" not in request.headers:
            return JSONResponse(public)
        if not authenticate(hub, request.headers).may_read:
            return JSONResponse(public)
        return JSONResponse(full)

    async def whoami(request: Request) -> Response:
        principal = authorize(hub, request.headers)
        return JSONResponse({"name": principal.name, "role": principal.role})

    async def snapshot(request: Request) -> Response:
        authorize(hub, request.headers)
        # Until every source has replayed its history the state is days old: wait for today
        # rather than show last week as if it were now.
        if not await hub.wait_caught_up(hub.catch_up_wait):
            raise ApiError(503, hub.loading_message(), {"Retry-After": "5"})
        try:
            body = await hub.committed_snapshot()
        except StorageFailing as exc:
            raise ApiError(
                503,
                f"the hub cannot store events right now ({exc}), so it serves no snapshot "
                "that it might lose; see /v1/health",
                {"Retry-After": "5"},
            ) from None
        return await maybe_gzipped(request, body, SERVED_VERSION)

    async def employee_history(request: Request) -> Response:
        authorize(hub, request.headers)
        q = request.query_params
        doc = await history(
            hub, request.path_params["id"], q.get("period"), q.get("from"), q.get("to"), q.get("at")
        )
        return Response(doc.model_dump_json(), media_type=JSON)

    async def call_log(request: Request) -> Response:
        authorize(hub, request.headers)
        q = request.query_params
        page = await calls(
            hub,
            q.get("employee"),
            q.get("from"),
            q.get("to"),
            q.get("limit"),
            q.get("cursor"),
            q.get("at"),
        )
        return JSONResponse(page)

    async def call_recording(request: Request) -> Response:
        authorize(hub, request.headers)
        found = await recording(hub, request.path_params["leg"])
        if isinstance(found, bytes):
            return Response(found, media_type="audio/wav")
        return FileResponse(found, media_type="audio/wav")

    async def feed(websocket: WebSocket) -> None:
        await _feed(hub, websocket)

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error(exc.status, exc.message, exc.headers)

    async def on_query_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, QueryError)
        return error(exc.status, exc.message)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        messages = {
            404: "There is no such route; see docs/feed-protocol.md.",
            405: "This route does not take that method.",
        }
        return error(exc.status_code, messages.get(exc.status_code, str(exc.detail)))

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.error("request %s failed", request.url.path, exc_info=exc)
        return error(500, "The hub failed to answer this request; the failure is in its log.")

    return Starlette(
        routes=[
            Route("/v1/health", health),
            Route("/v1/whoami", whoami),
            Route("/v1/snapshot", snapshot),
            Route("/v1/employees/{id}/history", employee_history),
            Route("/v1/calls", call_log),
            Route("/v1/calls/{leg:path}/recording", call_recording),
            WebSocketRoute("/v1/feed", feed),
            *ingest_routes(hub),
            *replay_routes(hub, authorize, SERVED_VERSION),
        ],
        exception_handlers={
            ApiError: on_api_error,
            QueryError: on_query_error,
            HTTPException: on_http_error,
            Exception: on_crash,
        },
    )


# -- the WebSocket feed -------------------------------------------------------------------


async def _deny(websocket: WebSocket, status: int, message: str) -> None:
    """Refuse the handshake with an HTTP status and a JSON body (or a close if the server
    cannot send one)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(error(status, message))
    else:
        await websocket.close(code=1008, reason=message[:120])


async def _feed(hub: Hub, websocket: WebSocket) -> None:
    try:
        authorize(hub, websocket.headers)
    except ApiError as exc:
        await _deny(websocket, exc.status, exc.message)
        return
    since_text = websocket.query_params.get("since")
    since: int | None = None
    if since_text is not None:
        try:
            since = int(since_text)
        except ValueError:
            await _deny(websocket, 400, f"since={since_text!r} is not a sequence number")
            return
        if since < 0:
            await _deny(websocket, 400, "since must be 0 or more")
            return
    if protocol_version(websocket.query_params.get("v")) is None:
        text = websocket.query_params.get("v")
        await _deny(
            websocket,
            400,
            f"v={text!r} is not a protocol version (this hub speaks {PROTOCOL_VERSION})",
        )
        return
    await websocket.accept()
    if since is not None and hub.cluster is not None and since > hub.flushed_seq:
        # A client failing over from a hub that is ahead: the same seq, once applied here.
        await hub.cluster.wait_for_seq(since, timeout=10.0)
    if since is not None and hub.flushed_seq < since <= hub.seq:
        # Numbered but not committed yet (so sent to nobody by this hub): subscribe once it is.
        with contextlib.suppress(Exception):  # storage failing: the sender says resync
            await hub.wait_flushed(since)
    async with hub.subscription(bearer(websocket.headers)) as sub:
        sender = asyncio.create_task(_send_feed(hub, websocket, sub, since))
        receiver = asyncio.create_task(_ignore_incoming(websocket))
        try:
            await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sub.direct = None
            cancelled = await _stop(sender, receiver)
            failure = sender.exception() if not sender.cancelled() else None
            if failure is not None and not isinstance(
                failure, WebSocketDisconnect | OSError | RuntimeError
            ):
                log.error("feed connection failed", exc_info=failure)
            if cancelled is not None:
                raise cancelled


async def _stop(*tasks: asyncio.Task[None]) -> asyncio.CancelledError | None:
    """Cancel ``tasks`` and wait until they have all ended; the cancellation of the caller
    that came meanwhile (for it to pass on once they have), or None.

    Not ``await task``: a cancelled child's CancelledError and one meant for the caller look
    the same, and taking the caller's for the child's loses it (the handler would return as if
    nothing had happened)."""
    for task in tasks:
        task.cancel()
    cancelled: asyncio.CancelledError | None = None
    pending = set(tasks)
    while pending:
        try:
            _, pending = await asyncio.wait(pending)
        except asyncio.CancelledError as exc:
            cancelled = exc  # ours: the children still end first (they were cancelled)
            pending = {task for task in pending if not task.done()}
    for task in tasks:  # retrieved: the caller reads the one it cares about
        if not task.cancelled():
            task.exception()
    return cancelled


async def _ignore_incoming(websocket: WebSocket) -> None:
    """The feed is one-way; read (and drop) what the client sends, to notice it leaving."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state is WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close(code=code, reason=reason[:120])


async def _resync(websocket: WebSocket, reason: str) -> None:
    await websocket.send_text(json.dumps({"type": "resync", "reason": reason}))
    await _close(websocket, 1000, "resync")


async def _beating_until_stored(
    hub: Hub, seq: int, beat: Callable[[], Awaitable[None]], next_beat: Callable[[], float]
) -> None:
    """Wait until storage holds ``seq``, sending heartbeats meanwhile: the replay of a client
    that resumes may wait a while (a backlog being stored, a disk failing and retried), and
    it hears the hub say why (loading, degraded), not silence it would take for a lost feed."""
    stored = asyncio.ensure_future(hub.wait_flushed(seq))
    try:
        while not stored.done():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(next_beat()):
                    await asyncio.shield(stored)
            if not stored.done():
                await beat()
        stored.result()
    finally:
        if not stored.done():
            stored.cancel()
        elif not stored.cancelled():
            stored.exception()  # retrieved: raised above, or the caller's error is raised


def _frame(batch: list[tuple[int, str]]) -> str:
    if len(batch) == 1:
        return batch[0][1]
    return "[" + ",".join(body for _, body in batch) + "]"


async def _send_feed(hub: Hub, websocket: WebSocket, sub: Subscriber, since: int | None) -> None:
    """Replay ``since < seq <= start`` from storage, then live events with ``seq > start``.

    ``start`` is the newest committed seq when the client subscribed, and live events come
    only from committed batches (one frame per batch), so nothing sent can be lost by a crash.

    The subscription is made before the replay, so nothing emitted meanwhile is lost, and
    live events the replay already covered are dropped by seq: no gap, no repeat. Heartbeats
    carry the last seq sent on this connection; one is sent as soon as the replay is done.
    """
    loop = asyncio.get_running_loop()
    start = sub.start_seq
    last = start if since is None else since
    if last > start:
        await _resync(
            websocket,
            f"since={last} is newer than anything this hub has (its newest is {start}): "
            "its storage was replaced; take a new snapshot",
        )
        return
    if last < hub.base_seq:
        await _resync(
            websocket,
            f"events after {last} are no longer kept (retention keeps from seq "
            f"{hub.base_seq + 1}); take a new snapshot",
        )
        return
    next_beat = loop.time() + hub.heartbeat

    async def beat() -> None:
        nonlocal next_beat
        payload: dict[str, Any] = {
            "type": "heartbeat",
            "seq": last,
            "now": iso(hub.now()),
            "speed": hub.speed,
            **hub.heartbeat_fields(),
        }
        await websocket.send_text(json.dumps(payload))
        next_beat = loop.time() + hub.heartbeat

    if last < start:
        await _beating_until_stored(hub, start, beat, lambda: next_beat)
        async for rows in hub.replay(last, start):
            # (On the shared log seqs have gaps by design: docs/feed-protocol.md.)
            if rows[0][0] != last + 1 and (hub.cluster is None or last < hub.base_seq):
                await _resync(websocket, "events were pruned during the replay; resync")
                return
            await websocket.send_text(_frame(rows))
            last = rows[-1][0]
            if loop.time() >= next_beat:
                await beat()
        if last != start:
            await _resync(websocket, f"events after {last} are no longer stored; resync")
            return
    await beat()
    sub.last_sent = last
    sub.direct = websocket.scope.get("extensions", {}).get(DIRECT_WRITE)
    while True:
        if sub.closing is not None:
            await _close(websocket, *sub.closing)
            return
        if sub.overflowed:
            await _resync(websocket, "this client fell too far behind the live feed; resync")
            return
        frame = sub.pop()
        if frame is None:
            sub.wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(next_beat):
                    await sub.wake.wait()
        elif frame.last > sub.last_sent:  # (one the replay already sent is dropped)
            # The same bytes for every client: encoded once when its batch was committed.
            sub.sending = True
            try:
                await websocket.send(frame.message)
            finally:
                sub.sending = False
            sub.last_sent = frame.last
        last = sub.last_sent  # frames may also have been written at commit (Subscriber.push)
        if loop.time() >= next_beat:
            await beat()
