"""The feed client: a REST snapshot, then the hub's WebSocket feed, resumed across reconnects.

``FeedClient.run`` keeps one ``State`` equal to the hub's: it takes ``GET /v1/snapshot``, then
follows ``/v1/feed?since=SEQ`` from the snapshot's seq, applying each event exactly once. When
the link drops it reconnects with the project's retry policy (``ringmon.retry``: a wait that
doubles, with jitter, capped at ``max_delay``), to the next hub of its list when it has
several (``--url URL1,URL2``: hubs on one log, ``ringmon.feed.hubs``), and resumes from the
last applied seq; it takes a new snapshot only when the hub says ``resync``, when a seq is
missing (a gap: ``feed/frames.py`` says when one is), or when an event does not fit the
state. A 401/403 stops it for good: retrying will not make the token valid (R1).

The REST calls (snapshot, health) go through the one hub client (``ringmon.hub_client``), and
every failure is shown in its words (``HubError``), the same the profile and export show.

Everything runs on the caller's event loop and calls the listener on it, so in the App the
state is only ever touched on the UI thread. The wire format is docs/feed-protocol.md.

Why not ``async for ws in websockets.connect(...)``: its automatic reconnection reuses one URI,
while ours changes with every applied seq, and a reconnection may need a REST snapshot first;
so the loop is ours, but its waits come from ``ringmon.retry`` (stamina) and every timeout,
ping and close from httpx and websockets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import tzinfo
from urllib.parse import urlencode, urlsplit, urlunsplit

import pydantic
import websockets
from websockets.asyncio.client import connect

from ringmon.feed.connection import Connection, FeedListener, HubTime, Link
from ringmon.feed.early_snapshot import EarlyResult, EarlySnapshot
from ringmon.feed.frames import FeedCounters, FrameReader, Resnapshot
from ringmon.feed.hub_health import HubHealth
from ringmon.feed.hubs import HubRing, hub_label, split_hub_urls
from ringmon.feed.tls import websocket_tls
from ringmon.hub_client import HubClient, HubError, hub_error
from ringmon.model.schema import PROTOCOL_VERSION
from ringmon.model.state import State
from ringmon.retry import Backoff, Lost

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 2**20
"""A replay batch can be large; the hub decides how many events go in one frame."""


def _failures() -> tuple[type[BaseException], ...]:
    """What losing a hub raises. httpx is imported here, as the exception is matched (an
    ``except`` clause's classes are looked up then): the TUI's start has no call of it."""
    import httpx

    return (
        HubError,
        OSError,  # includes TimeoutError and ConnectionError
        httpx.HTTPError,
        websockets.exceptions.WebSocketException,
        pydantic.ValidationError,
    )


class FeedClient(FrameReader):
    """Follows one hub: snapshot, live feed, reconnect and resume, reporting to ``listener``.

    ``tz`` is the call center's time zone; ``None`` takes the hub's (from the snapshot).
    ``state`` is None until the first snapshot; after that it is the state the listener was
    given, mutated in place as events arrive (replaced by a new object on every snapshot).
    """

    def __init__(
        self,
        url: str,
        token: str | None,
        tz: tzinfo | None,
        listener: FeedListener,
        *,
        hub_time: HubTime | None = None,
        http_timeout: float = 10.0,
        first_delay: float = 0.25,
        max_delay: float = 10.0,
        ping_interval: float | None = 5.0,
        ping_timeout: float | None = 10.0,
        loading_poll: float = 1.0,
        early: EarlySnapshot | None = None,
    ) -> None:
        """``early``: the first snapshot, asked for while the TUI started (used if it is
        the one this feed would ask for)."""
        self.hubs = HubRing(split_hub_urls(url))
        self.tz = tz
        self.listener = listener
        self.hub_time = hub_time if hub_time is not None else HubTime()
        self.state: State | None = None
        self.connection = Connection(
            Link.CONNECTING, since=self.hub_time.now(), hub=self.url, hubs=len(self.hubs)
        )
        self.counters = FeedCounters()
        self.token = token
        self._http_timeout = http_timeout
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._loading_poll = loading_poll
        self._frames_since_connect = 0
        self._notified_event_at: float | None = None
        self._last_heartbeat: float | None = None  # local monotonic time
        self._need_snapshot = True
        self._state_hub: str | None = None  # the hub the state is followed from
        self._log: str | None = None  # the event log the hubs say they serve (if they do)
        self._early = early

    # -- the loop -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The hub the feed is on, or tries next."""
        return self.hubs.current

    async def run(self) -> None:
        """Follow the hubs until cancelled, or until one refuses the token (then return).

        Each loss of a hub is retried with the project's one policy (``ringmon.retry``): the
        next hub of the list (the same one when there is one) after a wait that doubles, and
        after only ``first_delay`` when the lost feed had run."""
        backoff = Backoff(first=self._first_delay, cap=self._max_delay)
        await backoff.keep_trying(self._follow_hub, waiting=self._waiting)

    async def _follow_hub(self) -> None:
        """One hub: resume (or snapshot) and follow it until its feed is lost (raises
        ``Lost``) or it refuses the token (returns)."""
        url = self.hubs.current
        self._frames_since_connect = 0
        # REST (snapshot, health) through the one hub client; the WebSocket feed is ours.
        async with HubClient(url, self.token, timeout=self._http_timeout) as hub:
            try:
                if self.state is not None and url != self._state_hub:
                    await self._check_same_log(hub)
                while True:
                    self._last_heartbeat = None  # a new connection: its own heartbeats
                    try:
                        if self._need_snapshot or self.state is None:
                            await self._snapshot(hub)
                            self._need_snapshot = False
                        self._state_hub = url
                        await self._follow(hub)
                        reason = "the hub closed the feed"
                        break
                    except Resnapshot:
                        self._need_snapshot = True
            except _failures() as exc:
                error = hub_error(exc, url)
                if error.refused:
                    log.warning("the hub refused the token: %s", error)
                    self._set_link(Link.REFUSED, message=str(error))
                    return
                reason = str(error)
                log.info("feed lost: %s", reason, exc_info=log.isEnabledFor(logging.DEBUG))
        raise Lost(reason, after_running=self._frames_since_connect > 0)

    def _waiting(self, lost: Lost, wait: float) -> None:
        """A hub was lost: say so, and which hub is tried next (in ``wait`` seconds)."""
        message = lost.reason
        if len(self.hubs) > 1:
            message = f"{message}; trying {hub_label(self.hubs.advance())}"
        self.counters.reconnects += 1
        self._set_link(Link.RECONNECTING, message=message, attempts=self.connection.attempts + 1)

    async def _check_same_log(self, hub: HubClient) -> None:
        """Before resuming on another hub: a hub that says it serves another log than the
        one the state came from gets a new snapshot (its seqs mean something else)."""
        try:
            health = await hub.health()
        except HubError:
            return  # an older hub, or one that is down: the feed says what is wrong
        other_log = health.log is not None and self._log is not None and health.log != self._log
        if other_log or health.shared_log != self.spaced_seqs:
            log.info("%s serves another log (%s): new snapshot", hub.url, health.log)
            self._need_snapshot = True
        self.spaced_seqs = health.shared_log
        if health.log is not None:
            self._log = health.log

    async def _snapshot(self, hub: HubClient) -> None:
        early = await self._early_result(hub)
        if early is not None:
            self._heard(early.health)
            snapshot = early.snapshot
            # The hub's clock went on between the snapshot and now.
            now = snapshot.now + (time.monotonic() - early.received) * snapshot.speed
        else:
            while True:
                await self._wait_until_loaded(hub)
                try:
                    snapshot = await hub.snapshot(self.tz)
                    break
                except HubError as exc:
                    # 503 while the hub loads its history: not a failure, wait for it (above).
                    if exc.status != 503 or not await self._loading(hub):
                        raise
            now = snapshot.now
        state = snapshot.state
        self.hub_time.sync(now, snapshot.speed)
        self.state = state
        self.counters.snapshots += 1
        # The newest event in the snapshot, not the snapshot itself, is the last event.
        last_event = min(state.clock, now) if state.clock else None
        self.connection = self.connection.evolve(
            last_event_at=last_event, last_frame_at=now, loading=None
        )
        log.info("snapshot at seq %d: %d employees", snapshot.seq, len(state.employees))
        self.listener.feed_snapshot(state)

    async def _early_result(self, hub: HubClient) -> EarlyResult | None:
        """The snapshot fetched while the TUI started (``ringmon.feed.early_snapshot``),
        once, if it is the one this feed would ask for now."""
        early, self._early = self._early, None
        if early is None:
            return None
        found = await early.result()
        if found is None or not found.serves(hub.url, self.token, self.tz):
            return None
        log.info("taking the snapshot fetched at start-up (seq %d)", found.snapshot.seq)
        return found

    async def _wait_until_loaded(self, hub: HubClient) -> None:
        """While the hub loads its history (``/v1/health`` says ``starting``) it holds back
        its snapshot: say how far it is instead (every ``loading_poll`` seconds)."""
        while await self._loading(hub):
            await asyncio.sleep(self._loading_poll)
        if self.connection.loading is not None:
            self._update(self.connection.evolve(loading=None))

    async def _loading(self, hub: HubClient) -> bool:
        """Whether the hub says it is loading its history; the UI is told how far it is.
        Anything else (no answer, an older hub, not starting) is False: the snapshot that
        follows tells what is wrong, if anything."""
        try:
            health = await hub.health()
        except HubError:
            return False
        self._heard(health)
        if health.status != "starting":
            return False
        self._update(
            self.connection.evolve(
                hub_status=health.status,
                loading=health.loading,
                sources=health.sources or self.connection.sources,
            )
        )
        return True

    def _heard(self, health: HubHealth) -> None:
        """What the hub's health says about its log (see ``_check_same_log``)."""
        if health.log is not None:
            self._log = health.log
        self.spaced_seqs = health.shared_log

    def feed_url(self, since: int) -> str:
        url = urlsplit(self.url)
        scheme = "wss" if url.scheme.lower() == "https" else "ws"
        path = url.path.rstrip("/") + "/v1/feed"
        query = urlencode({"since": since, "v": PROTOCOL_VERSION})
        return urlunsplit((scheme, url.netloc, path, query, ""))

    async def _follow(self, hub: HubClient) -> None:
        """Follow the feed from ``state.seq`` until it closes (returns) or fails (raises)."""
        assert self.state is not None
        async with connect(
            self.feed_url(self.state.seq),
            additional_headers=hub.auth_headers,
            open_timeout=self._http_timeout,
            ping_interval=self._ping_interval,
            ping_timeout=self._ping_timeout,
            close_timeout=2.0,
            max_size=MAX_FRAME_BYTES,
            **websocket_tls(self.url),
        ) as ws:
            self._set_link(Link.CONNECTED, message="", attempts=0)
            async for message in ws:
                self._frames_since_connect += 1
                self.on_frame(message)

    # -- connection -----------------------------------------------------------------------

    def _set_link(self, link: Link, *, message: str, attempts: int | None = None) -> None:
        current = self.connection
        changes: dict[str, object] = {"link": link, "message": message}
        if link != current.link:
            changes["since"] = self.hub_time.now()
        if attempts is not None:
            changes["attempts"] = attempts
        changes["hub"] = self.url
        self._update(current.evolve(**changes))
