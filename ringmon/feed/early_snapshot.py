"""The TUI's first snapshot, asked for before the TUI is built.

At 10,000 employees the hub takes a good part of a second to write its snapshot, and the
client about a second to import Textual and build its App. ``start_early_snapshot`` asks for
the snapshot (``GET /v1/health``, then ``GET /v1/snapshot``, read into a ``State``) in a thread
of its own the moment the command line is parsed, so that the hub writes it while the client
imports; the feed client takes the result for its first snapshot (``EarlySnapshot.result``)
instead of asking again.

It is only a head start: the thread uses the same settings, token and hub client as the feed,
and whatever goes wrong there (no URL or token, a bad config file, a hub loading its history,
a refusal, a timeout) leaves no trace but a line in the log: the feed client then asks for
the snapshot itself, as it would without it, and reports what is wrong in its own words.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ringmon.feed.hub_health import HubHealth
    from ringmon.hub_client.client import Snapshot

log = logging.getLogger(__name__)

ASK_WITHIN = 2.0
"""Seconds the TUI waits at most for the thread to send its requests before it goes on."""


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
            found = asyncio.run(self._fetch())
        except Exception as exc:  # a head start only: the feed asks again and says why
            log.info("no early snapshot: %s", exc)
            found = None
        finally:
            self._asking.set()
        self.future.set_result(found)

    async def _fetch(self) -> EarlyResult | None:
        from ringmon.config import load_settings, load_token
        from ringmon.feed.hubs import split_hub_urls
        from ringmon.hub_client.client import HubClient

        args = self.args
        settings = load_settings({"url": getattr(args, "url", None), "tz": args.tz})
        token = load_token(getattr(args, "token_file", None), settings.token_file)
        if settings.url is None or token is None:
            return None
        url, tz = split_hub_urls(settings.url)[0], settings.zone()
        async with HubClient(url, token) as hub:
            self._asking.set()
            # Both at once: a hub loading its history answers the snapshot with 503.
            health, snapshot = await asyncio.gather(hub.health(), hub.snapshot(tz))
            if health.status == "starting":  # the feed says how far it is
                return None
            return EarlyResult(hub.url, token, tz, health, snapshot, time.monotonic())


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
