"""Enter (or escape) in the name filter, then a key right behind it (a fast typist, tmux
send-keys): the key is the board's again, not one more letter of the filter (``/ann`` enter
``q`` quits with the filter "ann"; it does not filter by "annq")."""

from __future__ import annotations

from typing import Any

from board_host import BoardHost, settle
from textual import events

from ringmon.model.board import ChipKind


async def type_ann(app: BoardHost, pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("slash", "a", "n", "n")
    await settle(pilot)
    assert app.board.filter_bar.editing
    assert app.board.board.filters.values(ChipKind.NAME) == {"ann"}


def burst(app: BoardHost, *keys: tuple[str, str]) -> None:
    """Posted at once, as a terminal delivers a burst: nothing runs between them."""
    for key, char in keys:
        app.post_message(events.Key(key, char))


async def test_q_right_after_enter_quits_with_the_filter_kept() -> None:
    app = BoardHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await type_ann(app, pilot)
        board = app.board
        assert app.return_code is None
        burst(app, ("enter", "\r"), ("q", "q"))
        await settle(pilot)
        assert board.board.filters.values(ChipKind.NAME) == {"ann"}
        assert not board.filter_bar.editing
        assert app.return_code == 0, "q quit"


async def test_a_key_right_after_escape_is_the_boards() -> None:
    app = BoardHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await type_ann(app, pilot)
        board = app.board
        sort_before = board.board.sort
        burst(app, ("escape", "\x1b"), ("s", "s"))
        await settle(pilot)
        assert board.board.filters.values(ChipKind.NAME) == frozenset()
        assert not board.filter_bar.editing
        assert board.board.sort != sort_before, "s sorted the board"
