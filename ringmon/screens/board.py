"""The live board: the main screen a supervisor watches all day (R2-R6, R15, R16).

The App pushes ``BoardScreen`` and posts it ``ModelChanged`` (a batch of employees touched by
events, or a reset on a new snapshot) and ``ConnectionChanged``. The screen turns the state into
rows (``ringmon.model.board``), keeps them filtered and sorted, and tells its widgets what
changed; once a second it advances the "In status" clocks, the feed's age and the time limits.

What the screen reads from its App is the typed ``ScreenContext`` (``ringmon.screens.context``):
the model, the hub's clock ("in status" and "today" are measured against it, never against the
local wall clock), the connection, the zone, the settings (``thresholds``, ``bell``,
``wall.page_seconds``) and ``wall``; ``enter`` calls the App's ``open_profile(employee_id)``.
"""

from __future__ import annotations

import gc
from functools import partial
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from ringmon.feed.connection import Connection, Link
from ringmon.model.board import (
    NO_DEPARTMENT,
    Board,
    ChipKind,
    Filters,
    Row,
    Sort,
    SortColumn,
    Summary,
    TimeLimits,
    build_rows,
)
from ringmon.screens.context import ScreenContext, context_of, host_of
from ringmon.screens.model_messages import ConnectionChanged, ModelChanged
from ringmon.widgets.columns import Col
from ringmon.widgets.employee_table import EmployeeTable
from ringmon.widgets.filter_bar import FilterBar
from ringmon.widgets.summary import (
    FeedBanner,
    FeedState,
    SummaryBar,
    WallStatus,
    WallSummary,
    feed_state,
    silent_after,
)

WALL_ACTIONS = frozenset({"quit", "help"})
"""The board's actions that wall mode (read-only) keeps."""
FREEZE_FROM_ROWS = 1000
"""From this many employees on, a snapshot's objects are frozen out of the cyclic GC."""


# (action, title, help) of every board command: the palette lists them all.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("name_filter", "Filter by name", "Type part of a name (/)"),
    ("filter_panel", "Filter by department and status", "Multi-select filter panel (f)"),
    ("departments", "Department menu", "Departments with counts per status (d)"),
    ("filter_cell", "Filter by this value", "Filter by the selected cell (=)"),
    ("filter_by('employee')", "Filter by this employee", "The selected row's name"),
    ("filter_by('department')", "Filter by this department", "The selected row's department"),
    ("filter_by('status')", "Filter by this status", "The selected row's status"),
    ("clear_last", "Clear the last filter", "Remove the newest chip (escape)"),
    ("clear_filters", "Clear all filters", "Show every employee (ctrl+u)"),
    ("sort_cycle", "Sort: next column", "Status, employee, department, in status (s)"),
    ("sort_reverse", "Sort: reverse", "Reverse the current order (S)"),
    ("sort_by('status')", "Sort by status", "Status priority, then longest in status"),
    ("sort_by('employee')", "Sort by employee", "By name"),
    ("sort_by('department')", "Sort by department", "By department, then status"),
    ("sort_by('in_status')", "Sort by time in status", "Longest in status first"),
    ("devices", "Device detail", "Each device of the selected employee (u)"),
    ("profile", "Open profile", "The selected employee's profile (enter)"),
    ("help", "Help: all keys", "Every key of the board (?)"),
)


class BoardCommands(Provider):
    """Every board action in the command palette."""

    def _commands(self) -> list[tuple[str, str, str]]:
        screen = self.screen
        if not isinstance(screen, BoardScreen) or screen.wall:
            return [c for c in COMMANDS if c[0] == "help"]
        return list(COMMANDS)

    async def discover(self) -> Hits:
        for action, title, help_text in self._commands():
            yield DiscoveryHit(title, partial(self.screen.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, title, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.screen.run_action, action),
                    help=help_text,
                )


