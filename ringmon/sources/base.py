"""The interface between a source and the hub."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from ringmon.model.schema import Event
from ringmon.model.state import State

SOURCE_STATES = ("starting", "connecting", "running", "unreachable", "error", "done", "stopped")
"""What ``/v1/health`` and the heartbeat say of a source. ``unreachable`` and ``error`` make the
hub ``degraded``."""

FAILING_STATES = frozenset({"unreachable", "error"})


class SourceHealth:
    """Where one source stands, and since when (wall time): the one interface through which a
    source reports its state to the hub.

    A network source owns one (``self.health = SourceHealth()``) and says ``connecting()``
    while it first tries its PBX, ``running()`` once connected, ``unreachable(why)`` when it
    cannot reach it (it keeps trying). The hub reads it for ``/v1/health`` and the feed's
    heartbeat; for a source without one, the hub's supervisor keeps one (running, error,
    done). ``since`` changes only when the state does: a source retrying an unreachable PBX
    every few seconds stays unreachable since the first failure.
    """

    def __init__(self, state: str = "starting", *, wall: Callable[[], float] = time.time):
        self._wall = wall
        self.state = state
        self.since = wall()
        self.detail: str | None = None

    def set(self, state: str, detail: str | None = None) -> None:
        if state not in SOURCE_STATES:
            raise ValueError(f"unknown source state {state!r}")
        if state != self.state:
            self.state = state
            self.since = self._wall()
        self.detail = detail

    def connecting(self, detail: str | None = None) -> None:
        """Trying to connect. After a failure the source stays ``unreachable`` until it is
        connected again (retries do not make it look better than it is)."""
        if self.state not in FAILING_STATES:
            self.set("connecting", detail)

    def running(self, detail: str | None = None) -> None:
        self.set("running", detail)

    def unreachable(self, detail: str) -> None:
        self.set("unreachable", detail)

    def error(self, detail: str) -> None:
        self.set("error", detail)

    @property
    def failing(self) -> bool:
        return self.state in FAILING_STATES

    def as_json(self, name: str) -> dict[str, str | None]:
        since = datetime.fromtimestamp(self.since, UTC).isoformat(timespec="seconds")
        return {
            "name": name,
            "state": self.state,
            "since": since.replace("+00:00", "Z"),
            "detail": self.detail,
        }


class Sink(Protocol):
    """What a source hands its events to (the hub)."""

    def now(self) -> float:
        """The hub's clock: seconds since the epoch (simulated time under --speed)."""
        ...

    async def sleep_until(self, at: float) -> None:
        """Wait until the hub's clock reads ``at`` (returns at once if it already does)."""
        ...

    def last_ts(self) -> float | None:
        """Time of the newest stored event, to resume after a restart; None when empty."""
        ...

    async def emit(self, event: Event, *, source: str) -> bool:
        """Validate, apply, store and broadcast one event. Returns False if it was rejected
        (the hub has logged and counted the reason); never raises for bad input."""
        ...


@runtime_checkable
class HistorySink(Protocol):
    """A sink that takes a source's past days in bulk after today (the hub: hub/intake/backfill.py):
    ``reserve_history`` keeps the seqs before today's, ``load_history`` fills them (or
    ``drop_history``: they will not come); ``load_backlog`` takes today up to now."""

    def reserve_history(
        self, count: int, *, start: float, end: float, source: str = ""
    ) -> bool: ...

    def drop_history(self) -> None: ...

    def history_to_resume(self, source: str) -> tuple[float, float] | None:
        """The part ``(from, end)`` of ``source``'s history that a stop of the hub cut short,
        to load again with ``load_history``; None when there is none."""
        ...

    async def load_history(
        self, events: Iterable[Event], *, source: str, start: float, end: float
    ) -> int: ...

    async def load_backlog(self, events: Iterable[Event], *, source: str) -> int:
        """Take events a source has at once (today up to now) as ``emit`` would, in bulk;
        how many were accepted."""
        ...


@runtime_checkable
class StateReader(Protocol):
    """What a source may read of the hub's state: its live ``State``, read only (a source
    changes it only by emitting events). The hub is one; a test's sink may not be."""

    state: State


def live_state(sink: Sink) -> State | None:
    """The hub's live state as handed to sources (to know which accounts exist and how their
    devices stand), or None when ``sink`` shows none."""
    return sink.state if isinstance(sink, StateReader) else None


def account_known(sink: Sink) -> Callable[[str], bool] | None:
    """For a mapper: whether a SIP account exists in the hub's live state, read at each
    question (the hub's state, never a copy); None when ``sink`` shows no state."""
    if live_state(sink) is None:
        return None

    def known(login: str) -> bool:
        now = live_state(sink)
        return now is not None and login in now.accounts

    return known


def caught_up(sink: Sink, source: str) -> None:
    """Tell ``sink`` that ``source`` has replayed its history and is now live.

    A source whose ``backfills`` attribute is true (history first, then live) must call this
    once it reaches the present: until then the hub serves no snapshot (it would show the
    past as now). Sources without ``backfills`` count as caught up from the start. The hook is
    optional on the sink side (a test's sink may not have it)."""
    hook = getattr(sink, "caught_up", None)
    if callable(hook):
        hook(source)


class Source(Protocol):
    """A running source: ``run`` emits events until cancelled, reconnecting by itself.

    Optional: ``backfills = True`` for a source that replays history before going live (it
    then calls ``caught_up(sink, name)`` once live); ``health: SourceHealth`` for a source that
    reports its own state (every network source: connecting, running, unreachable)."""

    name: str

    async def run(self, sink: Sink) -> None: ...


@runtime_checkable
class RecordingSource(Protocol):
    """A source that can hand over the audio of the recordings it referenced."""

    def recording(self, ref: str) -> bytes | None:
        """The WAV bytes of recording ``ref``, or None if it is not this source's."""
        ...
