"""The wall's tile grid for big floors (issue 13 item 5): more employees than fit as rows show
as tiles (name, glyph, in-status), auto-fitted to the screen, paged by department, the
summary on top; readable at 200x60, coloured and NO_COLOR-safe."""

from __future__ import annotations

from typing import Any

import pytest
from board_data import board_state
from board_host import BoardHost, settings, settle
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from textual.pilot import Pilot

from ringmon.model.board import build_rows
from ringmon.model.board_rows import Row
from ringmon.model.status import Status
from ringmon.model.wall_pages import wall_pages
from ringmon.present.glyphs import GLYPHS
from ringmon.widgets.wall_tiles import TILE_HEIGHT, fit_grid

NO_PAGING = settings(page=3600.0)
SIZES = [(80, 24), (160, 50)]


def test_the_grid_fits_the_screen() -> None:
    grid = fit_grid(200, 60)
    assert grid.columns == 8 and grid.tile_width == 24
    assert grid.columns * (grid.tile_width + 1) - 1 <= 200
    assert fit_grid(80, 14).columns == 3
    assert fit_grid(10, 3).columns == 1 and fit_grid(10, 3).capacity >= 1


def rows(count: int, departments: list[str | None]) -> list[Row]:
    out = [r for r in build_rows(board_state(count)).values() if r is not None]
    for i, r in enumerate(out):
        r.department = departments[i % len(departments)]
    return out


@hsettings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 120),
    departments=st.lists(st.sampled_from(["A", "b", "C", None]), min_size=1, max_size=4),
    columns=st.integers(1, 9),
    lines=st.integers(4, 60),
)
def test_pages_hold_every_row_once_departments_whole_unless_too_big(
    count: int, departments: list[str | None], columns: int, lines: int
) -> None:
    shown = rows(count, departments)
    pages = wall_pages(shown, columns, lines, TILE_HEIGHT, 1)
    seen = [r.id for page in pages for s in page.sections for r in s.rows]
    assert sorted(seen) == sorted(r.id for r in shown)
    per_page = columns * max(1, (lines - 1) // TILE_HEIGHT)
    for page in pages:
        used = sum(s.lines(columns, TILE_HEIGHT, 1) for s in page.sections)
        assert used <= lines or len(page.sections) == 1
        for s in page.sections:
            # A department splits only when it is bigger than a page.
            assert s.parts == 1 or s.total > per_page
            # Within it, the board's order.
            order = [r.id for r in shown if (r.department or "") == s.department]
            assert [r.id for r in s.rows] == [i for i in order if i in {r.id for r in s.rows}]


async def test_tiles_at_200x60_and_their_capacity(capsys: Any) -> None:
    app = BoardHost(board_state(400), wall=True, settings_obj=NO_PAGING)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        board = app.board
        tiles = board.wall_tiles
        assert board.tiled
        grid = tiles.grid
        with capsys.disabled():
            print(
                f"\nwall tile grid at 200x60: {grid.columns} x {grid.capacity // grid.columns}"
                f" = {grid.capacity} tiles a page (one department), {tiles.size.height} lines"
            )
        assert grid.capacity >= 120
        page = tiles.current
        assert page is not None and page.sections
        # Every tile shows the glyph, the name, the status word and the time in status.
        text = [tiles.render_line(y).text for y in range(tiles.size.height)]
        first = page.sections[0].rows[0]
        assert any(f"{GLYPHS[first.status]} {first.name[:10]}" in line for line in text) or any(
            f"♪ {first.name[:10]}" in line for line in text
        )
        assert any("talking" in line for line in text)
        # The summary is on top.
        assert board.query_one("WallSummary").region.y < tiles.region.y
        # Every page in turn, then back to the first.
        count = tiles.page_count
        assert count > 1
        for _ in range(count):
            board._next_page()
        assert tiles.page == 0


async def test_a_status_change_marks_its_tile() -> None:
    app = BoardHost(board_state(80), wall=True, settings_obj=NO_PAGING)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        board = app.board
        page = board.wall_tiles.current
        assert page is not None
        who = next(r for s in page.sections for r in s.rows if r.status is Status.TALKING)
        leg = next(leg for leg in app.context.state.legs.values() if leg.employee == who.id)
        from datetime import UTC, datetime

        from board_data import NOW

        from ringmon.model.schema import CallEnd

        app.apply([CallEnd(ts=datetime.fromtimestamp(NOW, UTC), call=leg.call, leg=leg.leg)])
        await settle(pilot)
        assert who.id in board.wall_tiles.changed
        lines = [board.wall_tiles.render_line(y).text for y in range(50)]
        assert any(who.name[:12] in line and "Δ" in line for line in lines)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall_tiles_no_color_snapshot(
    snap_compare: Any, size: tuple[int, int], monkeypatch: Any
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = BoardHost(board_state(80), wall=True, settings_obj=NO_PAGING)
    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_wall_tiles_200x60_snapshot(snap_compare: Any) -> None:
    async def second(pilot: Pilot[None]) -> None:
        await settle(pilot)

    app = BoardHost(board_state(200), wall=True, settings_obj=NO_PAGING)
    assert snap_compare(app, terminal_size=(200, 60), run_before=second)


async def test_the_page_count_follows_the_tables_height_without_a_screen_resize() -> None:
    """The summary above the table can grow or shrink after the first data with no resize of
    the screen (a loaded machine showed it): the filter bar's "page i/n" follows the wall's
    own height, never a count from a height it no longer has."""
    app = BoardHost(board_state(30), wall=True, settings_obj=NO_PAGING)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board

        def bar() -> str:
            return str(board.filter_bar.query_one("#chips").render())

        assert not board.tiled and "page" not in bar()  # 30 rows fit in 40 lines
        summary = board.query_one("WallSummary")
        height = summary.styles.height
        summary.styles.height = 30  # the wall keeps a few lines: several pages
        await settle(pilot)
        page, count = board.wall_page()
        assert count > 1 and f"page {page + 1}/{count}" in bar()
        summary.styles.height = height  # back: one page again
        await settle(pilot)
        assert not board.tiled and board.wall_page()[1] == 1 and "page" not in bar()
