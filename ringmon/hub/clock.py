"""The hub's clock: real time, or simulated time running ``speed`` times faster.

Everything the hub stamps (events of the simulator, snapshots, heartbeats) reads this clock,
so a demo at ``--speed 60`` is consistent end to end; tests pass a ``ManualClock``.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    speed: float

    def now(self) -> float:
        """Seconds since the epoch, UTC, on this clock."""
        ...


class HubClock:
    """Starts at ``start`` (default: real now) and runs ``speed`` x real time from there."""

    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin_real = time.monotonic()
        self._origin = time.time() if start is None else start

    def now(self) -> float:
        return self._origin + (time.monotonic() - self._origin_real) * self.speed

    def real_seconds_until(self, at: float) -> float:
        """How long to sleep, in real seconds, until this clock reads ``at``."""
        return max(0.0, (at - self.now()) / self.speed)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float, speed: float = 1.0) -> None:
        self.speed = speed
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def set(self, at: float) -> None:
        self._now = at

    def real_seconds_until(self, at: float) -> float:
        return max(0.0, (at - self._now) / self.speed)
