"""What the UI is told about the feed: the connection's state and the hub's clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from ringmon.model.schema import Event
from ringmon.model.state import State


class Link(StrEnum):
    CONNECTING = "connecting"  # before the first snapshot
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # lost; retrying with backoff, the data shown is stale
    REFUSED = "refused"  # 401/403: retrying will not help (R1)
    REPLAY = "replay"  # the board shows a past moment (ringmon/replay); live waits


DOWN_STATES = frozenset({"unreachable", "error"})
"""Source states in which the hub gets nothing from that source."""


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One of the hub's sources as its heartbeat reports it (docs/feed-protocol.md)."""

    name: str  # e.g. "asterisk:pbx1:8088"
    state: str  # "running", "connecting", "unreachable", "error" (others: unknown, not down)
    since: float | None = None  # wall-clock time it entered that state (epoch seconds)
    detail: str | None = None

    @property
    def down(self) -> bool:
        return self.state in DOWN_STATES


@dataclass(frozen=True, slots=True)
class Loading:
    """The hub is loading its history (``status: starting``): how far it is, in days."""

    loaded_days: float | None = None
    loading_days: float | None = None


@dataclass(frozen=True, slots=True)
class Connection:
    """The feed's health as the UI shows it. Times are the hub's clock (see HubTime).

    A heartbeat is not an event: it moves ``last_frame_at`` (the feed is alive), never
    ``last_event_at``. What the hub says of itself (``hub_status``, ``sources``, ``loading``)
    comes from its heartbeats and ``/v1/health``; absent fields leave them unknown (None or
    empty), so an older hub is shown as it was."""

    link: Link = Link.CONNECTING
    since: float = 0.0
    last_event_at: float | None = None  # hub time of the newest event received
    message: str = ""
    attempts: int = 0
    last_frame_at: float | None = None  # hub time of the last frame of any kind received
    heartbeat_every: float | None = None  # real seconds between the hub's heartbeats, as seen
    hub_status: str | None = None  # "ok", "starting", "degraded"; None: not said
    sources: tuple[SourceHealth, ...] = ()
    loading: Loading | None = None  # while the hub loads its history
    hub: str = ""  # the URL of the hub the feed is on (or is trying next)
    hubs: int = 1  # how many hubs the client may use (``--url URL1,URL2``)

    def evolve(self, **changes: object) -> Connection:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(slots=True)
class HubTime:
    """The hub's "now", extrapolated between snapshots and heartbeats.

    Under ``--speed N`` the hub's clock runs N times faster than ours; "in status" and "today"
    are measured against it, never against the local wall clock.
    """

    hub_at_sync: float = field(default_factory=time.time)
    local_at_sync: float = field(default_factory=time.monotonic)
    speed: float = 1.0
    monotonic: Callable[[], float] = time.monotonic

    def sync(self, hub_now: float, speed: float) -> None:
        self.hub_at_sync = hub_now
        self.local_at_sync = self.monotonic()
        self.speed = speed

    def now(self) -> float:
        return self.hub_at_sync + (self.monotonic() - self.local_at_sync) * self.speed


class FeedListener(Protocol):
    """Who the feed client reports to (the App). Called on the event loop's thread."""

    def feed_snapshot(self, state: State) -> None:
        """A fresh state (first connect, or after a resync): replace everything shown."""
        ...

    def feed_events(self, events: list[Event], employees: set[str]) -> None:
        """Events just applied to the current state; ``employees`` are the ids they touched."""
        ...

    def feed_connection(self, connection: Connection) -> None:
        """The connection changed (or a heartbeat arrived)."""
        ...
