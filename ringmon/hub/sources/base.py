"""The interface between a source and the hub."""

from __future__ import annotations

from typing import Protocol

from ringmon.model.schema import Event


class Sink(Protocol):
    """What a source hands its events to (the hub)."""

    def now(self) -> float:
        """The hub's clock: seconds since the epoch (simulated time under --speed)."""
        ...

    def last_ts(self) -> float | None:
        """Time of the newest stored event, to resume after a restart; None when empty."""
        ...

    async def emit(self, event: Event, *, source: str) -> bool:
        """Validate, apply, store and broadcast one event. Returns False if it was rejected
        (the hub has logged and counted the reason); never raises for bad input."""
        ...


class Source(Protocol):
    """A running source: ``run`` emits events until cancelled, reconnecting by itself."""

    name: str

    async def run(self, sink: Sink) -> None: ...
