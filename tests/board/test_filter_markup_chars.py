"""Whatever a supervisor types in ``/`` is text, never markup: ``[``, ``[b]``, ``[/]``, ``$``
and ``\\`` used to be read as Textual markup by the filter line, and ``[`` crashed the TUI."""

from __future__ import annotations

import pytest
from board_host import BoardHost, settle


@pytest.mark.parametrize("typed", ["[", "[b]x", "[/]", "a[$error]b", "\\", "dept:[", "status:!["])
async def test_any_text_in_the_filter_is_shown_as_typed(typed: str) -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *typed)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        shown = str(app.board.filter_bar.query_one("#chips").render())
        assert typed in shown or "✗" in shown


async def test_names_with_brackets_show_as_they_are() -> None:
    """A PBX's names are text too: the board, the filter bar and the device detail show
    ``[Ops] Zenon [`` as it is."""
    from ringmon.model.schema import EmployeeUpsert
    from ringmon.screens.device_detail import DeviceDetail

    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        when = board.host.hub_time.now()
        from datetime import UTC, datetime

        app.apply(
            [
                EmployeeUpsert(
                    ts=datetime.fromtimestamp(when, UTC),
                    id="odd",
                    name="[Ops] Zenon [",
                    department="[night\\",
                )
            ]
        )
        await settle(pilot)
        await pilot.press("slash", *"zenon")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        board.table.set_cursor("odd")
        await pilot.press("u")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DeviceDetail)
        shown = " ".join(str(s.render()) for s in detail.query("Static"))
        assert "[Ops] Zenon [" in shown and "[night\\" in shown
