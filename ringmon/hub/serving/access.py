"""Who may call the hub (R1): the Bearer token of a request or a WebSocket handshake, the
principal it names, and the sentence a refused caller reads; the protocol version a client
says it speaks. Used by the REST routes (routes.py) and the feed (feed_socket.py)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse

from ringmon.hub.core import Hub
from ringmon.hub.serving.tokens import Principal
from ringmon.model.schema import PROTOCOL_VERSION


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
