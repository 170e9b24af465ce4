"""The filter language in ``/`` and saved views (issue 13 item 3), with the keyboard alone: the
filter shown in the title as typed, a bad term explained in place (never a crash), views
from the config one key (``v``) or a palette entry away."""

from __future__ import annotations

from typing import Any

import pytest
from board_host import BoardHost, settings, settle
from textual.command import CommandList
from textual.pilot import Pilot

from ringmon.config import ConfigError, Settings, View, load_settings
from ringmon.model.board import Sort, SortColumn
from ringmon.model.status import Status
from ringmon.screens.view_menu import ViewMenu
from ringmon.widgets.columns import Col
from ringmon.widgets.filter_bar import NameInput

SIZES = [(80, 24), (160, 50)]


def chips(app: BoardHost) -> str:
    return str(app.board.filter_bar.query_one("#chips").render())


def with_views() -> Settings:
    """The real settings with two saved views (``[views.NAME]``)."""
    return settings().model_copy(
        update={
            "views": {
                "night": View(filter="dept:retention status:!offline", sort="in_status"),
                "busy": View(
                    filter="status:talking,ringing", sort="calls_today", columns=["calls_today"]
                ),
            }
        }
    )


async def test_the_language_filters_and_the_title_shows_it_as_typed() -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("slash", *"dept:sales status:!offline")
        await settle(pilot)
        rows = list(board.board)
        assert rows and all(r.department == "Sales" for r in rows)
        assert all(r.status is not Status.OFFLINE for r in rows)
        assert "/dept:sales status:!offline" in chips(app)
        assert board.sub_title == "/dept:sales status:!offline"
        await pilot.press("enter")
        await settle(pilot)
        assert board.table.has_focus
        # Plain text still filters names, and / opens with the filter as it was typed.
        await pilot.press("slash")
        await settle(pilot)
        assert board.query_one(NameInput).value == "dept:sales status:!offline"
        await pilot.press("ctrl+u", *"anna")
        await settle(pilot)
        assert all("anna" in r.name.casefold() for r in board.board)
        await pilot.press("escape")  # puts back what was there before the edit
        await settle(pilot)
        assert "/dept:sales status:!offline" in chips(app)


async def test_a_bad_term_is_explained_in_place_and_never_crashes() -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("slash", *"status:tlaking")
        await settle(pilot)
        text = chips(app)
        assert "there is no status 'tlaking'" in text and "talking, ringing" in text
        # The last good filter holds (here the plain word "status" typed on the way).
        assert board.filter_bar.editing and app.is_running
        await pilot.press("enter")  # enter on a bad filter: the box stays open to fix it
        await settle(pilot)
        assert board.filter_bar.editing
        for _ in "tlaking":
            await pilot.press("backspace")
        await pilot.press(*"talking")
        await settle(pilot)
        assert board.filter_bar.problem is None
        assert {r.status for r in board.board} == {Status.TALKING}
        await pilot.press("enter")
        await settle(pilot)
        assert not board.filter_bar.editing and app.is_running


async def test_a_view_is_one_key_away() -> None:
    app = BoardHost(settings_obj=with_views())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ViewMenu)
        await pilot.press("1")
        await settle(pilot)
        rows = list(board.board)
        assert rows and all(
            r.department == "Retention" and r.status is not Status.OFFLINE for r in rows
        )
        assert board.board.sort == Sort(SortColumn.IN_STATUS)
        assert "/dept:retention status:!offline" in chips(app)
        # The second through the menu's cursor: columns and sort come with it.
        await pilot.press("v", "down", "enter")
        await settle(pilot)
        assert board.table.counters == (Col.CALLS_TODAY,)
        assert board.board.sort == Sort(SortColumn.CALLS_TODAY)


async def test_a_view_is_a_palette_entry() -> None:
    app = BoardHost(settings_obj=with_views())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"view: night")
        await settle(pilot)
        await pilot.pause(0.3)
        assert app.screen.query(CommandList)
        await pilot.press("enter")
        await settle(pilot)
        assert "/dept:retention status:!offline" in chips(app)


async def test_no_views_says_how_to_make_one() -> None:
    app = BoardHost()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert not isinstance(app.screen, ViewMenu)
        assert any("[views.night]" in str(n.message) for n in app._notifications)


def test_a_bad_view_in_the_config_is_a_clear_error(tmp_path: Any) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[views.night]\nfilter = "dept:night status:sleeping"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path=config, environ={})
    assert "views.night" in str(caught.value) and "no status 'sleeping'" in str(caught.value)
    config.write_text('[views.x]\nsort = "nope"\n')
    with pytest.raises(ConfigError, match="not a sort order"):
        load_settings(path=config, environ={})
    config.write_text('[views.x]\ncolumns = ["agents"]\n')
    with pytest.raises(ConfigError, match="not a column a view can show"):
        load_settings(path=config, environ={})
    config.write_text('[views.night]\nfilter = "dept:night"\nsort = "in_status"\n')
    loaded = load_settings(path=config, environ={})
    assert isinstance(loaded, Settings) and loaded.views["night"].saved("night").query


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_filter_language_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    async def typed(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"dept:sales,support status:!offline")
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=size, run_before=typed)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_bad_filter_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    async def typed(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"dept:sales status:busyy")
        pilot.app.screen.query_one(NameInput).cursor_blink = False
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=size, run_before=typed)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_view_menu_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    async def menu(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)

    assert snap_compare(BoardHost(settings_obj=with_views()), terminal_size=size, run_before=menu)
