"""A small App that hosts the board the way ``RingmonApp`` does, without a hub.

It gives the board the App's typed ``ScreenContext`` (with the real ``Settings``, so that a
misspelt setting fails) with a hub clock that moves only when told to, and it applies events
the way the App does: apply, collect the touched employees, post one ``ModelChanged``.

Run it by hand to look at the board in a terminal (random live events)::

    .venv/bin/python tests/board/board_host.py [--employees N] [--wall] [--rate EV_PER_S]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from board_data import NOW, TZ, board_state

from ringmon.config import Settings, Thresholds, Wall
from ringmon.feed.connection import Connection, HubTime, Link
from ringmon.model.schema import DeviceStatus, Event
from ringmon.model.state import State
from ringmon.model.touched import touched_employees
from ringmon.screens.board import BoardScreen
from ringmon.screens.context import ContextApp, ScreenContext
from ringmon.screens.model_messages import ConnectionChanged, ModelChanged


class FixedClock:
    """A monotonic clock for ``HubTime`` that moves only when advanced."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def settings(
    thresholds: dict[str, float] | None = None, bell: bool = False, page: float = 10.0
) -> Settings:
    """The client's real settings: a misspelt threshold is a validation error."""
    return Settings(
        thresholds=Thresholds.model_validate(thresholds or {}),
        bell=bell,
        wall=Wall(page_seconds=page),
    )


class BoardHost(ContextApp):
    """Hosts ``BoardScreen`` with a fixed state and a fixed hub clock."""

    CSS = "Screen { background: $background; }"

    def __init__(
        self,
        state: State | None = None,
        *,
        now: float = NOW,
        wall: bool = False,
        connection: Connection | None = None,
        settings_obj: Settings | None = None,
        speed: float = 1.0,
        screen: Callable[[], BoardScreen] | None = None,
    ) -> None:
        super().__init__()
        self.clock = FixedClock()
        self.context = ScreenContext(
            settings=settings_obj if settings_obj is not None else settings(),
            state=state if state is not None else board_state(),
            hub_time=HubTime(hub_at_sync=now, local_at_sync=0.0, speed=speed, monotonic=self.clock),
            connection=connection
            or Connection(link=Link.CONNECTED, since=now - 3600, last_event_at=now - 1),
            tz=TZ,
            hub_url="http://127.0.0.1:9",  # no hub: open_profile is recorded, not opened
            wall=wall,
        )
        self.opened: list[str] = []
        self.wall_clock = FixedClock()
        """The user's clock of the board (change markers, the order held after a key)."""
        self.wall_clock.t = 1000.0
        self._make_screen = screen or (lambda: BoardScreen(wall_clock=self.wall_clock))

    def on_mount(self) -> None:
        self.push_screen(self._make_screen())

    @property
    def board(self) -> BoardScreen:
        screen = self.screen_stack[1] if len(self.screen_stack) > 1 else self.screen
        assert isinstance(screen, BoardScreen)
        return screen

    def advance(self, seconds: float) -> None:
        """Move the hub clock on."""
        self.context.hub_time.hub_at_sync += seconds

    def pass_wall_time(self, seconds: float) -> None:
        """Move the user's clock on, and let the board see it (as its 1-s tick does)."""
        self.wall_clock.t += seconds
        self.board._tick()

    def apply(self, events: Iterable[Event]) -> set[str]:
        """Apply events and post one ModelChanged to every screen, as the App does."""
        context = self.context
        ids: set[str] = set()
        for event in events:
            ids.update(touched_employees(context.state, event))
            context.state.apply(event)
        context.connection = Connection(
            link=context.connection.link,
            since=context.connection.since,
            last_event_at=context.state.clock,
        )
        for screen in self.screen_stack:
            screen.post_message(ModelChanged(frozenset(ids)))
        return ids

    def set_connection(self, connection: Connection) -> None:
        self.context.connection = connection
        for screen in self.screen_stack:
            screen.post_message(ConnectionChanged(connection))

    def open_profile(self, employee_id: str) -> None:
        self.opened.append(employee_id)


async def settle(pilot: Any) -> None:
    """Let every message and refresh run (twice: handlers post more messages)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _live(app: BoardHost, rate: float) -> None:
    """Random device flips and calls, for looking at the board by hand."""
    import random
    import time
    from datetime import UTC, datetime

    rng = random.Random(1)
    start = time.monotonic()
    app.clock.t = 0.0

    def step() -> None:
        app.clock.t = time.monotonic() - start
        now = app.context.now()
        ts = datetime.fromtimestamp(now, UTC)
        events: list[Event] = []
        for _ in range(max(1, int(rate / 10))):
            dev = rng.choice(list(app.context.state.devices.values()))
            status = rng.choice(
                ["online", "online", "offline"] + (["dnd"] if dev.dnd_capable else [])
            )
            events.append(
                DeviceStatus(
                    ts=ts,
                    account=dev.account,
                    device=dev.device,
                    user_agent=dev.user_agent,
                    status=status,
                    dnd_capable=dev.dnd_capable,
                )
            )
        app.apply(events)

    app.set_interval(0.1, step)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=30)
    parser.add_argument("--wall", action="store_true")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--stale", action="store_true")
    args = parser.parse_args()
    host = BoardHost(board_state(args.employees), wall=args.wall)
    if not args.stale:
        host.call_later(_live, host, args.rate)
    else:
        host.context.connection = Connection(
            link=Link.RECONNECTING, since=NOW - 95, last_event_at=NOW - 97, attempts=4
        )
    host.run()
