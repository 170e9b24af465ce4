"""The hub's REST side, typed: one client for the feed, the profile, the call log, the token
prompt and ``ringmon export``.

Each method returns the model's own document (``SnapshotDoc``, ``HistoryDoc``, ``LegDoc``...)
or raises :class:`~ringmon.hub_client.errors.HubError`, whose ``str()`` is the sentence to
show; nothing else escapes (no httpx, OS or pydantic exception). The wire format is
docs/feed-protocol.md. An ``https://`` hub is checked against ``--ca`` / ``RINGMON_CA`` or the
system's CAs (``ringmon.feed.tls``).

httpx is imported with the first call, not with this module: the TUI's first snapshot comes
without it (``ringmon.feed.early_snapshot``), and its import is a tenth of the start's CPU.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic

from ringmon.feed.hub_health import HubHealth, parse_hub_health
from ringmon.feed.tls import client_tls
from ringmon.hub_client.errors import Failure, HubError, answered, hub_error, unreadable
from ringmon.hub_client.recordings import Download, Progress, recording_filename, unique_path
from ringmon.model.schema import PROTOCOL_HEADER, PROTOCOL_VERSION
from ringmon.model.snapshot_reader import SnapshotReading
from ringmon.model.state import State

if TYPE_CHECKING:
    import httpx

    # Built on first use: the history's and the call log's models are not the board's.
    from ringmon.model.history_docs import HistoryDoc
    from ringmon.model.wire import LegDoc

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
MAX_CALLS = 5000
"""The call log stops paging after this many legs (one employee, at most 7 days)."""

Document = TypeVar("Document", bound=pydantic.BaseModel)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The hub's state at ``seq`` (``GET /v1/snapshot``), with its clock and zone."""

    seq: int
    now: float
    """The hub's "now" (UNIX time) when it took the snapshot."""
    speed: float
    """How much faster than real time the hub's clock runs (``--speed``)."""
    tz: str
    """The hub's zone, an IANA name."""
    state: State


def read_snapshot(body: bytes, tz: tzinfo | None, url: str) -> Snapshot:
    """The body of ``GET /v1/snapshot`` from the hub at ``url``, read in the zone ``tz``
    (None: the hub's); a body this version cannot read is a ``HubError``."""
    try:
        reading = SnapshotReading(body)  # the models' reading, faster
        state = reading.state(tz if tz is not None else hub_zone(reading.tz))
    except ValueError as exc:  # pydantic's ValidationError included
        raise unreadable(url, "a snapshot", exc) from None
    return Snapshot(reading.seq, reading.now, reading.speed, reading.tz, state)


def hub_zone(name: str) -> tzinfo:
    """The hub's zone; one this machine does not know is UTC (said in the log)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r from the hub; using UTC", name)
        return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a token is (``GET /v1/whoami``)."""

    name: str
    role: str


class _Whoami(pydantic.BaseModel):
    name: str
    role: str


