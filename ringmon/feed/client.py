"""The feed client: a REST snapshot, then the hub's WebSocket feed, resumed across reconnects.

``FeedClient.run`` keeps one ``State`` equal to the hub's: it takes ``GET /v1/snapshot``, then
follows ``/v1/feed?since=SEQ`` from the snapshot's seq, applying each event exactly once. When
the link drops it reconnects with the project's retry policy (``ringmon.retry``: a wait that
doubles, with jitter, capped at ``max_delay``), to the next hub of its list when it has
several (``--url URL1,URL2``: hubs on one log, ``ringmon.feed.hubs``), and resumes from the
last applied seq; it takes a new snapshot only when the hub says ``resync``, when a seq is
missing (a gap the hub did not declare as ``skipped``), or when an event does not fit the
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
import json
import logging
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import httpx
import pydantic
import websockets
from websockets.asyncio.client import connect

from ringmon.feed.connection import Connection, FeedListener, HubTime, Link
from ringmon.feed.hub_health import parse_hub_health, parse_time
from ringmon.feed.hubs import HubRing, hub_label, split_hub_urls
from ringmon.feed.tls import websocket_tls
from ringmon.hub_client import HubClient, HubError, hub_error
from ringmon.model.schema import PROTOCOL_VERSION, Event, UnknownEventType, parse_feed_event
from ringmon.model.state import EventRejected, State
from ringmon.model.touched import touched_employees
from ringmon.retry import Backoff, Lost

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 2**20
"""A replay batch can be large; the hub decides how many events go in one frame."""

_TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # includes TimeoutError and ConnectionError
    httpx.HTTPError,
    websockets.exceptions.WebSocketException,
    pydantic.ValidationError,
)
SKIPPED = "skipped"
"""The type of the hub's marker for a seq that holds no event: ``{"type": "skipped", "seq":
42, "reason": "rejected"}`` (docs/feed-protocol.md)."""

_FAILURES: tuple[type[BaseException], ...] = (HubError, *_TRANSIENT)


@dataclass(slots=True)
class FeedCounters:
    """What the client saw, for the UI's status line, the logs and the tests."""

    applied: int = 0  # events applied to the state
    duplicates: int = 0  # events with a seq already applied: skipped, never applied twice
    malformed: int = 0  # frames or items that are not valid JSON events
    unknown_types: int = 0  # events of a type this version does not know (a newer hub's)
    rejected: int = 0  # valid events the state refused (EventRejected)
    gaps: int = 0  # a seq was missing: something was lost
    skipped: int = 0  # seqs the hub declared as holding no event (rejected by every hub)
    resyncs: int = 0  # the hub said "resync"
    snapshots: int = 0  # snapshots taken (the first one included)
    reconnects: int = 0  # connection attempts after a loss


class _Resnapshot(Exception):
    """Internal: leave the feed and take a new snapshot before following again."""


