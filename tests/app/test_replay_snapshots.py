"""Snapshots of the board in a replay (``ringmon --at``): the REPLAY banner with the moment and
the keys, the summary saying "replay", at 80x24, 160x50 and under NO_COLOR. The App runs on a
real hub on loopback (served from a thread) holding the board tests' fixed call center; the
moment is 14:11:38 of that day, so the pictures never drift.

After an intended change: ``pytest tests/app/test_replay_snapshots.py --snapshot-update``,
then look at the pictures before committing them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from replay_hub import NOW, held_rebuilds, hub_in_thread
from tables import table_measured
from textual.pilot import Pilot
from textual.widgets import DataTable

from ringmon.app import RingmonApp
from ringmon.config import Settings

SIZES = [(80, 24), (160, 50)]
T = NOW - 1102  # 14:11:38: one rings, others talk, DND, offline


async def until(pilot: Pilot[None], condition: Callable[[], Any], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def replay_app(url: str, token: str) -> RingmonApp:
    app = RingmonApp(url, token, feed_options={"first_delay": 0.05}, at=T)
    app.context.hub_time.monotonic = lambda: 0.0
    return app


async def shown(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, RingmonApp)
    await until(pilot, lambda: app.replay.shown == T and app.feed.state is not None)
    await until(pilot, lambda: len(app.screen.query("EmployeeTable").first().board.rows) == 30)
    for _ in range(3):
        await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_replay_board(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    with hub_in_thread(tmp_path) as (url, token):
        assert snap_compare(replay_app(url, token), terminal_size=size, run_before=shown)


def test_replay_board_no_color(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    with hub_in_thread(tmp_path) as (url, token):
        assert snap_compare(replay_app(url, token), terminal_size=(80, 24), run_before=shown)


def test_replay_board_playing(snap_compare: Any, tmp_path: Path) -> None:
    async def playing(pilot: Pilot[None]) -> None:
        await shown(pilot)
        app = pilot.app
        assert isinstance(app, RingmonApp)
        await pilot.press("p", "p")  # 10x; stopped before a step moves the moment
        app.replay._stop_playing()
        app.replay.speed = 10.0
        app.replay._show_banner()
        await pilot.pause()

    with hub_in_thread(tmp_path) as (url, token):
        assert snap_compare(replay_app(url, token), terminal_size=(80, 24), run_before=playing)


async def loading(pilot: Pilot[None]) -> None:
    """The live board is in (and waits); the moment is not yet."""
    app = pilot.app
    assert isinstance(app, RingmonApp)
    await until(pilot, lambda: app.feed.state is not None)
    table = app.screen.query_one("EmployeeTable")
    await until(pilot, lambda: "Loading the board" in str(getattr(table, "empty_text", "")))
    for _ in range(3):
        await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_replay_loading(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    """``ringmon --at`` while the hub rebuilds the moment: no live row, the moment it loads."""
    with hub_in_thread(tmp_path) as (url, token), held_rebuilds():
        app = RingmonApp(
            url, token, Settings(tz="Europe/Warsaw"), feed_options={"first_delay": 0.05}, at=T
        )
        app.context.hub_time.monotonic = lambda: 0.0
        assert snap_compare(app, terminal_size=size, run_before=loading)


async def call_log(pilot: Pilot[None]) -> None:
    """The call log opened from e019's profile in the replay: at 14:11:38 their call rings."""
    await shown(pilot)
    app = pilot.app
    assert isinstance(app, RingmonApp)
    app.open_profile("e019")
    await until(pilot, lambda: getattr(app.screen, "doc", None) is not None)
    await pilot.press("c")
    await until(
        pilot, lambda: any(leg.leg == "c19/sip119" for leg in getattr(app.screen, "calls", ()))
    )
    # Settled: the log says its keys (no longer "Loading calls..."), nothing moves.
    await until(pilot, lambda: "Loading" not in str(app.screen.query_one("#log-status").render()))
    await until(pilot, lambda: table_measured(app.screen.query_one(DataTable)))
    await pilot.wait_for_scheduled_animations()
    for _ in range(5):
        await pilot.pause()


def test_replay_call_log(snap_compare: Any, tmp_path: Path) -> None:
    """At 80x24 only: at 160x50 the board's footer shows through the log's backdrop or not,
    as Textual happened to paint the screen below (it differed between runs)."""
    with hub_in_thread(tmp_path) as (url, token):
        assert snap_compare(replay_app(url, token), terminal_size=(80, 24), run_before=call_log)