class HubClient:
    """One hub, one token. Use as an async context manager, or call ``aclose()``.

    ``transport`` is httpx's (tests may script one); ``timeout`` is the seconds a call may
    take, connecting included: the TLS handshake is part of connecting and a busy hub serves it
    as late as an answer (the feed's WebSocket has the same bound for its whole opening)."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._transport = transport
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

    @property
    def headers(self) -> dict[str, str]:
        """What every request to the hub carries: the protocol version, the token."""
        return {PROTOCOL_HEADER: str(PROTOCOL_VERSION), **self.auth_headers}

    @property
    def _client(self) -> httpx.AsyncClient:
        """httpx's client, made for the first call."""
        if self._http is None:
            import httpx

            self._http = httpx.AsyncClient(
                base_url=self.url,
                headers=self.headers,
                transport=self._transport,
                timeout=httpx.Timeout(self._timeout),
                verify=client_tls(self.url),
            )
        return self._http

    @property
    def auth_headers(self) -> dict[str, str]:
        """The token's header, for the WebSocket feed (which httpx does not open)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    # -- documents ------------------------------------------------------------------------

    async def snapshot(self, tz: tzinfo | None = None) -> Snapshot:
        """``GET /v1/snapshot``: the whole state, in the zone ``tz`` (None: the hub's). While
        the hub loads its history it answers 503 (a ``HubError`` with ``status`` 503)."""
        response = await self._get("/v1/snapshot")
        return read_snapshot(response.content, tz, self.url)

    async def health(self) -> HubHealth:
        """``GET /v1/health``: the hub's status, sources and loading progress (read
        tolerantly: what an older hub does not say is unknown)."""
        response = await self._get("/v1/health")
        try:
            return parse_hub_health(response.json())
        except ValueError as exc:
            raise unreadable(self.url, "a health report", exc) from None

    async def whoami(self) -> Principal:
        """``GET /v1/whoami``: who the token is; a token the hub does not know is refused."""
        found = await self._document("/v1/whoami", _Whoami, "an identity")
        return Principal(found.name, found.role)

    async def history(
        self,
        employee_id: str,
        period: str | None = "7d",
        *,
        first: date | str | None = None,
        last: date | str | None = None,
        at: float | None = None,
    ) -> HistoryDoc:
        """``GET /v1/employees/{id}/history``: ``period`` (today, 3d, 7d) or the local days
        ``first`` to ``last``; ``at``: as it was then (a replay, ``&at=``). An id the hub
        does not know: ``HubError`` with status 404."""
        from ringmon.model.history_docs import HistoryDoc
        from ringmon.model.wire import to_dt

        params: dict[str, str | int] = {}
        if first is not None:
            params["from"] = str(first)
            params["to"] = str(last if last is not None else first)
        elif period is not None:
            params["period"] = period
        if at is not None:
            params["at"] = to_dt(at).isoformat()
        path = f"/v1/employees/{quote(employee_id, safe='')}/history"
        return await self._document(path, HistoryDoc, "a history", params)

    async def calls(
        self,
        employee_id: str,
        first: date,
        last: date,
        *,
        limit: int = 200,
        at: float | None = None,
    ) -> list[LegDoc]:
        """Every leg of the employee from ``first`` to ``last`` (local days), newest first;
        ``at``: as they stood at that moment (a replay, ``&at=``)."""
        from ringmon.hub_client.call_page import CallPage
        from ringmon.model.wire import to_dt

        params: dict[str, str | int] = {
            "employee": employee_id,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "limit": limit,
        }
        if at is not None:
            params["at"] = to_dt(at).isoformat()
        out: list[LegDoc] = []
        while True:
            page = await self._document("/v1/calls", CallPage, "a call log", params)
            out.extend(page.calls)
            if not page.next or len(out) >= MAX_CALLS:
                return out
            params["cursor"] = page.next

    async def download_recording(
        self, leg: str, folder: Path, progress: Progress | None = None
    ) -> Download:
        """Stream ``GET /v1/calls/{leg}/recording`` into a new file under ``folder``.

        The file is written as ``*.part`` and renamed when complete, so a broken download
        never leaves a file that looks whole. A file that cannot be written is a ``HubError``
        too (its sentence names the folder)."""
        import httpx

        target = unique_path(folder, recording_filename(leg))
        partial = target.with_name(target.name + ".part")
        received = 0
        try:
            async with self._stream(f"/v1/calls/{quote(leg, safe='')}/recording") as response:
                length = response.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                if progress is not None:
                    progress(0, total)
                with partial.open("wb") as out:
                    async for chunk in response.aiter_bytes(CHUNK):
                        out.write(chunk)
                        received += len(chunk)
                        if progress is not None:
                            progress(received, total)
            partial.replace(target)
        except HubError:
            partial.unlink(missing_ok=True)
            raise
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise hub_error(exc, self.url) from None
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise HubError(
                Failure.NOT_SAVED,
                f"the recording could not be saved in {folder}: {exc.strerror or exc}",
            ) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return Download(target, received)

    # -- the calls ------------------------------------------------------------------------

    async def _document(
        self,
        path: str,
        kind: type[Document],
        what: str,
        params: dict[str, str | int] | None = None,
    ) -> Document:
        response = await self._get(path, params)
        try:
            return kind.model_validate_json(response.content)
        except pydantic.ValidationError as exc:
            raise unreadable(self.url, what, exc) from None

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        import httpx

        try:
            response = await self._client.get(path, params=params)
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            raise hub_error(exc, self.url) from None
        if response.status_code != 200:
            raise answered(response.status_code, response.content, response.reason_phrase)
        return response

    @asynccontextmanager
    async def _stream(self, path: str) -> AsyncIterator[httpx.Response]:
        async with self._client.stream("GET", path) as response:
            if response.status_code != 200:
                body = await response.aread()
                raise answered(response.status_code, body, response.reason_phrase)
            yield response
