"""The device detail's frame title names the employee as the PBX wrote the name: a border
title is read as markup, and ``[/x]`` in a name was a MarkupError that crashed the TUI."""

from __future__ import annotations

from datetime import UTC, datetime

from board_host import BoardHost, settle
from textual.containers import Vertical

from ringmon.model.schema import EmployeeUpsert
from ringmon.screens.device_detail import DeviceDetail

NAME = "[/x] Zenon [b]Nowak"


async def test_the_detail_title_shows_the_name_as_it_is() -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        at = datetime.fromtimestamp(board.host.hub_time.now(), UTC)
        app.apply([EmployeeUpsert(ts=at, id="odd", name=NAME)])
        await settle(pilot)
        board.table.set_cursor("odd")
        await pilot.press("u")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DeviceDetail)
        frame = detail.query_one(Vertical)
        assert frame._border_title is not None
        assert frame._border_title.plain == f"Devices of {NAME}"
        assert app.is_running
