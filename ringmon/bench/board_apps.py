"""The two Apps the board benchmark drives: ringmon's board, and a bare Line-API board.

``board_app_class`` hosts ``BoardScreen`` exactly as ``RingmonApp`` does, minus the network: it
is the feed's listener and hands the touched employees to its screens through the same
``UpdatePacer``; it starts no feed client, so the bench measures the board, not a hub.

``bare_app_class`` is the baseline measured in the same run: the least a Line-API board can do
with the same model. Each batch goes straight into a ``Board`` (the model's sorted rows) and the
table refreshes whole; ``render_line`` writes name, department, status and "In status" in one
style. No summary, no filters, no coalescing but Textual's own frame rate.
"""

from __future__ import annotations

from typing import Any


def board_app_class(interval: float | None = None) -> type[Any]:
    """An App hosting ``BoardScreen`` as ``RingmonApp`` does (``interval``: the pacer's)."""
    from ringmon.config import Settings
    from ringmon.feed.connection import Connection, HubTime
    from ringmon.model.schema import Event
    from ringmon.model.state import State
    from ringmon.screens.board import BoardScreen
    from ringmon.screens.context import ContextApp, ScreenContext
    from ringmon.screens.model_messages import ConnectionChanged, ModelChanged
    from ringmon.update_pacer import FRAME_SECONDS, UpdatePacer

    class BenchApp(ContextApp):
        def __init__(self) -> None:
            super().__init__()
            state, hub_time = State(), HubTime()
            self.context = ScreenContext(
                settings=Settings(),
                state=state,
                hub_time=hub_time,
                connection=Connection(since=hub_time.now()),
                tz=state.tz,
                hub_url="http://127.0.0.1:9",  # no REST call: the bench opens no profile
            )
            self.pacer = UpdatePacer(
                self._post_pending, FRAME_SECONDS if interval is None else interval
            )

        def get_default_screen(self) -> BoardScreen:
            return BoardScreen()

        def feed_snapshot(self, state: State) -> None:
            self.context.state = state
            self.context.tz = state.tz
            self.pacer.drop()
            for screen in self.screen_stack:
                screen.post_message(ModelChanged(frozenset(), reset=True))

        def feed_events(self, events: list[Event], employees: set[str]) -> None:
            self.pacer.add(employees)

        def _post_pending(self, employees: frozenset[str]) -> None:
            for screen in self.screen_stack:
                screen.post_message(ModelChanged(employees))

        def feed_connection(self, connection: Connection) -> None:
            self.context.connection = connection
            for screen in self.screen_stack:
                screen.post_message(ConnectionChanged(connection))

    return BenchApp


def bare_app_class() -> type[Any]:
    """The baseline: a bare Line-API board on the same model (see the module's docstring)."""
    from rich.segment import Segment
    from textual.app import ComposeResult
    from textual.geometry import Size
    from textual.screen import Screen
    from textual.scroll_view import ScrollView
    from textual.strip import Strip

    from ringmon.config import Settings
    from ringmon.feed.connection import Connection, HubTime
    from ringmon.model.board import Board, build_rows
    from ringmon.model.schema import Event
    from ringmon.model.state import State
    from ringmon.present.durations import format_duration
    from ringmon.screens.context import ContextApp, ScreenContext

    class BareTable(ScrollView):
        DEFAULT_CSS = "BareTable { height: 1fr; }"

        def __init__(self, board: Board, hub_time: HubTime) -> None:
            super().__init__()
            self.board = board
            self.hub_time = hub_time

        def render_line(self, y: int) -> Strip:
            index = self.scroll_offset.y + y
            width = self.size.width
            if index >= len(self.board):
                return Strip.blank(width, self.rich_style)
            row = self.board.row_at(index)
            text = (
                f" {row.name[:30]:<30} {(row.department or '')[:14]:<14} "
                f"{row.status.value:<16} {format_duration(self.hub_time.now() - row.since):>10}"
            )
            return Strip([Segment(text[:width].ljust(width), self.rich_style)], width)

    class BareScreen(Screen[None]):
        def __init__(self, board: Board, hub_time: HubTime) -> None:
            super().__init__()
            self.board = board
            self.hub_time = hub_time

        def compose(self) -> ComposeResult:
            yield BareTable(self.board, self.hub_time)

        def take_in(self, state: State, employees: frozenset[str] | None) -> None:
            """A batch (None: a snapshot) goes into the board; the table repaints whole."""
            if employees is None:
                self.board.reset(r for r in build_rows(state).values() if r is not None)
            else:
                self.board.update(build_rows(state, employees, self.board.rows))
            table = self.query_one(BareTable)
            table.virtual_size = Size(table.size.width, len(self.board))
            table.refresh()

    class BareApp(ContextApp):
        """Keeps its model in a ``ScreenContext`` too, so that the bench drives both alike."""

        def __init__(self) -> None:
            super().__init__()
            state, hub_time = State(), HubTime()
            self.context = ScreenContext(
                settings=Settings(),
                state=state,
                hub_time=hub_time,
                connection=Connection(since=hub_time.now()),
                tz=state.tz,
                hub_url="http://127.0.0.1:9",
            )
            self.bare = BareScreen(Board(), hub_time)

        def get_default_screen(self) -> Screen[None]:
            return self.bare

        def feed_snapshot(self, state: State) -> None:
            self.context.state = state
            self.bare.take_in(state, None)

        def feed_events(self, events: list[Event], employees: set[str]) -> None:
            self.bare.take_in(self.context.state, frozenset(employees))

        def feed_connection(self, connection: Connection) -> None:
            self.context.connection = connection

    return BareApp
