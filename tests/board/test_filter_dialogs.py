"""The filter panel (``f``) and the department menu (``d``): each entry shows whether it is
ticked by a glyph, ``[x]`` or ``[ ]`` (readable under NO_COLOR and on a Linux console), every
entry is ticked while nothing is filtered, and space on one of a full list unticks just that
one, so the board shows all the others."""

from __future__ import annotations

import pytest
from board_host import BoardHost, settle

from ringmon.model.board import RINGING, ChipKind
from ringmon.screens.choice_list import ChoiceList
from ringmon.screens.department_menu import DepartmentMenu
from ringmon.screens.filter_panel import FilterPanel

SIZE = (120, 40)
DEPARTMENTS = ["Billing", "Retention", "Sales", "Support", "(no department)"]


def painted(choices: ChoiceList) -> list[str]:
    """The list's lines as painted, without colour."""
    return [choices.render_line(y).text.rstrip() for y in range(choices.option_count)]


@pytest.mark.parametrize("no_color", [False, True], ids=["color", "no_color"])
async def test_panel_shows_ticks_as_glyphs(monkeypatch: pytest.MonkeyPatch, no_color: bool) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterPanel)
        departments = app.screen.query_one("#departments", ChoiceList)
        lines = painted(departments)
        assert [line[:4] for line in lines] == ["[x] "] * 5
        assert [line[4:].split(" (")[0] for line in lines] == DEPARTMENTS
        await pilot.press("down", "space")  # untick Retention
        lines = painted(departments)
        assert [line[:3] for line in lines] == ["[x]", "[ ]", "[x]", "[x]", "[x]"]
        assert "▐" not in "".join(lines) and "▌" not in "".join(lines)


async def test_space_on_one_of_all_ticked_hides_only_that_one() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        everyone = {r.department for r in board.board}
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("down", "down", "space", "enter")  # untick Sales
        await settle(pilot)
        assert app.screen is board
        assert {r.department for r in board.board} == everyone - {"Sales"}
        assert board.board.filters.values(ChipKind.DEPARTMENT) == {
            "Billing",
            "Retention",
            "Support",
            "",
        }


async def test_all_ticked_or_none_ticked_filters_nothing() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("space", "space", "enter")  # untick, tick again: all ticked
        await settle(pilot)
        assert not board.board.filters and len(board.board) == 30
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("a", "tab", "a", "enter")  # none ticked in either list
        await settle(pilot)
        assert not board.board.filters and len(board.board) == 30


async def test_ticking_every_status_but_ringing_is_no_status_filter() -> None:
    """Ringing is a flag over the four statuses: all four ticked already show every row."""
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("f")
        await settle(pilot)
        statuses = app.screen.query_one("#statuses", ChoiceList)
        await pilot.press("tab", "down", "space")  # untick ringing
        assert RINGING not in statuses.selected
        await pilot.press("enter")
        await settle(pilot)
        assert not board.board.filters.values(ChipKind.STATUS) and len(board.board) == 30


async def test_panel_opens_with_the_filter_ticked_and_ctrl_u_ticks_all() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        board.set_filters(board.board.filters.with_chip(ChipKind.DEPARTMENT, {"Sales"}))
        await pilot.press("f")
        await settle(pilot)
        departments = app.screen.query_one("#departments", ChoiceList)
        assert [line[:3] for line in painted(departments)] == ["[ ]", "[ ]", "[x]", "[ ]", "[ ]"]
        await pilot.press("ctrl+u", "enter")
        await settle(pilot)
        assert not board.board.filters


async def test_department_menu_ticks_glyphs_and_space_on_a_full_list() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        everyone = {r.department for r in board.board}
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DepartmentMenu)
        menu = app.screen.query_one(ChoiceList)
        assert [line[:3] for line in painted(menu)] == ["[x]"] * 5
        await pilot.press("end", "space", "enter")  # untick (no department)
        await settle(pilot)
        assert {r.department for r in board.board} == everyone - {None}
        # Reopened: the four are ticked; enter without a change takes the highlighted alone.
        await pilot.press("d")
        await settle(pilot)
        menu = app.screen.query_one(ChoiceList)
        assert [line[:3] for line in painted(menu)] == ["[x]"] * 4 + ["[ ]"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert {r.department for r in board.board} == {"Retention"}
