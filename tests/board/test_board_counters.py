"""Today's counters on the board (issue 13 item 2): "calls today", "missed today", "talk time
today", "longest call" shown or hidden from the column menu (``c``), remembered in the client's
state file (not the config), sortable, counted by the profile's rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from board_data import DAY, NOW
from board_host import BoardHost, settle
from textual.pilot import Pilot

from ringmon.client_state import StateFile
from ringmon.model.board import Sort, SortColumn
from ringmon.model.schema import CallAnswer, CallEnd, CallRing
from ringmon.present.durations import format_duration
from ringmon.screens.column_menu import ColumnMenu
from ringmon.widgets.columns import COUNTERS, Col

SIZES = [(80, 24), (160, 50)]


class RememberingHost(BoardHost):
    """A host with the App's state file (the context's ``state_file``, ``remembered``)."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context.state_file = StateFile(path)
        self.context.remembered = self.context.state_file.load()


def cell(app: BoardHost, employee: str, col: Col) -> str:
    board = app.board
    table = board.table
    placed = table.column_layout.get(col)
    assert placed is not None
    index = board.board.index_of(employee)
    assert index is not None
    text = table.render_line(index - table.top + 1).text
    return text[placed.x : placed.x + placed.width].strip()


async def choose_all_counters(pilot: Pilot[None]) -> None:
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ColumnMenu)
    await pilot.press("a", "enter")
    await settle(pilot)


async def test_the_column_menu_shows_the_counters_and_the_state_file_remembers(
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "ringmon" / "state.json"
    app = RememberingHost(state_file)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        board = app.board
        assert board.table.counters == ()
        await choose_all_counters(pilot)
        assert board.table.counters == tuple(COUNTERS)
        assert set(board.table.column_layout.shown) >= set(COUNTERS)
    saved_file = StateFile(state_file)
    assert saved_file.load().board.columns == tuple(c.value for c in COUNTERS)
    assert saved_file.problem is None
    # A new board (a new run) shows them at once; the config was never written.
    again = RememberingHost(state_file)
    async with again.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert again.board.table.counters == tuple(COUNTERS)
        # Untick "missed today" with the keyboard: remembered too.
        await pilot.press("c", "down", "space", "enter")
        await settle(pilot)
        assert Col.MISSED_TODAY not in again.board.table.counters
    assert StateFile(state_file).load().board.columns == (
        "calls_today",
        "talk_today",
        "longest_call",
    )


async def test_the_counters_are_the_profiles_figures_and_follow_live_calls() -> None:
    app = BoardHost()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await choose_all_counters(pilot)
        board = app.board
        who = next(r for r in board.board if r.calls_done.calls and not r.answered_open)
        done = app.context.state.employee_days.of(who.id, DAY)
        assert done is not None
        assert cell(app, who.id, Col.CALLS_TODAY) == str(done.handled)
        assert cell(app, who.id, Col.MISSED_TODAY) == str(done.missed)
        # A live call: answered, 90 s of talk, ended.
        acc = sorted(app.context.state.employees[who.id].accounts)[0]
        calls_before = done.handled
        talk_before = done.total_talk
        at = datetime.fromtimestamp(NOW + 1, UTC)
        app.advance(1)
        app.apply(
            [
                CallRing(ts=at, call="z1", leg="z1/a", account=acc, direction="in", remote="1"),
                CallAnswer(ts=at, call="z1", leg="z1/a"),
            ]
        )
        await settle(pilot)
        # In progress: counted up to now, as the profile counts it.
        assert cell(app, who.id, Col.CALLS_TODAY) == str(calls_before + 1)
        app.advance(90)
        board._tick()
        await settle(pilot)
        end = datetime.fromtimestamp(NOW + 91, UTC)
        app.apply([CallEnd(ts=end, call="z1", leg="z1/a")])
        await settle(pilot)
        day = app.context.state.employee_days.of(who.id, DAY)
        assert day is not None and day.handled == calls_before + 1
        assert abs(day.total_talk - (talk_before + 90)) < 1e-6
        assert cell(app, who.id, Col.CALLS_TODAY) == str(calls_before + 1)
        assert cell(app, who.id, Col.TALK_TODAY) == format_duration(talk_before + 90)


async def test_the_counters_sort_most_first_and_s_cycles_through_them() -> None:
    app = BoardHost()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        board = app.board
        await choose_all_counters(pilot)
        board.action_sort_by("missed_today")
        await settle(pilot)
        missed = [r.calls_done.missed for r in board.board]
        assert missed == sorted(missed, reverse=True) and missed[0] > 0
        # A header click on "Talk" sorts by talk time; the s key goes on to "Longest".
        placed = board.table.column_layout.get(Col.TALK_TODAY)
        assert placed is not None
        await pilot.click("EmployeeTable", offset=(placed.x + 1, 0))
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.TALK_TODAY)
        await pilot.press("s")
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.LONGEST_CALL)
        await pilot.press("s")
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.STATUS)
        # Hiding the column sorted by goes back to the default order.
        board.action_sort_by("calls_today")
        board.set_counter_columns(())
        await settle(pilot)
        assert board.board.sort == Sort()


def test_the_columns_keep_what_else_the_state_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"theme": "nord", "board": {"columns": ["x"], "future": 1}, "later": 2}')
    state_file = StateFile(path)
    state = state_file.load()
    assert state.board.columns == ("x",)
    state_file.save(state.with_board_columns(("missed_today",)))
    text = path.read_text()
    assert '"theme": "nord"' in text and '"future": 1' in text and '"later": 2' in text
    assert StateFile(path).load().board.columns == ("missed_today",)
    # A damaged file is set aside with a sentence, never a crash.
    path.write_text('{"board": {"columns": 7}}')
    damaged = StateFile(path)
    assert damaged.load().board.columns == () and damaged.problem is not None


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_counters_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    async def counters(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await choose_all_counters(pilot)
        pilot.app.board.action_sort_by("calls_today")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=size, run_before=counters)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_column_menu_snapshot(snap_compare: Any, size: tuple[int, int], monkeypatch: Any) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def menu(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("c", "space", "down")
        await settle(pilot)

    assert snap_compare(BoardHost(), terminal_size=size, run_before=menu)
