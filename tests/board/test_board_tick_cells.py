"""The clock's tick repaints only the "In status" cells that moved on, and a batch of events
only the lines (and the cells in them) that it changed.

What ringmon writes to its terminal is recorded cell by cell (``recording``: Textual's updates,
cropped as ``RingmonApp`` crops them). A tick with nothing else changing writes, in the table,
only cells of the "In status" column, on exactly the lines whose duration text changed; it
rewrites no other cell of any row, and not the header. The screen then still equals a fresh
board's (no cell was left stale).
"""

from __future__ import annotations

from datetime import UTC, datetime

from board_data import NOW, board_state
from board_host import settle
from recording import RecordingHost, VirtualTerminal
from textual.geometry import Region

from ringmon.feed.connection import Connection, Link
from ringmon.model.board import Sort, SortColumn
from ringmon.model.schema import DeviceStatus
from ringmon.model.status import Status
from ringmon.present.durations import format_duration
from ringmon.widgets.columns import Col
from ringmon.widgets.employee_table import EmployeeTable

HUB_NOW = NOW + 4 * 3600
SIZE = (120, 40)


def live() -> Connection:
    return Connection(link=Link.CONNECTED, since=NOW - 3600, last_event_at=HUB_NOW - 1)


def table_region(app: RecordingHost) -> Region:
    return app.board.query_one(EmployeeTable).scrollable_content_region


def written_in(terminal: VirtualTerminal, region: Region) -> dict[int, set[int]]:
    """Cells written inside ``region``: {line of the table: columns of the table}."""
    lines: dict[int, set[int]] = {}
    for x, y in terminal.written:
        if region.contains(x, y):
            lines.setdefault(y - region.y, set()).add(x - region.x)
    return lines


async def test_a_tick_writes_only_the_in_status_cells_that_changed() -> None:
    app = RecordingHost(board_state(40), now=HUB_NOW, connection=live())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.board
        assert screen._tick_timer is not None
        screen._tick_timer.pause()
        table = screen.query_one(EmployeeTable)
        terminal = app.terminal
        assert terminal is not None
        column = table.column_layout.get(Col.IN_STATUS)
        assert column is not None
        rows = [table.board.row_at(i) for i in range(min(len(table.board), table.body_height))]
        for step in (1.0, 59.0, 1.0):
            before = [format_duration(table.clock - r.since) for r in rows]  # type: ignore[operator]
            terminal.written.clear()
            app.advance(step)
            # The feed stays live (a silent one would show its banner and move the table).
            app.context.connection = Connection(
                link=Link.CONNECTED, since=NOW - 3600, last_event_at=app.context.hub_time.now() - 1
            )
            screen._tick()
            await settle(pilot)
            after = [format_duration(app.context.hub_time.now() - r.since) for r in rows]
            changed = {y + 1 for y, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}
            assert changed, "the clock moved: some durations must have changed"
            lines = written_in(terminal, table_region(app))
            assert set(lines) == changed, f"step {step}: lines written besides the clock's"
            for y, xs in lines.items():
                assert xs <= set(range(column.x, column.x + column.width)), (
                    f"step {step}: line {y} rewrote cells outside 'In status': {sorted(xs)}"
                )
                text = after[y - 1]
                # Only the characters that changed (right-aligned: count from the right).
                assert len(xs) <= len(text), f"step {step}: line {y} wrote {len(xs)} cells"
        # Nothing was left stale: the screen equals a fresh paint of the same board.
        region = table_region(app)
        shown = terminal.text(region)
        table.refresh()
        terminal.written.clear()
        await settle(pilot)
        assert terminal.text(region) == shown


def flip(app: RecordingHost, employee_id: str) -> DeviceStatus:
    """An event that changes one device of the employee (online <-> offline)."""
    state = app.context.state
    device = next(
        d for d in state.devices.values() if state.accounts[d.account].employee == employee_id
    )
    return DeviceStatus(
        ts=datetime.fromtimestamp(HUB_NOW - 0.5, UTC),
        account=device.account,
        device=device.device,
        user_agent=device.user_agent,
        status="offline" if device.status is Status.ONLINE else "online",
        dnd_capable=device.dnd_capable,
    )


async def test_a_batch_repaints_only_the_lines_it_changed() -> None:
    app = RecordingHost(board_state(80), now=HUB_NOW, connection=live())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.board
        assert screen._tick_timer is not None
        screen._tick_timer.pause()
        # By name: a row keeps its line whatever its status.
        screen.set_sort(Sort(SortColumn.EMPLOYEE))
        await settle(pilot)
        table = screen.query_one(EmployeeTable)
        refreshed: list[tuple[Region, ...]] = []
        original = table.refresh

        def refresh(*regions: Region, **options: bool) -> EmployeeTable:
            refreshed.append(regions)
            return original(*regions, **options)

        table.refresh = refresh  # type: ignore[method-assign]
        # An employee below the screen: the table repaints nothing.
        app.apply([flip(app, table.board.row_at(len(table.board) - 1).id)])
        await settle(pilot)
        assert refreshed == []
        # An employee on line 5: that line, and in it only the cells that changed.
        row = table.board.row_at(4)
        app.apply([flip(app, row.id)])
        await settle(pilot)
        assert len(refreshed) == 1
        assert {r.y for r in refreshed[0]} == {5}
        assert all(r.height == 1 for r in refreshed[0])
        # Its status changed, so the row is marked as changed a moment ago (the marker cell
        # and the bold name) along with its status, time in status and device glyph: one
        # span of that line, starting at the marker cell (the ringing cell before it is not
        # redrawn).
        marker_x = 1
        assert min(r.x for r in refreshed[0]) >= marker_x
