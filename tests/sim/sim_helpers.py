"""Shared helpers of the simulator tests: a replay into a recording state, a fake sink."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from ringmon.model.schema import Event
from ringmon.model.state import EventRejected, State

WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = date(2026, 3, 16)  # a plain week (DST changes on 29 March)


def midnight(day: date, tz: tzinfo = WARSAW) -> float:
    return datetime.combine(day, datetime.min.time(), tz).timestamp()


def replay(events: list[Event], state: State) -> list[tuple[Event, str]]:
    """Apply every event; return the rejected ones with their reasons."""
    rejected: list[tuple[Event, str]] = []
    for event in events:
        try:
            state.apply(event)
        except EventRejected as exc:
            rejected.append((event, exc.reason))
    return rejected


class Stop(Exception):
    """Raised by the fake sink to end ``SimSource.run``."""


@dataclass
class FakeSink:
    """A hub stand-in: a manual clock that jumps on ``sleep_until``, a state that applies
    every emitted event (recording rejections), and a stop time."""

    start: float
    stop_at: float
    tz: tzinfo | None = WARSAW
    stored_last: float | None = None
    state: State = field(default_factory=lambda: State(WARSAW, record=True))
    clock: float = 0.0
    emitted: list[tuple[float, Event]] = field(default_factory=list)
    """(hub clock at emission, event)."""
    sleeps: list[float] = field(default_factory=list)
    rejected: list[tuple[Event, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.clock = self.start

    def now(self) -> float:
        return self.clock

    async def sleep_until(self, at: float) -> None:
        self.sleeps.append(at)
        if at > self.stop_at:
            raise Stop
        self.clock = max(self.clock, at)

    def last_ts(self) -> float | None:
        return self.stored_last

    async def emit(self, event: Event, *, source: str) -> bool:
        assert source == "sim"
        self.emitted.append((self.clock, event))
        try:
            self.state.apply(event)
        except EventRejected as exc:
            self.rejected.append((event, exc.reason))
            return False
        return True
