"""What ringmon writes to its terminal, read back by a terminal emulator: the same screen as
Textual's own updates would give, in fewer bytes.

``recording.RecordingHost`` feeds two emulators (pyte) every update: one the text ringmon
writes (``ringmon.cropped_updates``: the changed cells only, a colour code only where the
colour changes), one the text Textual itself would write for the same update. After start-up,
ticks of the clock, batches of events and a re-sort, every cell of the two screens (its
character, colours and attributes) is the same; the ticks cost ringmon a fraction of the bytes.
"""

from __future__ import annotations

from board_data import board_state
from board_host import settle
from hypothesis import given
from hypothesis import strategies as st
from recording import RecordingHost, WrittenTerminal
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from test_board_tick_cells import HUB_NOW, SIZE, flip, live
from textual.strip import Strip

from ringmon.cropped_updates import Pen
from ringmon.feed.connection import Connection, Link
from ringmon.model.board import Sort, SortColumn
from ringmon.widgets.employee_table import EmployeeTable
from ringmon.widgets.summary import SummaryBar


def keep_live(app: RecordingHost) -> None:
    app.context.connection = Connection(
        link=Link.CONNECTED, since=HUB_NOW - 3600, last_event_at=app.context.hub_time.now() - 1
    )


async def test_the_screen_is_textuals_in_fewer_bytes() -> None:
    app = RecordingHost(board_state(60), now=HUB_NOW, connection=live())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.board
        assert screen._tick_timer is not None
        screen._tick_timer.pause()
        written, stock = app.written, app.stock
        assert written is not None and stock is not None
        assert written.cells() == stock.cells()
        start_written, start_stock = written.bytes, stock.bytes
        for _ in range(5):
            app.advance(1.0)
            keep_live(app)
            screen._tick()
            await settle(pilot)
        assert written.cells() == stock.cells()
        ticks_written = written.bytes - start_written
        ticks_stock = stock.bytes - start_stock
        # Five ticks: a cell or two of "In status" on each line and of the summary's age.
        assert ticks_written < ticks_stock / 3, (ticks_written, ticks_stock)
        table = screen.query_one(EmployeeTable)
        for line in (0, 3, 7):
            app.apply([flip(app, table.board.row_at(line).id)])
            await settle(pilot)
            assert written.cells() == stock.cells()
        screen.set_sort(Sort(SortColumn.EMPLOYEE, reverse=True))
        await settle(pilot)
        assert written.cells() == stock.cells()
        # The cursor moves: its old and new lines change colours.
        await pilot.press("down", "down")
        await settle(pilot)
        assert written.cells() == stock.cells()


async def test_a_tick_writes_only_the_summary_cells_that_changed() -> None:
    app = RecordingHost(board_state(40), now=HUB_NOW, connection=live())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.board
        assert screen._tick_timer is not None
        screen._tick_timer.pause()
        terminal = app.terminal
        assert terminal is not None
        bar = screen.query_one(SummaryBar)
        region = bar.region
        before = terminal.text(region)
        terminal.written.clear()
        app.advance(5.0)
        app.context.connection = Connection(
            link=Link.CONNECTED, since=HUB_NOW - 3600, last_event_at=HUB_NOW
        )
        screen._tick()
        await settle(pilot)
        after = terminal.text(region)
        assert "last event 5 s ago" in after[1] and "last event 5 s ago" not in before[1]
        changed = {
            (region.x + x, region.y + y)
            for y, (a, b) in enumerate(zip(before, after, strict=True))
            for x, (p, q) in enumerate(zip(a, b, strict=True))
            if p != q
        }
        in_bar = {(x, y) for x, y in terminal.written if region.contains(x, y)}
        assert changed and in_bar == changed


COLOURS = st.sampled_from([None, "#ff0000", "#00ff00", "#0000ff", "#e0e0e0", "#1b1b1b"])
STYLES = st.one_of(
    st.none(),
    st.builds(
        Style,
        color=COLOURS,
        bgcolor=COLOURS,
        bold=st.booleans(),
        italic=st.booleans(),
        underline=st.booleans(),
        reverse=st.booleans(),
    ),
)
PIECES = st.lists(
    st.tuples(
        st.integers(0, 15),
        st.integers(0, 3),
        st.lists(st.tuples(st.text("ab c", min_size=1, max_size=3), STYLES), max_size=4),
    ),
    max_size=8,
)


@given(PIECES)
def test_the_pen_writes_what_rich_writes(pieces: list[tuple[int, int, list]]) -> None:
    """Styled text at cursor positions, written by the pen and by Textual's ``Strip.render``
    (each segment's whole style, then a reset), reads the same on a terminal."""
    ours, theirs = WrittenTerminal(20, 4), WrittenTerminal(20, 4)
    pen = Pen(ColorSystem.TRUECOLOR)
    from rich.console import Console

    console = Console(color_system="truecolor", force_terminal=True)
    for x, y, segments in pieces:
        strip = Strip([Segment(text, style) for text, style in segments])
        move = f"\x1b[{y + 1};{x + 1}H"
        ours.write(move + "".join(pen.write(text, style) for text, style in segments))
        theirs.write(move + strip.render(console))
    ours.write(pen.done())
    assert ours.cells() == theirs.cells()
    # Whatever comes next is written in the terminal's default style.
    ours.write("z")
    theirs.write("z")
    assert ours.cells() == theirs.cells()
