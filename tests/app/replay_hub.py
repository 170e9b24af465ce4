"""A real hub on loopback for the replay tests, holding the board tests' fixed call center
(tests/board/board_data.py: 30 employees on 2026-03-24, the hub's clock at 14:30 Warsaw).

``hub_in_thread`` serves it from a thread of its own, for ``snap_compare`` (which runs the App
in its own event loop)."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "board"))

from board_data import NOW, board_events

import ringmon.hub.serving.replay as hub_replay
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.model.schema import Event

__all__ = ["NOW", "events_until", "held_rebuilds", "hub_config", "hub_in_thread", "store"]


def hub_config(folder: Path) -> HubConfig:
    return HubConfig(data=folder / "data", port=0, sources=(), tz="Europe/Warsaw")


def events_until(at: float, after: float | None = None) -> list[Event]:
    """The call center's events with ``after < ts <= at``, in time order."""
    return [
        e
        for e in sorted(board_events(), key=lambda e: e.ts)
        if e.ts.timestamp() <= at and (after is None or e.ts.timestamp() > after)
    ]


async def store(server: HubServer, events: list[Event]) -> None:
    for event in events:
        assert server.hub.accept(event, source="t"), event
    await server.hub.flush()


@contextmanager
def hub_in_thread(folder: Path, clock_at: float = NOW) -> Iterator[tuple[str, str]]:
    """(url, analyst token) of a hub holding the call center up to ``clock_at``."""
    ready = threading.Event()
    found: dict[str, Any] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        async with running_hub(
            hub_config(folder), clock=ManualClock(clock_at), sources=[]
        ) as server:
            assert server.hub.tokens is not None
            await store(server, events_until(clock_at))
            found.update(
                url=server.url,
                token=server.hub.tokens.add("snap", "analyst"),
                loop=asyncio.get_running_loop(),
                stop=stop,
            )
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert ready.wait(60), "the hub did not start"
    try:
        yield found["url"], found["token"]
    finally:
        found["loop"].call_soon_threadsafe(found["stop"].set)
        thread.join(60)


@contextmanager
def held_rebuilds() -> Iterator[threading.Event]:
    """The hub's replays (``/v1/replay?at=``) wait until the event yielded is set (or this
    ends): a hub that takes its time rebuilding a moment, without a slow machine."""
    go = threading.Event()
    rebuild = hub_replay.state_at

    def held(*args: Any, **kwargs: Any) -> Any:
        go.wait(60)
        return rebuild(*args, **kwargs)

    hub_replay.state_at = held  # type: ignore[assignment]
    try:
        yield go
    finally:
        go.set()
        hub_replay.state_at = rebuild
