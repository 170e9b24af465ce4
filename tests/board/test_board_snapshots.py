"""Snapshots of the live board: 80x24 and 160x50, filtered, device detail open, wall mode,
NO_COLOR, a stale feed, thresholds, and the filter dialogs. Fixed events and a fixed hub clock
(tests/board/board_data.py), so the pictures never drift.

After an intended change: ``pytest tests/board --snapshot-update``, then look at the pictures in
the report before committing them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from board_data import NOW, board_state
from board_host import BoardHost, settings, settle
from textual.pilot import Pilot

from ringmon.feed.connection import Connection, Link
from ringmon.model.board import ChipKind
from ringmon.screens.board import BoardScreen
from ringmon.widgets.filter_bar import NameInput

SIZES = [(80, 24), (160, 50)]


def size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_board(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(BoardHost(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_board_filtered(snap_compare: Any, size: tuple[int, int]) -> None:
    async def filtered(pilot: Pilot[None]) -> None:
        await settle(pilot)
        board = pilot.app.board  # type: ignore[attr-defined]
        filters = board.board.filters.with_chip(ChipKind.DEPARTMENT, {"Sales", "Support"})
        board.set_filters(filters.with_chip(ChipKind.STATUS, {"online", "ringing"}))
        await pilot.press("down", "right")
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=size, run_before=filtered)


def test_board_typing_a_name(snap_compare: Any) -> None:
    async def typing(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"ann")
        pilot.app.screen.query_one(NameInput).cursor_blink = False
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=(80, 24), run_before=typing)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_device_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    async def detail(pilot: Pilot[None]) -> None:
        await settle(pilot)
        board = pilot.app.board  # type: ignore[attr-defined]
        target = next(r for r in board.board if r.ringing and len(r.devices) > 1)
        board.table.set_cursor(target.id)
        await pilot.press("u")
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=size, run_before=detail)


# The wall pages on a timer: far longer than any test runs, so a slow machine never sees a
# page turn on its own.
NO_PAGING = settings(page=3600.0)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_wall(snap_compare: Any, size: tuple[int, int]) -> None:
    app = BoardHost(board_state(80), wall=True, settings_obj=NO_PAGING)
    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_wall_second_page(snap_compare: Any) -> None:
    async def page(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.board._next_page()  # type: ignore[attr-defined]
        await settle(pilot)

    app = BoardHost(board_state(80), wall=True, settings_obj=NO_PAGING)
    assert snap_compare(app, terminal_size=(120, 30), run_before=page)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_no_color(snap_compare: Any, size: tuple[int, int], monkeypatch: Any) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = BoardHost(settings_obj=settings({"dnd": 20 * 60, "talking": 20 * 60}))
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_stale_feed(snap_compare: Any, size: tuple[int, int]) -> None:
    connection = Connection(
        link=Link.RECONNECTING,
        since=NOW - 95,
        last_event_at=NOW - 97,
        attempts=4,
        message="connection refused",
    )
    assert snap_compare(BoardHost(connection=connection), terminal_size=size, run_before=settle)


def test_thresholds(snap_compare: Any) -> None:
    app = BoardHost(settings_obj=settings({"dnd": 20 * 60, "talking": 20 * 60, "ringing": 20}))
    assert snap_compare(app, terminal_size=(120, 30), run_before=settle)


@pytest.mark.parametrize("key", ["f", "d", "question_mark"], ids=["filter", "departments", "help"])
def test_dialogs(snap_compare: Any, key: str) -> None:
    async def dialog(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=(100, 34), run_before=dialog)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_light_theme(snap_compare: Any, size: tuple[int, int]) -> None:
    # The theme is chosen before the app starts, as a user's config would: switching it live
    # repaints on a later frame, which made this snapshot depend on timing.
    app = BoardHost(settings_obj=settings({"dnd": 20 * 60}))
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=size, run_before=settle)


class StillBoard(BoardScreen):
    """A board whose timer tick does nothing until ``ticking`` is set (the test ticks it)."""

    ticking = False

    def _tick(self) -> None:
        if self.ticking:
            super()._tick()


@pytest.mark.parametrize("wall", [False, True], ids=["board", "wall"])
async def test_picture_does_not_wait_for_the_tick(wall: bool) -> None:
    """The once-a-second tick must not change a settled board whose hub clock stands still:
    what the board shows after a change (summary, limits, chips, rows) is made with the
    change, never on the next tick, so a snapshot is the same on a slow machine (where the
    tick often runs before the picture) and on a fast one (where it does not)."""

    def picture(app: BoardHost) -> str:
        return re.sub(r"terminal-\d+-", "terminal-", app.export_screenshot())

    app = BoardHost(
        board_state(80) if wall else None,
        wall=wall,
        settings_obj=settings({"dnd": 20 * 60, "talking": 20 * 60}, page=3600.0),
        screen=StillBoard,
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        board = app.board
        assert isinstance(board, StillBoard)
        if not wall:
            board.set_filters(board.board.filters.with_chip(ChipKind.STATUS, {"online", "dnd"}))
            await settle(pilot)
        before = picture(app)
        board.ticking = True
        board._tick()
        await settle(pilot)
        assert picture(app) == before


@pytest.mark.parametrize("key", ["f", "d"], ids=["filter", "departments"])
def test_dialogs_no_color_one_unticked(snap_compare: Any, key: str, monkeypatch: Any) -> None:
    """Ticked and unticked read apart without colour: ``[x]`` and ``[ ]``."""
    monkeypatch.setenv("NO_COLOR", "1")

    async def dialog(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        await pilot.press("down", "space")
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=(100, 34), run_before=dialog)


def test_board_60x20(snap_compare: Any) -> None:
    """The summary keeps both lines (counts by glyph, then today and the feed) at 60x20."""
    assert snap_compare(BoardHost(), terminal_size=(60, 20), run_before=settle)
