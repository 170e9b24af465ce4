"""The table repaints only the lines that changed; this checks that no line is ever left
stale: after random batches of live updates (status flips that re-sort), sorts, filters,
cursor moves, scrolls (also to a fractional offset, as a scrollbar drag or an animated wheel
scroll leaves it) and resizes between 80 and 160 columns, what a terminal shows of the table
(every update Textual wrote, partial ones included, see ``recording``) equals a freshly
mounted board showing the same state.

The once-a-second tick repaints every line and would hide a stale one, so it is paused.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from board_data import NOW, board_state
from board_host import settle
from recording import RecordingHost, VirtualTerminal
from textual.geometry import Region
from textual.pilot import Pilot

from ringmon.feed.connection import Connection, Link
from ringmon.model.board import ChipKind, Filters, Sort, SortColumn
from ringmon.model.schema import DeviceStatus, Event
from ringmon.model.state import State
from ringmon.widgets.employee_table import EmployeeTable

HUB_NOW = NOW + 4 * 3600
"""The hub clock stands still: durations on screen change only when their row does."""


def live() -> Connection:
    return Connection(link=Link.CONNECTED, since=NOW - 3600, last_event_at=HUB_NOW - 1)


class LiveHost(RecordingHost):
    """The feed stays live whatever the events' times (a stale feed repaints everything)."""

    def apply(self, events: list[Event]) -> set[str]:  # type: ignore[override]
        ids = super().apply(events)
        self.context.connection = live()
        return ids


def table_of(app: RecordingHost) -> EmployeeTable:
    return app.board.query_one(EmployeeTable)


def shown(app: RecordingHost) -> tuple[list[str], list[list[tuple[str, object]]]]:
    """The table's lines on the terminal (its scrollbar left out): text, and cells."""
    table = table_of(app)
    region = table.scrollable_content_region
    region = Region(region.x, region.y, region.width, region.height)
    terminal = app.terminal
    assert isinstance(terminal, VirtualTerminal)
    return terminal.text(region), terminal.cells_in(region)  # type: ignore[return-value]


async def fresh_view(
    state: State,
    size: tuple[int, int],
    sort: Sort,
    filters: Filters,
    table: EmployeeTable,
    changed: frozenset[str] = frozenset(),
) -> tuple[list[str], list[list[tuple[str, object]]]]:
    """What a board mounted now, on the same state, sort, filters, change markers, cursor and
    scroll, shows."""
    app = LiveHost(state, now=HUB_NOW, connection=live())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.board
        screen.set_sort(sort)
        screen.set_filters(filters)
        screen.recent.note(changed, app.wall_clock.t)
        screen._show_changes()
        ref = table_of(app)
        if table.following and table.cursor_id is not None:
            assert ref.set_cursor(table.cursor_id)
        ref.cursor_col = table.cursor_col
        ref.scroll_to(y=table.top, animate=False)
        ref.refresh()
        await settle(pilot)
        assert ref.top == table.top
        return shown(app)


def device_flips(
    app: RecordingHost, rng: random.Random, count: int, clock: list[float]
) -> list[Event]:
    devices = list(app.context.state.devices.values())
    events: list[Event] = []
    for _ in range(count):
        dev = rng.choice(devices)
        clock[0] += rng.random() * 0.5
        status = rng.choice(["online", "online", "offline"] + (["dnd"] if dev.dnd_capable else []))
        events.append(
            DeviceStatus(
                ts=datetime.fromtimestamp(clock[0], UTC),
                account=dev.account,
                device=dev.device,
                user_agent=dev.user_agent,
                status=status,
                dnd_capable=dev.dnd_capable,
            )
        )
    return events


async def step(app: RecordingHost, pilot: Pilot[None], rng: random.Random) -> bool:
    """One random thing besides the live updates; True for an animated scroll."""
    screen = app.board
    table = table_of(app)
    r = rng.random()
    if r < 0.08:
        await pilot.resize_terminal(rng.choice([80, 81, 100, 120, 160]), rng.choice([24, 30]))
    elif r < 0.22:
        await pilot.press(rng.choice(["down", "down", "up", "pagedown", "pageup", "end", "home"]))
    elif r < 0.26:
        await pilot.press(rng.choice(["left", "right"]))
    elif r < 0.32:
        column = rng.choice(list(SortColumn))
        screen.set_sort(Sort(column, reverse=rng.random() < 0.3))
    elif r < 0.40:
        values = rng.choice([(), ("online",), ("online", "offline"), ("dnd", "talking")])
        screen.set_filters(screen.board.filters.with_chip(ChipKind.STATUS, values))
    elif r < 0.44:
        departments = rng.choice([(), ("Sales",), ("Support", "Billing")])
        screen.set_filters(screen.board.filters.with_chip(ChipKind.DEPARTMENT, departments))
    elif r < 0.56:
        # A scrollbar drag stops anywhere; a wheel scroll animates through fractions.
        table.scroll_to(y=rng.random() * len(screen.board), animate=False)
    elif r < 0.62:
        table.scroll_to(y=table.scroll_y + rng.choice([-3.0, 3.0]), animate=True, duration=0.05)
        return True
    return False


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_terminal_never_keeps_a_stale_line(seed: int) -> None:
    rng = random.Random(seed)
    state = board_state(40, seed=seed)
    app = LiveHost(state, now=HUB_NOW, connection=live())
    clock = [state.clock or NOW]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.board
        assert screen._tick_timer is not None
        screen._tick_timer.pause()
        checked = 0
        animated = False
        for _ in range(36):
            app.apply(device_flips(app, rng, rng.choice([1, 3, 20, 200, 1000]), clock))
            animated = await step(app, pilot, rng) or animated
            if rng.random() < 0.4:
                # Several batches (and moves) in one frame, as in a backfill replay.
                await pilot.pause(rng.choice([0.0, 0.001]))
                continue
            await settle(pilot)
            if animated:
                await pilot.pause(0.1)  # the wheel's animation ends
                await settle(pilot)
                animated = False
            # Let go of the order held after the keys (a fresh board has it sorted).
            app.wall_clock.t += 6
            screen.update_hold()
            await settle(pilot)
            table = table_of(app)
            got_text, got_cells = shown(app)
            want_text, want_cells = await fresh_view(
                state,
                tuple(app.size),
                screen.board.sort,
                screen.board.filters,
                table,
                screen.recent.ids,
            )
            assert got_text == want_text, f"seed {seed}, check {checked}: stale lines on screen"
            assert got_cells == want_cells, f"seed {seed}, check {checked}: stale styles on screen"
            checked += 1
        assert checked >= 12