class FeedClient:
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
    ) -> None:
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
        self._last_heartbeat = None
        # REST (snapshot, health) through the one hub client; the WebSocket feed is ours.
        async with HubClient(url, self.token, timeout=self._http_timeout) as hub:
            try:
                if self.state is not None and url != self._state_hub:
                    await self._check_same_log(hub)
                while True:
                    try:
                        if self._need_snapshot or self.state is None:
                            await self._snapshot(hub)
                            self._need_snapshot = False
                        self._state_hub = url
                        await self._follow(hub)
                        reason = "the hub closed the feed"
                        break
                    except _Resnapshot:
                        self._need_snapshot = True
            except _FAILURES as exc:
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
        if health.log is not None and self._log is not None and health.log != self._log:
            log.info(
                "%s serves another log (%s, not %s): new snapshot", hub.url, health.log, self._log
            )
            self._need_snapshot = True
        if health.log is not None:
            self._log = health.log

    async def _snapshot(self, hub: HubClient) -> None:
        while True:
            await self._wait_until_loaded(hub)
            try:
                snapshot = await hub.snapshot(self.tz)
                break
            except HubError as exc:
                # 503 while the hub loads its history: not a failure, wait for it (above).
                if exc.status != 503 or not await self._loading(hub):
                    raise
        state = snapshot.state
        now = snapshot.now
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
        if health.log is not None:
            self._log = health.log
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

    def feed_url(self, since: int) -> str:
        url = httpx.URL(self.url)
        scheme = "wss" if url.scheme == "https" else "ws"
        path = url.path.rstrip("/") + "/v1/feed"
        params = {"since": since, "v": PROTOCOL_VERSION}
        return str(url.copy_with(scheme=scheme, path=path, params=params))

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

    # -- frames ---------------------------------------------------------------------------

    def on_frame(self, message: str | bytes) -> None:
        """Handle one WebSocket text frame. Raises ``_Resnapshot`` when the state must be
        taken again; never raises for bad input (it is logged and counted)."""
        try:
            data = json.loads(message)
        except ValueError:
            self._malformed("a frame that is not JSON", message)
            return
        if isinstance(data, list):
            self._on_events(data)
        elif not isinstance(data, dict):
            self._malformed("a frame that is neither an object nor an array", message)
        elif data.get("type") == "heartbeat":
            self._on_heartbeat(data)
        elif data.get("type") == "resync":
            self.counters.resyncs += 1
            log.info("the hub asks for a resync: %s", data.get("reason", ""))
            raise _Resnapshot
        else:
            self._on_events([data])

    def _on_events(self, items: list[Any]) -> None:
        state = self.state
        assert state is not None
        applied: list[Event] = []
        touched: set[str] = set()
        resnapshot = False
        for item in items:
            if isinstance(item, dict) and item.get("type") == SKIPPED:
                if self._on_skipped(item):
                    continue
                resnapshot = True
                break
            try:
                event = parse_feed_event(item)  # lenient: a newer hub may send more fields
            except UnknownEventType:
                if self._skip_unknown(item):
                    continue
                resnapshot = True
                break
            except pydantic.ValidationError as exc:
                self._malformed(f"an invalid event ({exc.error_count()} errors)", item)
                continue
            if event.seq is None:
                self._malformed("an event without seq", item)
                continue
            if event.seq <= state.seq:
                self.counters.duplicates += 1
                continue
            if self._gap(item, event.seq):
                resnapshot = True
                break
            ids = touched_employees(state, event)
            try:
                state.apply(event)
            except EventRejected as exc:
                # The hub stored it, we cannot apply it: our state no longer mirrors the hub's.
                self.counters.rejected += 1
                log.warning("event seq %d rejected (%s): %s", event.seq, exc.kind, exc.reason)
                resnapshot = True
                break
            applied.append(event)
            touched.update(ids)
        if applied:
            self.counters.applied += len(applied)
            self._event_received()
            self.listener.feed_events(applied, touched)
        if resnapshot:
            raise _Resnapshot

    def _on_skipped(self, item: dict[str, Any]) -> bool:
        """The hub declares a seq that holds no event to apply (every hub rejected it): it
        is passed, so the event after it is no gap. False when a seq before it is missing
        (an undeclared gap: lost events, take a new snapshot)."""
        state = self.state
        assert state is not None
        seq = item.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int):
            self._malformed("a skipped marker without seq", item)
            return True
        if seq <= state.seq:
            self.counters.duplicates += 1
            return True
        if self._gap(item, seq):
            return False
        self.counters.skipped += 1
        state.seq = seq
        return True

    def _skip_unknown(self, item: dict[str, Any]) -> bool:
        """An event of a type this version does not know: counted and stepped over (its seq
        is taken as applied, so the next event is no gap); False on a gap before it."""
        state = self.state
        assert state is not None
        self.counters.unknown_types += 1
        if self.counters.unknown_types <= 10:
            log.info("skipped an event of a type this client does not know: %r", item["type"])
        seq = item.get("seq")
        if not isinstance(seq, int) or seq <= state.seq:
            return True
        if self._gap(item, seq):
            return False
        state.seq = seq
        return True

    def _gap(self, item: dict[str, Any], seq: int) -> bool:
        """Whether an event (or marker) with ``seq``, newer than our state, misses one before
        it: lost events, counted and logged (the caller takes a new snapshot).

        On the shared log (hubs on NATS) seqs are spaced, and every event says ``prev``, the
        seq of the event applied before it (the same on every hub): nothing is missing when
        ``prev`` is at or before ours (an event every hub rejected is no gap). Without
        ``prev`` (one hub on SQLite) the seqs run on: ``seq`` must be ours + 1."""
        state = self.state
        assert state is not None
        prev = item.get("prev")
        if isinstance(prev, int) and not isinstance(prev, bool):
            if prev <= state.seq:
                return False
        elif seq == state.seq + 1:
            return False
        self.counters.gaps += 1
        log.warning("feed gap: got seq %d after %d; re-snapshotting", seq, state.seq)
        return True

    def _on_heartbeat(self, data: dict[str, Any]) -> None:
        now = parse_time(data.get("now"))
        speed = data.get("speed", 1.0)
        if now is None or not isinstance(speed, int | float) or speed <= 0:
            self._malformed("a heartbeat without a valid now/speed", data)
            return
        self.hub_time.sync(now, float(speed))
        passed = data.get("seq")
        state = self.state
        if (
            state is not None
            and isinstance(passed, int)
            and not isinstance(passed, bool)
            and passed > state.seq
        ):
            # Every seq up to ``passed`` was sent before this heartbeat, event or marker:
            # ours stops short, so some were lost on the way.
            self.counters.gaps += 1
            log.warning(
                "feed gap: the hub passed seq %d, we have %d; re-snapshotting", passed, state.seq
            )
            raise _Resnapshot
        local = self.hub_time.monotonic()
        every = self.connection.heartbeat_every
        if self._last_heartbeat is not None:
            every = local - self._last_heartbeat
        self._last_heartbeat = local
        # A heartbeat is not an event: the feed is alive, nothing happened.
        health = parse_hub_health(data)
        self._update(
            self.connection.evolve(
                last_frame_at=now,
                heartbeat_every=every,
                hub_status=health.status,
                sources=health.sources,
                loading=health.loading,
            )
        )

    def _event_received(self) -> None:
        now = self.hub_time.now()
        self.connection = self.connection.evolve(last_event_at=now, last_frame_at=now)
        # Tell the UI at most about once a real second: enough for "last event N s ago".
        last = self._notified_event_at
        if last is None or now - last >= self.hub_time.speed:
            self._notified_event_at = now
            self.listener.feed_connection(self.connection)

    def _malformed(self, what: str, value: object) -> None:
        self.counters.malformed += 1
        shown = repr(value)
        log.warning("ignored %s from the hub: %s", what, shown[:200])

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

    def _update(self, connection: Connection) -> None:
        self.connection = connection
        self.listener.feed_connection(connection)
