"""Reading the hub's feed frames into the client's state (a part of ``FeedClient``).

A frame is an event, a batch (a JSON array), a heartbeat or a ``resync``. Each event is applied
exactly once, in seq order: a seq at or before ours is a duplicate (skipped), one that misses
an event before it is a gap (lost: a new snapshot). Bad input is logged and counted, never
raised; ``Resnapshot`` is raised when the state must be taken again. The wire format is
docs/feed-protocol.md.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import pydantic

from ringmon.feed.connection import Connection, FeedListener, HubTime
from ringmon.feed.hub_health import parse_hub_health, parse_time
from ringmon.model.schema import Event, UnknownEventType, parse_feed_event
from ringmon.model.state import EventRejected, State
from ringmon.model.touched import touched_employees

log = logging.getLogger("ringmon.feed.client")


@dataclass(slots=True)
class FeedCounters:
    """What the client saw, for the UI's status line, the logs and the tests."""

    applied: int = 0  # events applied to the state
    duplicates: int = 0  # events with a seq already applied: skipped, never applied twice
    malformed: int = 0  # frames or items that are not valid JSON events
    unknown_types: int = 0  # events of a type this version does not know (a newer hub's)
    rejected: int = 0  # valid events the state refused (EventRejected)
    gaps: int = 0  # a seq was missing: something was lost
    resyncs: int = 0  # the hub said "resync"
    snapshots: int = 0  # snapshots taken (the first one included)
    reconnects: int = 0  # connection attempts after a loss


class Resnapshot(Exception):
    """Internal: leave the feed and take a new snapshot before following again."""


class FrameReader:
    """The frame side of ``FeedClient``: its state, counters and listener."""

    state: State | None
    counters: FeedCounters
    listener: FeedListener
    hub_time: HubTime
    connection: Connection
    _notified_event_at: float | None
    _last_heartbeat: float | None
    spaced_seqs: bool = False
    """The hub serves the shared log (its health says ``log``): seqs are spaced by design."""

    # -- frames ---------------------------------------------------------------------------

    def on_frame(self, message: str | bytes) -> None:
        """Handle one WebSocket text frame. Raises ``Resnapshot`` when the state must be
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
            raise Resnapshot
        else:
            self._on_events([data])

    def _on_events(self, items: list[Any]) -> None:
        state = self.state
        assert state is not None
        applied: list[Event] = []
        touched: set[str] = set()
        resnapshot = False
        for item in items:
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
            raise Resnapshot

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
        """Whether an event with ``seq``, newer than our state, misses one before it: lost
        events, counted and logged (the caller takes a new snapshot).

        One hub on SQLite numbers its events one after the other: ``seq`` must be ours + 1.
        Hubs on the shared log (NATS; their health says ``log``) space them (stream sequence
        x 10,000 + the event's place in its message), and an event every hub rejected leaves
        its seq unused; such a hub sends every event after ``since`` on a connection, so a
        seq it skipped there is not an event (docs/feed-protocol.md, "Several hubs"). What
        it passed and we did not get shows in its heartbeat's ``seq`` (``_on_heartbeat``)."""
        state = self.state
        assert state is not None
        if self.spaced_seqs or seq == state.seq + 1:
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
            raise Resnapshot
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

    def _update(self, connection: Connection) -> None:
        self.connection = connection
        self.listener.feed_connection(connection)
