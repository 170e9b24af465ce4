"""Why a call to the hub failed, as one sentence a supervisor understands.

Every client of a hub (the feed, the profile and the call log, ``ringmon export``, the token
prompt) turns its failures into a :class:`HubError` here and shows ``str(error)``; so the
same failure reads the same in the feed banner, the profile and on export's stderr:

- the hub cannot be reached: ``cannot reach the hub at URL: connection refused``;
- the hub took too long: ``the hub at URL did not answer in time``;
- the token is refused (401/403): ``the hub refused the token (401): <the hub's words>``;
- its TLS certificate is not trusted: a sentence that names ``--ca FILE`` and ``RINGMON_CA``;
- any other refusal: ``the hub answered 500: <the hub's words>``;
- an answer this version cannot read: ``the hub at URL sent a history that this version of
  ringmon cannot read (<where and what>)``;
- the WebSocket feed closed under us: ``the connection to the hub was lost``.
"""

from __future__ import annotations

import json
import os
import ssl
from enum import StrEnum

import pydantic
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ringmon.feed.tls import ENV as CA_ENV

REFUSED_STATUSES = frozenset({401, 403})


class Failure(StrEnum):
    """What kind of failure a :class:`HubError` is."""

    UNREACHABLE = "unreachable"  # no connection (refused, no route, unknown name)
    TIMEOUT = "timeout"  # connected (or trying) but no answer in time
    TLS = "tls"  # the hub's certificate is not trusted
    REFUSED = "refused"  # 401/403: retrying with the same token will not help
    ANSWERED = "answered"  # any other status that is not success (404, 500, 503...)
    UNREADABLE = "unreadable"  # a 200 whose body is not the document it should be
    LOST = "lost"  # the WebSocket feed closed or broke
    NOT_SAVED = "not saved"  # a download arrived but could not be written here


class HubError(Exception):
    """A call to the hub failed; ``str()`` is the sentence to show, ``failure`` its kind and
    ``status`` the HTTP status when the hub answered one."""

    def __init__(self, failure: Failure, sentence: str, status: int | None = None) -> None:
        super().__init__(sentence)
        self.failure = failure
        self.sentence = sentence
        self.status = status

    @property
    def refused(self) -> bool:
        return self.failure is Failure.REFUSED

    def __str__(self) -> str:
        return self.sentence


def hub_words(body: bytes | bytearray | str, fallback: str) -> str:
    """The hub's own ``{"error": ...}`` sentence from a body, else ``fallback``."""
    try:
        data = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes | bytearray) else body
        first = text.strip().splitlines()[0].strip() if text.strip() else ""
        # A page of a proxy in front of the hub (HTML) says less than its status's reason.
        return fallback if not first or first.startswith("<") else first[:200]
    if isinstance(data, dict) and isinstance(data.get("error"), str) and data["error"].strip():
        return str(data["error"]).strip()
    return fallback


def answered(status: int, body: bytes | bytearray | str, reason: str = "") -> HubError:
    """The hub answered ``status`` (not a success) with ``body``."""
    words = hub_words(body, reason or "no reason given")
    if status in REFUSED_STATUSES:
        return HubError(Failure.REFUSED, f"the hub refused the token ({status}): {words}", status)
    return HubError(Failure.ANSWERED, f"the hub answered {status}: {words}", status)


def unreadable(url: str, what: str, exc: pydantic.ValidationError | ValueError) -> HubError:
    """A successful answer whose body is not ``what`` (e.g. "a history")."""
    if isinstance(exc, pydantic.ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        detail = f"{where}: {first['msg']}" if where else first["msg"]
    else:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return HubError(
        Failure.UNREADABLE,
        f"the hub at {url} sent {what} that this version of ringmon cannot read ({detail})",
    )


def untrusted_certificate(exc: BaseException) -> str | None:
    """A sentence when ``exc`` (or what caused it) is a hub certificate that was not trusted."""
    for current in _chain(exc):
        if isinstance(current, ssl.SSLCertVerificationError) or (
            "CERTIFICATE_VERIFY_FAILED" in str(current)
        ):
            detail = getattr(current, "verify_message", None) or "verification failed"
            return (
                f"the hub's TLS certificate is not trusted ({detail}): pass --ca FILE or set "
                f"{CA_ENV} to the certificate of the CA that signed it"
            )
    return None


def hub_error(exc: BaseException, url: str) -> HubError:
    """Any failure of a call to the hub at ``url`` (httpx, websockets, OS, pydantic) as a
    :class:`HubError`; a ``HubError`` is returned as it is."""
    if isinstance(exc, HubError):
        return exc
    import httpx  # here: the TUI's start makes no call with it (ringmon.hub_client.client)

    tls = untrusted_certificate(exc)
    if tls is not None:
        return HubError(Failure.TLS, tls)
    if isinstance(exc, InvalidStatus):
        refusal = exc.response
        return answered(refusal.status_code, refusal.body, refusal.reason_phrase)
    if isinstance(exc, httpx.HTTPStatusError):
        response = exc.response
        return answered(response.status_code, response.content, response.reason_phrase)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return HubError(Failure.TIMEOUT, f"the hub at {url} did not answer in time")
    if isinstance(exc, ConnectionClosed):
        return HubError(Failure.LOST, "the connection to the hub was lost")
    if isinstance(exc, pydantic.ValidationError):
        return unreadable(url, "an answer", exc)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return HubError(Failure.UNREACHABLE, f"cannot reach the hub at {url}: not a usable URL")
    # httpx.TransportError, OSError, WebSocketException and anything else on the way there
    return HubError(Failure.UNREACHABLE, f"cannot reach the hub at {url}: {_why(exc)}")


def _why(exc: BaseException) -> str:
    """The OS's reason (``connection refused``) when there is one, else the first line."""
    for current in _chain(exc):
        if isinstance(current, OSError) and (current.errno or current.strerror):
            # asyncio words a refused connection "Connect call failed (...)": the errno's
            # own words ("Connection refused") say it plainly.
            text = os.strerror(current.errno) if current.errno else str(current.strerror)
            return text[0].lower() + text[1:]
    text = str(exc).strip()
    if text.startswith("[Errno") and "]" in text:
        text = text.split("]", 1)[1].strip()
    if not text:
        return type(exc).__name__
    first = text.splitlines()[0]
    return first[0].lower() + first[1:]


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
