"""What a newcomer trips on, on the board: the sorted "In status" heading keeps its arrow,
counts read "1 employee", and at 60x20 the summary keeps both its lines."""

from __future__ import annotations

import pytest
from board_data import board_state
from board_host import BoardHost, settle

from ringmon.model.board import Filters, Sort, SortColumn
from ringmon.widgets.filter_bar import chips_markup
from ringmon.widgets.summary import SummaryBar


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_in_status_heading_shows_its_sort_arrow(size: tuple[int, int]) -> None:
    app = BoardHost()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        board = app.board
        board.action_sort_by("in_status")
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.IN_STATUS)
        # The longest in status first: descending (tests/board/test_board_sort_arrow.py).
        assert "In status ▼" in board.table.render_line(0).text
        board.action_sort_reverse()
        await settle(pilot)
        assert "In status ▲" in board.table.render_line(0).text


def test_one_employee_is_singular() -> None:
    sort = Sort()
    assert "1 employee ·" in chips_markup(Filters(), None, 1, 1, sort)
    assert "2 employees ·" in chips_markup(Filters(), None, 2, 2, sort)
    assert "1,204 employees ·" in chips_markup(Filters(), None, 1204, 1204, sort)


async def test_a_board_of_one_says_one_employee() -> None:
    app = BoardHost(state=board_state(count=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(app.board.board) == 1
        text = str(app.board.filter_bar.query_one("#chips").render())
        assert "1 employee ·" in text and "employees" not in text


async def test_summary_keeps_today_and_the_feed_line_at_60x20() -> None:
    app = BoardHost()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        bar = app.board.query_one(SummaryBar)
        lines = str(bar.render()).split("\n")
        assert len(lines) == 2
        assert lines[1].startswith("Today:")
        assert all(len(line) <= bar.content_size.width for line in lines)
        for glyph in "●♪○⊘·":
            assert glyph in lines[0]
