"""The interface between a source and the hub."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ringmon.model.schema import Event


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
    then calls ``caught_up(sink, name)`` once live)."""

    name: str

    async def run(self, sink: Sink) -> None: ...


@runtime_checkable
class RecordingSource(Protocol):
    """A source that can hand over the audio of the recordings it referenced."""

    def recording(self, ref: str) -> bytes | None:
        """The WAV bytes of recording ``ref``, or None if it is not this source's."""
        ...
