"""Change markers and the held order (issue 13 item 1): a row whose status changed in the last
10 s of wall time is marked with a glyph and a style; rows hold their places until 5 s after
the user's last key; ``space`` freezes and thaws the order, shown in the title. The user's
clock is injected (``BoardHost.wall_clock``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from board_data import NOW
from board_host import BoardHost, settle
from textual.pilot import Pilot

from ringmon.model.schema import DeviceStatus, Event
from ringmon.model.status import Status
from ringmon.present.glyphs import CHANGE_GLYPH
from ringmon.screens.board import BoardScreen

SIZES = [(80, 24), (160, 50)]


def ts(offset: float = 0.0) -> datetime:
    return datetime.fromtimestamp(NOW + offset, UTC)


def go_offline(app: BoardHost, employee: str, offset: float = 1.0) -> list[Event]:
    """Every device of the employee goes offline."""
    events: list[Event] = []
    for acc in sorted(app.context.state.employees[employee].accounts):
        for dev_id in sorted(app.context.state.accounts[acc].devices):
            dev = app.context.state.devices[(acc, dev_id)]
            events.append(
                DeviceStatus(
                    ts=ts(offset),
                    account=acc,
                    device=dev_id,
                    user_agent=dev.user_agent,
                    status="offline",
                    dnd_capable=dev.dnd_capable,
                )
            )
    return events


def line_of(board: BoardScreen, employee: str) -> str:
    table = board.table
    index = board.board.index_of(employee)
    assert index is not None
    return table.render_line(index - table.top + 1).text


def online(board: BoardScreen) -> list[str]:
    return [
        r.id
        for r in board.board
        if r.status is Status.ONLINE and not r.ringing and not r.answered_open
    ]


async def test_a_changed_row_is_marked_for_ten_seconds_of_wall_time() -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        who = online(board)[0]
        assert CHANGE_GLYPH not in line_of(board, who)
        app.advance(1)
        app.apply(go_offline(app, who))
        await settle(pilot)
        assert who in board.recent and who in board.table.changed
        assert line_of(board, who).startswith(f" {CHANGE_GLYPH}")
        # A glyph and a style: the marker cell is drawn reversed and bold, not only coloured.
        strip = board.table.render_line(board.board.index_of(who) - board.table.top + 1)  # type: ignore[operator]
        marker = next(seg for seg in strip if CHANGE_GLYPH in seg.text)
        assert marker.style is not None and marker.style.reverse and marker.style.bold
        # The hub's clock does not matter, the user's does.
        app.advance(3600)
        board._tick()
        assert who in board.recent
        app.pass_wall_time(9)
        assert who in board.recent
        app.pass_wall_time(1.5)
        await settle(pilot)
        assert who not in board.recent
        assert CHANGE_GLYPH not in line_of(board, who)


async def test_a_new_snapshot_or_a_mere_refresh_marks_nothing() -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        assert not board.recent
        # Events that leave the status as it was (a second device of an online employee
        # going online again) mark nothing.
        who = online(board)[0]
        acc = sorted(app.context.state.employees[who].accounts)[0]
        dev_id = sorted(app.context.state.accounts[acc].devices)[0]
        dev = app.context.state.devices[(acc, dev_id)]
        app.advance(1)
        app.apply(
            [
                DeviceStatus(
                    ts=ts(1),
                    account=acc,
                    device=dev_id,
                    user_agent=dev.user_agent,
                    status="online",
                    dnd_capable=dev.dnd_capable,
                )
            ]
        )
        await settle(pilot)
        assert not board.recent


async def test_rows_hold_still_after_a_key_and_move_five_seconds_later() -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("down")
        await settle(pilot)
        who = online(board)[0]
        before = board.board.index_of(who)
        app.apply(go_offline(app, who))
        await settle(pilot)
        # Offline now, but still where it was: the user pressed a key a moment ago.
        assert board.board.rows[who].status is Status.OFFLINE
        assert board.board.index_of(who) == before
        assert board.board.held
        app.pass_wall_time(4)
        await settle(pilot)
        assert board.board.index_of(who) == before
        app.pass_wall_time(1.5)
        await settle(pilot)
        assert not board.board.held
        after = board.board.index_of(who)
        assert after is not None and after > before  # type: ignore[operator]


async def test_space_freezes_and_thaws_the_order_with_the_freeze_in_the_title() -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("space")
        await settle(pilot)
        assert board.order_frozen and board.board.held
        assert "order frozen" in board.sub_title
        assert "order frozen" in str(board.filter_bar.query_one("#chips").render())
        who = online(board)[0]
        before = board.board.index_of(who)
        app.apply(go_offline(app, who))
        await settle(pilot)
        app.pass_wall_time(60)  # frozen: no amount of time lets go
        await settle(pilot)
        assert board.board.index_of(who) == before
        await pilot.press("space")
        app.pass_wall_time(6)
        await settle(pilot)
        assert not board.order_frozen and "order frozen" not in board.sub_title
        assert board.board.index_of(who) != before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_markers_and_frozen_order_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    async def changed(pilot: Pilot[None]) -> None:
        app: BoardHost = pilot.app  # type: ignore[assignment]
        await settle(pilot)
        await pilot.press("space")
        for who in online(app.board)[:2]:
            app.apply(go_offline(app, who, offset=0))
        app.set_connection(app.context.connection)  # the feed's age now, not at the next tick
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=size, run_before=changed)


def test_markers_no_color_snapshot(snap_compare: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def changed(pilot: Pilot[None]) -> None:
        app: BoardHost = pilot.app  # type: ignore[assignment]
        await settle(pilot)
        for who in online(app.board)[:2]:
            app.apply(go_offline(app, who, offset=0))
        app.set_connection(app.context.connection)  # the feed's age now, not at the next tick
        await settle(pilot)
        app.pass_wall_time(6)
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=(80, 24), run_before=changed)
