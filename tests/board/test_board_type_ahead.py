"""A burst of keys after "/" (a paste, tmux send-keys, a fast typist) types into the name
filter: none is lost, and none fires the board's one-letter keys (s, f, d, u...)."""

from __future__ import annotations

from board_host import BoardHost, settle
from textual import events

from ringmon.model.board import ChipKind


async def test_keys_queued_behind_slash_type_into_the_name_filter() -> None:
    app = BoardHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        board = app.board
        sort_before = board.board.sort
        # Posted at once, as a terminal delivers a burst: nothing runs between them.
        for key, char in [("slash", "/"), ("s", "s"), ("a", "a"), ("n", "n"), ("n", "n")]:
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert board.filter_bar.editing
        assert board.board.filters.values(ChipKind.NAME) == {"sann"}
        assert board.board.sort == sort_before  # "s" was typed, not a sort