class BoardScreen(Screen[None]):
    """Summary, filter chips and the employee table; live."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="board.quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="board.help"),
        Binding("slash", "name_filter", "Name", key_display="/", id="board.name_filter"),
        Binding("f", "filter_panel", "Filter", id="board.filter_panel"),
        Binding("d", "departments", "Depts", id="board.departments"),
        Binding("s", "sort_cycle", "Sort", id="board.sort_cycle"),
        Binding("S", "sort_reverse", "Reverse", show=False, id="board.sort_reverse"),
        Binding("u", "devices", "Devices", id="board.devices"),
        Binding("enter", "profile", "Profile", id="board.profile"),
        Binding(
            "equals_sign",
            "filter_cell",
            "This value",
            key_display="=",
            show=False,
            id="board.filter_cell",
        ),
        Binding("escape", "clear_last", "Clear filter", show=False, id="board.clear_last"),
        Binding("ctrl+u", "clear_filters", "Clear all", show=False, id="board.clear_filters"),
    ]

    COMMANDS: ClassVar[set[Any]] = {BoardCommands}

    DEFAULT_CSS = """
    BoardScreen { layout: vertical; }
    BoardScreen.-wall FilterBar { background: $boost; }
    """

    def __init__(
        self,
        wall: bool | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._wall_arg = wall
        self.board = Board()
        self.thresholds = TimeLimits()
        self.bell = False
        self.over: frozenset[str] = frozenset()
        self.feed: FeedState | None = None
        self._funnel: list[int] | None = None
        self._funnel_dirty = True
        self._tick_timer: Timer | None = None
        self._page_timer: Timer | None = None
        self._silence_timer: Timer | None = None
        self._page = 0
        self._frozen = False

    # -- what the App provides ------------------------------------------------------------

    @property
    def host(self) -> ScreenContext:
        return context_of(self.app)

    @property
    def wall(self) -> bool:
        if self._wall_arg is not None:
            return self._wall_arg
        return self.host.wall

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Wall mode is read-only: only quit and help (and the App's keys) work there."""
        return not self.wall or action in WALL_ACTIONS

    def now(self) -> float:
        """The hub's clock."""
        return self.host.hub_time.now()

    # -- layout ---------------------------------------------------------------------------

    @property
    def table(self) -> EmployeeTable:
        return self.query_one(EmployeeTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    @property
    def ready(self) -> bool:
        """Whether the board's widgets are there to be updated.

        False while the App is exiting (Textual then skips mounting the children, so a
        board still mounting has none) and once the board is removed: handlers of messages,
        timers and dialogs that arrive then do nothing."""
        return self.is_attached and not self._closing and not self._closed

    def compose(self) -> ComposeResult:
        wall = self.wall
        self.set_class(wall, "-wall")
        yield FeedBanner()
        if wall:
            yield WallSummary()
            yield WallStatus()
        else:
            yield SummaryBar()
        # Wall mode is read-only: no name input, so nothing takes the focus (and the keys:
        # q, ?) from the screen.
        yield FilterBar(editable=not wall)
        yield EmployeeTable(self.board, self.now, self.host.tz, wall=wall)
        if not wall:
            yield Footer(compact=True)

    def on_mount(self) -> None:
        if not self.ready:
            return
        settings = self.host.settings
        self.thresholds = TimeLimits.from_config(settings.thresholds.model_dump())
        self.bell = settings.bell
        self._load(reset=True, employees=frozenset())
        self._update_feed(self.host.connection)
        self._tick_timer = self.set_interval(1.0, self._tick, name="board-tick")
        if self.wall:
            seconds = settings.wall.page_seconds
            self._page_timer = self.set_interval(
                max(1.0, seconds), self._next_page, name="board-page"
            )
        else:
            self.table.focus()

    def _settle_memory(self) -> None:
        """A big snapshot's objects (the state, 10,000 rows) live until the next snapshot:
        move them out of the cyclic collector's way, else every full collection walks them all
        (~200 ms at 10,000 employees: a visible stall of the live board). Collected first, so
        that no garbage is frozen with them; undone when the board goes (``on_unmount``)."""
        if len(self.board.rows) >= FREEZE_FROM_ROWS:
            gc.collect()
            gc.freeze()
            self._frozen = True

    def on_unmount(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def on_resize(self) -> None:
        if not self.ready:
            return
        # The page count of the wall, and the chips' room, follow the size.
        self.call_after_refresh(self._show_filter_bar)

    # -- live updates ---------------------------------------------------------------------

    @on(ModelChanged)
    def _model_changed(self, message: ModelChanged) -> None:
        self._load(message.reset, message.employees)

    def _load(self, reset: bool, employees: frozenset[str]) -> None:
        if not self.ready:
            return
        state = self.host.state
        if reset:
            self.board.reset(r for r in build_rows(state).values() if r is not None)
            self.table.tz = self.host.tz  # a new snapshot may bring the hub's time zone
            self._settle_memory()
        elif employees:
            self.board.update(build_rows(state, employees, self.board.rows))
        else:
            return
        self._funnel_dirty = True
        self._check_limits(self.now())
        self._set_empty_text()
        self.table.rows_changed()
        self._show_summary()
        self._show_filter_bar(counts=reset)

    @on(ConnectionChanged)
    def _connection_changed(self, message: ConnectionChanged) -> None:
        self._update_feed(message.connection)
        self._watch_for_silence(message.connection)

    def _watch_for_silence(self, connection: Connection) -> None:
        """Look at the feed again the moment it would turn silent (no frame for a while),
        rather than up to a tick later."""
        if self._silence_timer is not None:
            self._silence_timer.stop()
            self._silence_timer = None
        heard = connection.last_frame_at or connection.last_event_at
        if connection.link is not Link.CONNECTED or heard is None or not self.ready:
            return
        hub_time = self.host.hub_time
        speed = hub_time.speed if hub_time.speed > 0 else 1.0
        left = (heard - hub_time.now()) / speed + silent_after(connection) + 0.05
        if left > 0:
            self._silence_timer = self.set_timer(
                left, lambda: self._update_feed(self.host.connection), name="board-silence"
            )

    def _update_feed(self, connection: Connection) -> None:
        if not self.ready:
            return
        hub_time = self.host.hub_time
        feed = feed_state(connection, hub_time.now(), hub_time.speed, self.host.tz)
        changed = feed != self.feed
        self.feed = feed
        if changed:
            self._set_empty_text()
        if changed:
            self.query_one(FeedBanner).show(feed)
            self.table.stale = feed.stale
            self._show_summary()

    def _set_empty_text(self) -> None:
        """What the table says when it has no row to show, and why."""
        table = self.table
        if self.board.rows:
            table.empty_text = (
                "No employee matches the filters: escape removes the last one, ctrl+u all."
            )
        elif self.feed is not None and self.feed.level == "wait":
            table.empty_text = self.feed.waiting
        elif self.feed is not None and self.feed.stale:
            table.empty_text = "No data: the feed is down."
        else:
            table.empty_text = "No employees."
        if not self.board:
            table.refresh()

    def _tick(self) -> None:
        if not self.ready:
            return
        now = self.now()
        self._check_limits(now)
        self.table.tick()
        self._update_feed(self.host.connection)
        self._show_summary()
        self._show_filter_bar(counts=True)

    def _check_limits(self, now: float) -> None:
        if not self.thresholds.enabled:
            return
        over = frozenset(self.board.over_limit(self.thresholds, now))
        crossed = over - self.over
        self.table.set_over(over)
        self.over = over
        if crossed and self.bell:
            self.app.bell()

    def summary(self) -> Summary:
        now = self.now()
        today = self.host.state.today(now)
        return self.board.summary(today.calls, today.missed, len(self.over))

    def _show_summary(self) -> None:
        if self.feed is None:
            return
        summary = self.summary()
        if self.wall:
            self.query_one(WallSummary).show(summary)
            self.query_one(WallStatus).show(self.now(), self.host.tz, self.feed)
        else:
            self.query_one(SummaryBar).show(summary, self.feed)

    def _show_filter_bar(self, counts: bool = False) -> None:
        if not self.ready:
            return
        from ringmon.widgets.filter_bar import chips_markup

        filters = self.board.filters
        if filters and (counts or self._funnel is None) and self._funnel_dirty:
            self._funnel = filters.funnel(self.board.rows.values())
            self._funnel_dirty = False
        funnel = self._funnel if filters else None
        if funnel is not None and len(funnel) != len(filters.chips):
            funnel = None
        page = (self.table.page, self.table.page_count) if self.wall else None
        self.filter_bar.show(
            chips_markup(
                filters, funnel, len(self.board), len(self.board.rows), self.board.sort, page
            )
        )

    # -- filters --------------------------------------------------------------------------

    def set_filters(self, filters: Filters) -> None:
        """Apply new filters (the cursor stays on its employee if they still show)."""
        if not self.ready:
            return
        if filters == self.board.filters:
            return
        self.board.set_filters(filters)
        self._funnel = filters.funnel(self.board.rows.values()) if filters else None
        self._funnel_dirty = False
        self._set_empty_text()
        self.table.rows_changed()
        self.table.refresh()
        self._show_filter_bar()

    def on_key(self, event: events.Key) -> None:
        # A burst like "/ann" (a paste, tmux send-keys, a fast typist) arrives before the
        # binding's action runs: open the name filter here, at once, and let the keys queued
        # behind "/" type into it rather than fire the board's one-letter keys.
        if event.key == "slash" and not self.wall and not self.filter_bar.editing:
            self.action_name_filter()
        else:
            typed = event.character if event.is_printable else None
            if not typed or not self.filter_bar.type_ahead(typed):
                return
        event.stop()
        event.prevent_default()

    def action_name_filter(self) -> None:
        if self.wall:
            return
        self.filter_bar.start_name(self.filter_bar.name_text(self.board.filters))

    @on(FilterBar.NameChanged)
    def _name_changed(self, message: FilterBar.NameChanged) -> None:
        self.set_filters(self.board.filters.with_name(message.text))

    @on(FilterBar.NameDone)
    def _name_done(self, message: FilterBar.NameDone) -> None:
        if not self.ready:
            return
        if message.cancelled:
            self.set_filters(self.board.filters.with_name(message.previous))
        self.table.focus()

    def action_filter_panel(self) -> None:
        if self.wall:
            return
        from ringmon.screens.filter_panel import FilterPanel

        self.app.push_screen(
            FilterPanel(
                self.board.departments(),
                self.board.filters.values(ChipKind.DEPARTMENT),
                self.board.filters.values(ChipKind.STATUS),
            ),
            self._panel_done,
        )

    def _panel_done(self, result: tuple[frozenset[str], frozenset[str]] | None) -> None:
        if result is None:
            return
        departments, statuses = result
        filters = self.board.filters
        if departments != filters.values(ChipKind.DEPARTMENT):
            filters = filters.with_chip(ChipKind.DEPARTMENT, departments)
        if statuses != filters.values(ChipKind.STATUS):
            filters = filters.with_chip(ChipKind.STATUS, statuses)
        self.set_filters(filters)

    def action_departments(self) -> None:
        if self.wall:
            return
        from ringmon.screens.department_menu import DepartmentMenu

        self.app.push_screen(
            DepartmentMenu(
                self.board.departments(), self.board.filters.values(ChipKind.DEPARTMENT)
            ),
            self._departments_done,
        )

    def _departments_done(self, result: frozenset[str] | None) -> None:
        if result is not None:
            self.set_filters(self.board.filters.with_chip(ChipKind.DEPARTMENT, result))

    def action_filter_cell(self) -> None:
        self.action_filter_by(self.table.cursor_col.value)

    def action_filter_by(self, column: str) -> None:
        row = self.table.cursor_row
        if row is None or self.wall:
            return
        col = Col(column)
        filters = self.board.filters
        if col is Col.EMPLOYEE:
            filters = filters.with_chip(ChipKind.NAME, {row.name})
        elif col is Col.DEPARTMENT:
            filters = filters.with_chip(ChipKind.DEPARTMENT, {row.department or NO_DEPARTMENT})
        elif col is Col.STATUS:
            filters = filters.with_chip(ChipKind.STATUS, {row.status.value})
        else:
            self.notify("Filter by value works on Employee, Department and Status.")
            return
        self.set_filters(filters)

    def action_clear_last(self) -> None:
        if self.board.filters:
            self.set_filters(self.board.filters.without_last())

    def action_clear_filters(self) -> None:
        self.set_filters(Filters())

    # -- sorting --------------------------------------------------------------------------

    def set_sort(self, sort: Sort) -> None:
        if not self.ready:
            return
        if self.wall:
            sort = Sort()
        self.board.set_sort(sort)
        self.table.rows_changed()
        self.table.refresh()
        self._show_filter_bar()

    def action_sort_cycle(self) -> None:
        self.set_sort(self.board.sort.next())

    def action_sort_reverse(self) -> None:
        self.set_sort(self.board.sort.toggled())

    def action_sort_by(self, column: str) -> None:
        self.set_sort(
            Sort(
                SortColumn(column),
                self.board.sort.reverse if self.board.sort.column.value == column else False,
            )
        )

    @on(EmployeeTable.HeaderClicked)
    def _header_clicked(self, message: EmployeeTable.HeaderClicked) -> None:
        column = message.column.sort_column
        if column is not None:
            self.set_sort(self.board.sort.by(column))

    # -- detail, profile, help ------------------------------------------------------------

    def action_devices(self) -> None:
        row = self.table.cursor_row
        if row is None:
            return
        from ringmon.screens.device_detail import DeviceDetail

        self.app.push_screen(DeviceDetail(row.id))

    def action_profile(self) -> None:
        row = self.table.cursor_row
        if row is not None and not self.wall:
            self.open_profile(row)

    @on(EmployeeTable.RowChosen)
    def _row_chosen(self, message: EmployeeTable.RowChosen) -> None:
        row = self.board.rows.get(message.employee_id)
        if row is not None:
            self.open_profile(row)

    def open_profile(self, row: Row) -> None:
        """The App's ``open_profile``: the employee's profile over the board."""
        host_of(self.app).open_profile(row.id)

    def action_help(self) -> None:
        from ringmon.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(wall=self.wall))

    async def action_quit(self) -> None:
        self.app.exit()

    # -- wall paging ----------------------------------------------------------------------

    def _next_page(self) -> None:
        if not self.ready:
            return
        table = self.table
        self._page = (table.page + 1) % table.page_count
        table.show_page(self._page)
        self._show_filter_bar()
