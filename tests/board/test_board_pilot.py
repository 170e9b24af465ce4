"""Pilot tests of the live board: every key, combined filters, the department menu, sorting,
the cursor staying on its employee under live updates, the device detail, the user-agent
tooltip, the stale banner, thresholds, wall mode and the command palette."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from board_data import NOW, TZ, board_state
from board_host import BoardHost, settings, settle
from textual.command import CommandList
from textual.widgets import Footer
from waiting import until

from ringmon.feed.connection import Connection, Link
from ringmon.model.board import (
    ChipKind,
    Sort,
    SortColumn,
    build_rows,
)
from ringmon.model.schema import CallAnswer, CallEnd, CallRing, DeviceStatus, EmployeeUpsert
from ringmon.model.status import Status
from ringmon.present.row_text import devices_text
from ringmon.screens.board import COMMANDS, BoardCommands, BoardScreen
from ringmon.screens.department_menu import DepartmentMenu
from ringmon.screens.device_detail import DeviceDetail
from ringmon.screens.filter_panel import FilterPanel
from ringmon.screens.help import HelpScreen
from ringmon.screens.model_messages import ConnectionChanged, ModelChanged
from ringmon.widgets.columns import Col
from ringmon.widgets.employee_table import EmployeeTable
from ringmon.widgets.filter_bar import FilterBar, NameInput
from ringmon.widgets.summary import FeedBanner, SummaryBar

SIZE = (120, 40)


def ts(offset: float = 0.0) -> datetime:
    return datetime.fromtimestamp(NOW + offset, UTC)


def ids(board: BoardScreen) -> list[str]:
    return [r.id for r in board.board]


def names(board: BoardScreen) -> list[str]:
    return [r.name for r in board.board]


def summary_text(board: BoardScreen) -> str:
    return str(board.query_one(SummaryBar).render())


def chips_text(board: BoardScreen) -> str:
    return str(board.filter_bar.query_one("#chips").render())


async def test_board_shows_every_employee_in_the_default_order() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        table = board.table
        assert len(board.board) == 30
        statuses = [r.status for r in board.board]
        ranks = [s.rank for s in statuses]
        assert ranks == sorted(ranks, reverse=True)
        # Within a status, the longest in it first.
        talking = [r.since for r in board.board if r.status is Status.TALKING]
        assert talking == sorted(talking)
        assert table.cursor_id == board.board.row_at(0).id
        assert table.has_focus
        text = summary_text(board)
        assert "talking 4" in text and "ringing 5" in text and "offline 7" in text
        assert "48 calls" in text and "11 missed" in text and "live" in text
        assert app.screen.query(Footer)


async def test_cursor_keys() -> None:
    app = BoardHost(board_state(80))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        table = board.table
        order = ids(board)
        await pilot.press("down", "down", "j")
        assert table.cursor_id == order[3]
        await pilot.press("up", "k")
        assert table.cursor_id == order[1]
        await pilot.press("end")
        assert table.cursor_id == order[-1]
        await pilot.press("home")
        assert table.cursor_id == order[0]
        await pilot.press("pagedown")
        assert table.cursor_id == order[table.body_height - 1]
        await pilot.press("pagedown")
        assert table.cursor_id == order[2 * (table.body_height - 1)]
        assert table.scroll_y > 0
        await pilot.press("pageup", "pageup")
        assert table.cursor_id == order[0] and table.scroll_y == 0
        await pilot.press("G")
        assert table.cursor_id == order[-1]
        await pilot.press("g")
        assert table.cursor_id == order[0]
        await pilot.press("right")
        assert table.cursor_col is Col.EMPLOYEE
        await pilot.press("left", "left")
        assert table.cursor_col is Col.DEPARTMENT


async def test_name_filter_as_you_type_enter_keeps_escape_restores() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("slash", *"anna")
        await settle(pilot)
        assert board.filter_bar.editing
        assert names(board) and all("anna" in n.lower() for n in names(board))
        assert "/anna" in chips_text(board)
        await pilot.press("enter")
        await settle(pilot)
        assert not board.filter_bar.editing and board.table.has_focus
        kept = names(board)
        # Reopen, type more, then cancel: the filter goes back to "anna".
        await pilot.press("slash", *"zzz", "escape")
        await settle(pilot)
        assert names(board) == kept
        assert board.board.filters.values(ChipKind.NAME) == {"anna"}


async def test_filter_panel_combines_departments_and_statuses() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("f")
        await settle(pilot)
        panel = app.screen
        assert isinstance(panel, FilterPanel)
        departments = panel.query_one("#departments")
        statuses = panel.query_one("#statuses")
        # Departments are sorted: Billing, Retention, Sales, Support, (no department); with
        # no filter all are ticked, so the user unticks the ones not wanted.
        assert set(departments.selected) == set(board.board.departments())
        await pilot.press("space", "down", "space")  # - Billing, - Retention
        await pilot.press("end", "space")  # - (no department)
        await pilot.press("tab")
        assert statuses.has_focus and not departments.has_focus
        await pilot.press("a")  # all ticked: a unticks them all
        assert statuses.selected == []
        await pilot.press("end", "space")  # + offline
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is board
        rows = list(board.board)
        assert rows and {r.department for r in rows} <= {"Sales", "Support"}
        assert {r.status for r in rows} == {Status.OFFLINE}
        every = build_rows(app.context.state).values()
        expected = {
            r.id
            for r in every
            if r and r.department in ("Sales", "Support") and r.status is Status.OFFLINE
        }
        assert set(ids(board)) == expected
        text = chips_text(board)
        assert "dept: Sales, Support" in text and "status: offline" in text
        assert f"{len(expected)} of 30" in text
        # Escape in the panel changes nothing.
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert set(ids(board)) == expected
        # escape on the board removes the last chip (status), ctrl+u all.
        await pilot.press("escape")
        await settle(pilot)
        assert [c.kind for c in board.board.filters.chips] == [ChipKind.DEPARTMENT]
        await pilot.press("ctrl+u")
        await settle(pilot)
        assert not board.board.filters and len(board.board) == 30


async def test_department_menu_counts_and_choice() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("d")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, DepartmentMenu)
        assert menu.departments == board.board.departments()
        await pilot.press("down", "enter")  # the highlighted one: Retention
        await settle(pilot)
        assert app.screen is board
        assert {r.department for r in board.board} == {"Retention"}
        # Several at once with space: the filtered one is ticked, space ticks more.
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("space", "end", "space", "enter")  # + Billing, + (none)
        await settle(pilot)
        assert board.board.filters.values(ChipKind.DEPARTMENT) == {"Billing", "Retention", ""}
        assert {r.department for r in board.board} == {"Billing", "Retention", None}


async def test_filter_by_this_cell() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        first = board.table.cursor_row
        assert first is not None and board.table.cursor_col is Col.STATUS
        await pilot.press("equals_sign")
        await settle(pilot)
        assert {r.status for r in board.board} == {first.status}
        await pilot.press("left", "equals_sign")  # Department
        await settle(pilot)
        assert {r.department for r in board.board} == {first.department}
        assert {r.status for r in board.board} == {first.status}
        await pilot.press("left", "equals_sign")  # Employee
        await settle(pilot)
        assert ids(board) == [first.id]
        assert board.table.cursor_id == first.id


async def test_sort_keys_headers_and_clicks() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("s")
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.EMPLOYEE)
        assert names(board) == sorted(names(board), key=str.casefold)
        header = board.table.render_line(0).text
        assert "Employee ▲" in header
        await pilot.press("S")
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.EMPLOYEE, reverse=True)
        assert "Employee ▼" in board.table.render_line(0).text
        assert names(board) == sorted(names(board), key=str.casefold, reverse=True)
        await pilot.press("s", "s")
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.IN_STATUS)
        sinces = [r.since for r in board.board]
        assert sinces == sorted(sinces)
        await pilot.press("s")
        assert board.board.sort == Sort()
        # A click on the Department heading sorts by it; a second click reverses.
        table = board.table
        x = table.column_layout.get(Col.DEPARTMENT).x + 1  # type: ignore[union-attr]
        await pilot.click(EmployeeTable, offset=(x, 0))
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.DEPARTMENT)
        await pilot.click(EmployeeTable, offset=(x, 0))
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.DEPARTMENT, reverse=True)
        # User agents cannot be sorted on.
        x = table.column_layout.get(Col.AGENTS).x + 1  # type: ignore[union-attr]
        await pilot.click(EmployeeTable, offset=(x, 0))
        await settle(pilot)
        assert board.board.sort == Sort(SortColumn.DEPARTMENT, reverse=True)


async def test_cursor_stays_on_its_employee_under_live_updates_and_sorting() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        table = board.table
        await pilot.press("down", "down", "down", "down", "down", "down")
        chosen = table.cursor_id
        assert chosen is not None
        emp = app.context.state.employees[chosen]
        login = sorted(emp.accounts)[0]
        device = sorted(app.context.state.accounts[login].devices)[0]
        before = board.board.index_of(chosen)
        # The chosen employee answers a call (moves up to talking) while others change too.
        others = [e for e in ids(board)[:3] if e != chosen]
        app.advance(5)
        events = [
            CallRing(ts=ts(5), call="x1", leg="x1/a", account=login, device=device, direction="in"),
            CallAnswer(ts=ts(5), call="x1", leg="x1/a"),
        ]
        for other in others:
            acc = sorted(app.context.state.employees[other].accounts)[0]
            for dev_id in sorted(app.context.state.accounts[acc].devices):
                dev = app.context.state.devices[(acc, dev_id)]
                events.append(
                    DeviceStatus(
                        ts=ts(5),
                        account=acc,
                        device=dev_id,
                        user_agent=dev.user_agent,
                        status="offline",
                        dnd_capable=dev.dnd_capable,
                    )
                )
        app.apply(events)
        await settle(pilot)
        # The order holds for 5 s after the user's last key: the row has not moved yet.
        assert board.board.index_of(chosen) == before
        app.pass_wall_time(6)
        await settle(pilot)
        after = board.board.index_of(chosen)
        assert table.cursor_id == chosen
        assert after != before
        assert board.board.row_at(after).status is Status.TALKING  # type: ignore[arg-type]
        # Sorting keeps it too, and so does a filter it passes.
        for key in ("s", "s", "S", "s"):
            await pilot.press(key)
            await settle(pilot)
            assert table.cursor_id == chosen
        await pilot.press("equals_sign")  # its status: talking
        await settle(pilot)
        assert table.cursor_id == chosen
        # The call ends: it leaves the talking filter; the cursor stays in place on the next.
        place = board.board.index_of(chosen)
        app.advance(5)
        app.apply([CallEnd(ts=ts(10), call="x1", leg="x1/a")])
        await settle(pilot)
        assert board.board.index_of(chosen) is None
        assert table.cursor_id is not None and table.cursor_id != chosen
        assert board.board.index_of(table.cursor_id) == min(place or 0, len(board.board) - 1)


async def test_live_employee_and_reset() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        app.apply([EmployeeUpsert(ts=ts(1), id="new", name="Zenon Nowy", department="Sales")])
        await settle(pilot)
        assert "new" in board.board.rows and len(board.board) == 31
        assert "offline 8" in summary_text(board)
        app.context.state = board_state(5)
        for screen in app.screen_stack:
            from ringmon.screens.model_messages import ModelChanged

            screen.post_message(ModelChanged(frozenset(), reset=True))
        await settle(pilot)
        assert len(board.board) == 5


async def test_device_detail_from_the_keyboard() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        # A row with two devices, one ringing.
        target = next(r for r in board.board if r.ringing and len(r.devices) > 1)
        board.table.set_cursor(target.id)
        await pilot.press("u")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DeviceDetail)
        body = str(detail.query_one("#detail-body").render())
        for dev in target.devices:
            assert dev.user_agent in body and dev.account in body
        assert "ringing" in body and "decides the status" in body
        assert target.name in str(detail.query_one("Vertical").border_title)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is board


async def test_user_agent_tooltip_on_hover() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.board.table
        agents = table.column_layout.get(Col.AGENTS)
        assert agents is not None
        await pilot.hover(EmployeeTable, offset=(agents.x + 2, 3))
        row = table.board.row_at(2)
        await until(lambda: table.tooltip is not None, "the tooltip", poll=pilot.pause)
        assert table.tooltip == devices_text(row, NOW, TZ)
        assert table.tooltip == table.agents_tooltip(row.id)
        for dev in row.devices:
            assert dev.user_agent in str(table.tooltip)
        # Elsewhere on the row: no tooltip.
        await pilot.hover(EmployeeTable, offset=(3, 3))
        await until(lambda: table.tooltip is None, "no tooltip", poll=pilot.pause)


async def test_enter_opens_the_profile() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.opened == [app.board.board.row_at(1).id]
        # A double click too.
        await pilot.click(EmployeeTable, offset=(3, 4), times=2)
        await settle(pilot)
        assert app.opened[-1] == app.board.board.row_at(3).id


async def test_help_lists_every_key() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("Static").render())
        for binding in BoardScreen.BINDINGS:
            key = binding.key_display or binding.key  # type: ignore[union-attr]
            assert key.replace("question_mark", "?") in text, key
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


async def test_q_quits() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_command_palette_runs_board_actions() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"sort by employee")
        hits = app.screen.query_one(CommandList)
        await until(lambda: hits.option_count > 0, "the palette's hits", poll=pilot.pause)
        await pilot.press("enter")
        await until(
            lambda: board.board.sort == Sort(SortColumn.EMPLOYEE), "the sort", poll=pilot.pause
        )
        # Every board action has a palette entry that runs it.
        actions = {c[0].split("(")[0] for c in COMMANDS}
        for binding in BoardScreen.BINDINGS:
            assert binding.action in actions | {"quit"}, binding.action  # type: ignore[union-attr]
        hits = [hit async for hit in BoardCommands(board).discover()]
        assert len(hits) == len(COMMANDS)


async def test_stale_feed_banner_and_dimmed_statuses() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        banner = board.query_one(FeedBanner)
        assert not banner.display
        app.set_connection(
            Connection(
                link=Link.RECONNECTING,
                since=NOW - 95,
                last_event_at=NOW - 97,
                attempts=3,
                message="connection refused",
            )
        )
        await settle(pilot)
        assert banner.display
        text = str(banner.render())
        assert "reconnecting since 14:28:25" in text and "1 min" in text
        assert "data as of 14:28:23" in text
        assert board.table.stale
        assert "reconnecting" in summary_text(board)
        # Back: the banner goes, statuses are live again.
        app.set_connection(Connection(link=Link.CONNECTED, since=NOW, last_event_at=NOW))
        await settle(pilot)
        assert not banner.display and not board.table.stale
        # Silence: no event nor heartbeat for long enough is stale too (checked every second).
        app.advance(60)
        board._tick()
        await settle(pilot)
        assert banner.display and "silent" in str(banner.render())
        assert board.table.stale


async def test_thresholds_highlight_count_and_ring_the_bell() -> None:
    app = BoardHost(settings_obj=settings({"dnd": 20 * 60}, bell=True))
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        dnd = [r for r in board.board if r.status is Status.DND]
        over = {r.id for r in dnd if NOW - r.since > 20 * 60}
        assert over and board.over == over
        assert f"over limit {len(over)}" in summary_text(board)
        assert board.table.render_line(1 + board.board.index_of(next(iter(over)))).text[0] == "!"  # type: ignore[operator]
        assert bells == [1]  # the first check found rows over the limit
        # Time passes: another DND row crosses its limit, the bell rings once more.
        youngest = max(dnd, key=lambda r: r.since)
        app.advance(20 * 60 - (NOW - youngest.since) + 1)
        board._tick()
        await settle(pilot)
        assert youngest.id in board.over
        assert bells == [1, 1]


async def test_a_batch_updates_the_rows_past_a_limit_from_the_rows_it_touched() -> None:
    """After a batch only its rows are checked against the limits (no pass over every row per
    batch): a row it brings under its limit leaves at once, the others stay as they were."""
    app = BoardHost(settings_obj=settings({"dnd": 20 * 60}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        assert len(board.over) >= 2
        row = board.board.rows[sorted(board.over)[0]]
        dev = next(d for d in row.devices if d.decides)
        app.advance(1)
        app.apply(
            [
                DeviceStatus(
                    ts=ts(1), account=dev.account, device=dev.device, user_agent=dev.user_agent,
                    status="online", dnd_capable=True,
                )
            ]
        )  # fmt: skip
        await settle(pilot)
        assert board.board.rows[row.id].status is Status.ONLINE
        full = frozenset(board.board.over_limit(board.thresholds, board.now()))
        assert row.id not in board.over and board.over == full


async def test_thresholds_are_off_by_default() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.board.over == frozenset()
        assert "over limit" not in summary_text(app.board)


async def test_wall_mode_is_read_only_and_pages() -> None:
    # Pages turn here by hand: an hour between automatic turns, so that a slow machine never
    # sees one between two steps.
    app = BoardHost(board_state(60), wall=True, settings_obj=settings(page=3600))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        board = app.board
        table = board.table
        assert board.wall and not app.screen.query(Footer)
        assert not table.can_focus and table.cursor_index is None
        # 60 employees do not fit as rows: tiles, a department a page.
        tiles = board.wall_tiles
        assert board.tiled and not table.display
        assert tiles.page_count > 1 and tiles.page == 0
        assert "page 1/" in chips_text(board)
        await pilot.press("s", "f", "slash", "u", "space", "c", "v")
        await settle(pilot)
        assert board.board.sort == Sort() and isinstance(app.screen, BoardScreen)
        assert not board.order_frozen
        board._next_page()
        await settle(pilot)
        assert tiles.page == 1 and "page 2/" in chips_text(board)
        for _ in range(tiles.page_count - 1):
            board._next_page()
        await settle(pilot)
        assert tiles.page == 0


async def test_wall_shows_rows_while_they_fit() -> None:
    app = BoardHost(board_state(8), wall=True, settings_obj=settings(page=3600))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        board = app.board
        assert not board.tiled and board.table.display
        assert len(board.board) == 8


async def test_wall_mode_from_the_constructor() -> None:
    app = BoardHost(screen=lambda: BoardScreen(wall=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.board.wall and not app.screen.query(Footer)


async def test_narrow_terminal_hides_columns_in_order() -> None:
    app = BoardHost()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.board.table
        assert table.column_layout.shown == (
            Col.EMPLOYEE,
            Col.DEPARTMENT,
            Col.STATUS,
            Col.IN_STATUS,
            Col.AGENTS,
        )
        await pilot.resize_terminal(60, 24)
        await settle(pilot)
        assert Col.AGENTS not in table.column_layout.shown
        assert Col.DEPARTMENT in table.column_layout.shown
        await pilot.resize_terminal(40, 24)
        await settle(pilot)
        assert table.column_layout.shown == (Col.EMPLOYEE, Col.STATUS, Col.IN_STATUS)


async def test_in_status_ticks_with_the_hub_clock() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        first = board.board.row_at(0)
        line = board.table.render_line(1).text
        app.advance(61)
        board._tick()
        await settle(pilot)
        later = board.table.render_line(1).text
        assert line != later
        from ringmon.present.durations import format_duration

        assert format_duration(NOW + 61 - first.since) in later


async def test_filter_bar_shows_counts() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        assert "30 employees" in chips_text(board)
        board.set_filters(
            board.board.filters.with_chip(ChipKind.DEPARTMENT, {"Sales"}).with_chip(
                ChipKind.STATUS, {"online"}
            )
        )
        await settle(pilot)
        sales = sum(1 for r in board.board.rows.values() if r.department == "Sales")
        text = chips_text(board)
        assert f"dept: Sales {sales}" in text
        assert f"status: online {len(board.board)}" in text
        assert isinstance(board.filter_bar, FilterBar)


async def test_empty_states_say_why() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        board.set_filters(board.board.filters.with_name("nobody is called this"))
        await settle(pilot)
        assert "No employee matches the filters" in board.table.render_line(1).text
        assert "0 of 30" in chips_text(board)
    from ringmon.model.state import State

    waiting = BoardHost(State(TZ), connection=Connection(link=Link.CONNECTING, since=NOW))
    async with waiting.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Connecting to the hub" in waiting.board.table.render_line(1).text
        assert "connecting" in summary_text(waiting.board)


async def test_every_binding_has_an_id() -> None:
    from ringmon.screens.choice_list import ChoiceList
    from ringmon.widgets.filter_bar import FilterBar

    for owner in (
        BoardScreen,
        EmployeeTable,
        FilterPanel,
        DepartmentMenu,
        DeviceDetail,
        HelpScreen,
        ChoiceList,
        FilterBar,
    ):
        for binding in owner.BINDINGS:
            assert binding.id, (owner.__name__, binding)  # type: ignore[union-attr]


async def test_a_big_snapshot_is_frozen_out_of_the_gc_while_the_board_lives(
    monkeypatch: Any,
) -> None:
    import asyncio
    import gc

    import ringmon.screens.board.screen as board_module

    monkeypatch.setattr(board_module, "FREEZE_FROM_ROWS", 10)
    collections: list[int] = []
    collect = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or collect(*args))
    threshold = gc.get_threshold()
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        async with asyncio.timeout(10):  # a moment after the rows are on screen
            while gc.get_freeze_count() == 0:
                await pilot.pause(0.02)
        # One full collection for the snapshot: each is a stall of the live board.
        assert len(collections) == 1 and app.board.settled
        young, middle, old = gc.get_threshold()
        assert (young, old) == (threshold[0], threshold[2])
        assert middle == min(board_module.MIDDLE_COLLECTION_EVERY, threshold[1])
        # The board mounting and a snapshot coming each ask for it (the second ask, for the
        # same snapshot, comes after the first ran when the snapshot was there before the
        # first refresh): one collection.
        app.board._settle_memory()
        app.board.post_message(ModelChanged(frozenset(), reset=True))
        await settle(pilot)
        assert len(collections) == 1
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold


async def test_until_the_user_moves_it_the_cursor_stays_on_top() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        table = board.table
        top = table.cursor_id
        assert top is not None and not table.following
        # The top employee's call ends: they move down, the cursor stays on top.
        leg = next(leg for leg in app.context.state.legs.values() if leg.employee == top)
        app.advance(1)
        app.apply([CallEnd(ts=ts(1), call=leg.call, leg=leg.leg)])
        await settle(pilot)
        assert board.board.index_of(top) != 0
        assert table.cursor_id == board.board.row_at(0).id and table.scroll_y == 0


async def test_wall_mode_keys_q_quits_and_help_opens() -> None:
    app = BoardHost(board_state(60), wall=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        board = app.board
        assert app.focused is None  # nothing (no name input) takes the keys from the screen
        assert not board.filter_bar.query(NameInput)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen) and app.screen.wall
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is board and app.focused is None
        await pilot.press("slash", "enter", "escape", "ctrl+u")  # read-only: no effect
        await settle(pilot)
        assert app.screen is board and not board.board.filters
        assert "page 1/" in chips_text(board)
        dev = next(iter(app.context.state.devices.values()))
        offline = DeviceStatus(ts=ts(1), account=dev.account, device=dev.device, status="offline")
        app.apply([offline])
        board._tick()
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0


async def test_messages_to_a_board_that_is_gone_do_nothing() -> None:
    app = BoardHost()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        await app.pop_screen()
        await settle(pilot)
        assert not board.ready
        board.post_message(ModelChanged(frozenset(), reset=True))
        board.post_message(ModelChanged(frozenset({"e1"})))
        board.post_message(ConnectionChanged(Connection(link=Link.RECONNECTING, since=NOW)))
        board._tick()
        board._next_page()
        board.set_filters(board.board.filters.with_name("a"))
        await settle(pilot)


async def test_exiting_while_the_board_mounts_raises_nothing() -> None:
    """The App exits before the board's children mount (``ringmon demo`` whose hub dies at
    start): the board's handlers find no widgets and must not fail (run_test re-raises)."""

    class Exiting(BoardHost):
        def on_mount(self) -> None:
            board = self._make_screen()
            self.push_screen(board)
            self.exit(return_code=1)
            board.post_message(ModelChanged(frozenset(), reset=True))
            board.post_message(ConnectionChanged(self.context.connection))

    for wall in (False, True):
        app = Exiting(wall=wall)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
        assert app.return_code == 1
