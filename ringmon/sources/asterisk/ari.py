"""ARI (the Asterisk REST Interface): REST reads with httpx, the event stream with websockets.

ringmon only reads: the ARI user can be ``read_only = yes`` in ari.conf. What it reads:

- ``GET /ari/endpoints`` and ``GET /ari/channels`` on every (re)connect (the resync);
- ``GET /ari/asterisk/config/dynamic/res_pjsip/contact/<aor>;@<md5(uri)>`` for the
  ``user_agent`` of a contact that just registered (ARI's events do not carry it), and
  ``.../res_pjsip/endpoint/<name>`` for the caller-id of an endpoint the directory lacks;
- the WebSocket ``/ari/events?app=<app>&subscribeAll=true``: every channel, endpoint,
  contact and device-state event, without taking any channel into a Stasis application.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx
import websockets
from websockets.asyncio.client import ClientConnection


class AriError(Exception):
    """ARI answered with an error, or could not be reached; the message says which."""


class AriNotReady(AriError):
    """Asterisk is up but not fully booted yet (ARI answers 503): try again shortly."""


class AriClient:
    def __init__(
        self, base_url: str, user: str, password: str, app: str, *, timeout: float = 5.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        self.timeout = timeout
        self._auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/ari",
            headers={"Authorization": self._auth},
            timeout=timeout,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str) -> Any:
        """GET an ARI resource and decode its JSON; AriError on an error answer."""
        try:
            response = await self._http.get(path)
        except httpx.HTTPError as exc:
            raise AriError(f"ARI at {self.base_url} cannot be reached: {exc}") from exc
        if response.status_code == 503:
            raise AriNotReady(f"ARI at {self.base_url}: {_message(response)}")
        if response.status_code == 401:
            raise AriError(f"ARI at {self.base_url} refused the user and password (401)")
        if response.status_code >= 400:
            raise AriError(f"ARI GET {path}: {response.status_code} {_message(response)}".rstrip())
        try:
            return response.json()
        except ValueError as exc:
            raise AriError(f"ARI GET {path}: the answer is not JSON") from exc

    async def endpoints(self) -> list[dict[str, Any]]:
        found = await self.get("/endpoints")
        return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []

    async def channels(self) -> list[dict[str, Any]]:
        found = await self.get("/channels")
        return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []

    async def _dynamic(self, kind: str, object_id: str) -> dict[str, str]:
        path = f"/asterisk/config/dynamic/res_pjsip/{kind}/{quote(object_id, safe='')}"
        try:
            found = await self.get(path)
        except AriError as exc:
            if isinstance(exc, AriNotReady) or " 404" not in str(exc):
                raise
            return {}
        out: dict[str, str] = {}
        if isinstance(found, list):
            for item in found:
                if isinstance(item, dict) and isinstance(item.get("attribute"), str):
                    out[item["attribute"]] = str(item.get("value", ""))
        return out

    async def contact_user_agent(self, aor: str, uri: str) -> str:
        """The User-Agent a contact registered with ("" when unknown)."""
        contact_id = f"{aor};@{hashlib.md5(uri.encode()).hexdigest()}"
        return (await self._dynamic("contact", contact_id)).get("user_agent", "")

    async def endpoint_callerid(self, name: str) -> str:
        return (await self._dynamic("endpoint", name)).get("callerid", "")

    def events_url(self) -> str:
        parts = urlsplit(self.base_url)
        scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
        query = urlencode({"app": self.app, "subscribeAll": "true"})
        return urlunsplit((scheme, parts.netloc, parts.path + "/ari/events", query, ""))

    @asynccontextmanager
    async def event_stream(self) -> AsyncIterator[ClientConnection]:
        """The open WebSocket of ARI events (iterate it for text frames)."""
        try:
            ws = await websockets.connect(
                self.events_url(),
                additional_headers={"Authorization": self._auth},
                open_timeout=self.timeout,
                max_size=4 * 1024 * 1024,
            )
        except websockets.InvalidStatus as exc:
            status = exc.response.status_code
            if status in (404, 503):
                # Asterisk answers 404 on /ari/events until res_ari is loaded.
                raise AriNotReady(f"ARI events at {self.base_url}: {status}") from exc
            raise AriError(f"ARI events at {self.base_url}: refused ({status})") from exc
        except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
            raise AriError(f"ARI events at {self.base_url} cannot be reached: {exc}") from exc
        try:
            yield ws
        finally:
            await ws.close()


def decode_frame(data: str | bytes) -> object:
    """A WebSocket frame's JSON, or None when it is not JSON."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else ""
