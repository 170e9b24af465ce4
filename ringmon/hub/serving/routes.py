"""The hub's web face (Starlette): the REST routes of docs/feed-protocol.md and the route of
its WebSocket feed (the feed itself: feed_socket.py; who may call: access.py). Every ``/v1``
route but ``/v1/health`` needs a Bearer token whose role is ``analyst`` or ``administrator``
(R1): the refusal is the server's, not the client's; without one, ``/v1/health`` says only
``status``, ``seq`` and ``version``.

Errors are always ``{"error": "a sentence"}``; an unexpected failure is logged here and the
client gets a 500 with a plain sentence, never a traceback.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ringmon import __version__
from ringmon.hub.core import Hub, StorageFailing
from ringmon.hub.intake.push_api import ingest_routes
from ringmon.hub.serving.access import ApiError, authenticate, authorize, error
from ringmon.hub.serving.compression import maybe_gzipped
from ringmon.hub.serving.feed_socket import serve_feed
from ringmon.hub.serving.queries import QueryError, calls, history, recording
from ringmon.hub.serving.replay import replay_routes
from ringmon.model.schema import PROTOCOL_HEADER, PROTOCOL_VERSION

log = logging.getLogger("ringmon.hub")

JSON = "application/json"


PUBLIC_HEALTH = ("status", "seq")
"""What ``/v1/health`` tells anyone: whether the hub is up, how far it is, and ``version``.
Everything else (sources, token names and logins in rejection reasons, clients) needs a token
that may read the report."""

SERVED_VERSION = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
"""The protocol version the hub answers in (docs/feed-protocol.md, "Versions")."""


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
        await serve_feed(hub, websocket)

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
