"""The TUI's first snapshot, asked for before the TUI is built.

At 10,000 employees the hub takes a good part of a second to write its snapshot, and the
client about a second to import Textual and build its App. ``start_early_snapshot`` asks for
the snapshot (``GET /v1/health``, then ``GET /v1/snapshot``, read into a ``State``) in a thread
of its own the moment the command line is parsed, so that the hub writes it while the client
imports; the feed client takes the result for its first snapshot (``EarlySnapshot.result``)
instead of asking again.

It is only a head start: the thread uses the same settings, token, headers and readings of the
answers as the feed's hub client (``ringmon.hub_client``), and whatever goes wrong there (no
URL or token, a bad config file, a hub loading its history, a refusal, a timeout) leaves no
trace but a line in the log: the feed client then asks for the snapshot itself, as it would
without it, and reports what is wrong in its own words. Its two requests go out by the
standard library's ``http.client``, blocking in the thread: the hub client's httpx (and an
event loop for it) would cost the start a tenth of its CPU for them.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import logging
import ssl
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ringmon.feed.hub_health import HubHealth
    from ringmon.hub_client.client import HubClient, Snapshot

log = logging.getLogger(__name__)

ASK_WITHIN = 2.0
"""Seconds the TUI waits at most for the thread to send its requests before it goes on."""
TIMEOUT = 15.0
"""Seconds each request may take (connecting, sending, or between two reads)."""


@dataclass(frozen=True, slots=True)
class EarlyResult:
    """What the hub ``url`` said to ``token``: its health (read before the snapshot) and the
    snapshot, in the zone ``tz`` (None: the hub's)."""

    url: str
    token: str
    tz: tzinfo | None
    health: HubHealth
    snapshot: Snapshot
    received: float
    """When the snapshot came (``time.monotonic``): the hub's clock has moved on since."""

    def serves(self, url: str, token: str | None, tz: tzinfo | None) -> bool:
        """Whether this is the snapshot a feed of ``url``, ``token`` and ``tz`` asks for."""
        return url == self.url and token == self.token and tz == self.tz


class EarlySnapshot:
    """The TUI's first snapshot, fetched in a thread for the command line ``args`` (the
    settings and token read as the TUI reads them)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.future: Future[EarlyResult | None] = Future()
        self._asking = threading.Event()

    def start(self, wait: float = ASK_WITHIN) -> None:
        """Start the thread and wait until it has sent its requests (at most ``wait``
        seconds): the imports it needs first are the TUI's too, and run no faster side by
        side with the TUI's own (one interpreter lock), so the requests go out sooner."""
        threading.Thread(target=self._run, name="early-snapshot", daemon=True).start()
        self._asking.wait(wait)

    async def result(self) -> EarlyResult | None:
        """The hub's answer (waited for without blocking the loop), or None when the thread
        has none that can be used. Given once: the next call is None, and the snapshot's
        state is not kept here after the feed has replaced it."""
        found = await asyncio.wrap_future(self.future)
        self.future = Future()
        self.future.set_result(None)
        return found

    def _run(self) -> None:
        try:
            found = self._fetch()
        except Exception as exc:  # a head start only: the feed asks again and says why
            log.info("no early snapshot: %s", exc)
            found = None
        finally:
            self._asking.set()
        self.future.set_result(found)

    def _fetch(self) -> EarlyResult | None:
        from ringmon.config import load_settings, load_token
        from ringmon.feed.hub_health import parse_hub_health
        from ringmon.feed.hubs import split_hub_urls
        from ringmon.hub_client.client import HubClient, read_snapshot

        args = self.args
        settings = load_settings({"url": getattr(args, "url", None), "tz": args.tz})
        token = load_token(getattr(args, "token_file", None), settings.token_file)
        if settings.url is None or token is None:
            return None
        url, tz = split_hub_urls(settings.url)[0], settings.zone()
        hub = HubClient(url, token)  # its address and headers; its calls go by httpx
        connection = _connection(hub.url)
        try:
            base = urlsplit(hub.url).path.rstrip("/")
            health = parse_hub_health(json.loads(_get(connection, base + "/v1/health", hub)))
            if health.status == "starting":  # the feed says how far it is
                return None
            connection.request("GET", base + "/v1/snapshot", headers=hub.headers)
            self._asking.set()
            body = _body(connection.getresponse(), "/v1/snapshot")
        finally:
            connection.close()
        snapshot = read_snapshot(body, tz, hub.url)
        return EarlyResult(hub.url, token, tz, health, snapshot, time.monotonic())


def _connection(url: str) -> http.client.HTTPConnection:
    """A connection (not opened yet) to the hub at ``url``, with its TLS as the hub client's."""
    from ringmon.feed.tls import client_tls

    parts = urlsplit(url)
    scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    if scheme == "http" and host:
        return http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    context = client_tls(url)
    if scheme == "https" and host and isinstance(context, ssl.SSLContext):
        return http.client.HTTPSConnection(host, port, timeout=TIMEOUT, context=context)
    raise ValueError(f"not a hub URL: {url}")


def _get(connection: http.client.HTTPConnection, path: str, hub: HubClient) -> bytes:
    connection.request("GET", path, headers=hub.headers)
    return _body(connection.getresponse(), path)


def _body(response: http.client.HTTPResponse, path: str) -> bytes:
    body = response.read()
    if response.status != 200:
        raise ValueError(f"GET {path} answered {response.status}")
    return body


def start_early_snapshot(args: argparse.Namespace) -> EarlySnapshot | None:
    """Start fetching the TUI's first snapshot for the command line ``args``; None when
    there is none to fetch: a moment in the past (``--at``), a browser session (the person
    gives the token later)."""
    from ringmon.web.session import in_browser_session

    if getattr(args, "at", None) or in_browser_session():
        return None
    early = EarlySnapshot(args)
    early.start()
    return early
