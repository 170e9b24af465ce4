"""The live board: the main screen a supervisor watches all day (R2-R6, R15, R16).

The App pushes ``BoardScreen`` and posts it ``ModelChanged`` (a batch of employees touched by
events, or a reset on a new snapshot) and ``ConnectionChanged``. The screen turns the state into
rows (``ringmon.model.board``), keeps them filtered and sorted, and tells its widgets what
changed; once a second it advances the "In status" clocks, the feed's age and the time limits.

What the screen reads from its App is the typed ``ScreenContext`` (``ringmon.screens.context``):
the model, the hub's clock ("in status" and "today" are measured against it, never against the
local wall clock), the connection, the zone, the settings (``thresholds``, ``bell``,
``wall.page_seconds``, ``views``), ``wall``, ``mask_numbers`` and the state file with what it
remembers (the counter columns shown); ``enter`` calls the App's ``open_profile(employee_id)``.

The screen's parts: ``feed_status`` (the feed banner, the summary, time limits),
``filtering`` (the ``/`` filter language, the panels, saved views), ``ordering`` (sort, the
order held under the user's keys, the counter columns), ``commands`` (the palette), ``wall``
(the wall's pages: rows, or tiles on a big floor), each a subclass of ``base.BoardBase`` (the
board's state and widgets, and what one part calls of another). The change markers are here.
"""

from __future__ import annotations

import gc
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer

from ringmon.collector import release as release_collector
from ringmon.model.board import ChipKind, Row, TimeLimits, build_rows
from ringmon.screens.board.commands import BoardCommands
from ringmon.screens.board.feed_status import BoardFeed
from ringmon.screens.board.filtering import BoardFiltering
from ringmon.screens.board.ordering import BoardOrdering
from ringmon.screens.board.wall import BoardWall
from ringmon.screens.context import host_of
from ringmon.screens.model_messages import ModelChanged
from ringmon.widgets.employee_table import EmployeeTable
from ringmon.widgets.filter_bar import FilterBar
from ringmon.widgets.summary import (
    FeedBanner,
    SummaryBar,
    WallStatus,
    WallSummary,
)
from ringmon.widgets.wall_tiles import WallTiles

WALL_ACTIONS = frozenset({"quit", "help"})
"""The board's actions that wall mode (read-only) keeps."""
FREEZE_FROM_ROWS = 1000
"""From this many employees on, a snapshot's objects are frozen out of the cyclic GC."""
SETTLE_AFTER = 0.25
"""Seconds after the refresh that shows a snapshot's rows when its objects are settled (so that
the driver's thread has written the rows first)."""
MIDDLE_COLLECTION_EVERY = 3
"""With a big board, the collector's middle generation is collected every this many young
collections (Python's default: 10). Each such pass walks every object that survived since:
at 1,000 events/s some 10,000 (new rows, calls), a 10-20 ms stall of the take-in or frame
it falls in; every third young collection, a third of that, as often as three times."""


class BoardScreen(BoardFeed, BoardFiltering, BoardOrdering, BoardWall):
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
        Binding("c", "columns", "Columns", id="board.columns"),
        Binding("v", "views", "Views", id="board.views"),
        Binding("space", "freeze", "Freeze", show=False, id="board.freeze"),
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
    /* Textual's compact footer gives every key a right margin, the palette key docked on
       the right too: the last column stayed uncovered and a letter of the bindings scrolled
       behind it showed there ("^p palettei"). */
    BoardScreen Footer.-compact FooterKey.-command-palette { margin-right: 0; }
    """

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Wall mode is read-only: only quit and help (and the App's keys) work there."""
        return not self.wall or action in WALL_ACTIONS

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
        mask = self.host.mask_numbers
        yield EmployeeTable(self.board, self.now, self.host.tz, wall=wall, mask_numbers=mask)
        if wall:
            yield WallTiles(self.now)
        if not wall:
            yield Footer(compact=True)

    def on_mount(self) -> None:
        if not self.ready:
            return
        settings = self.host.settings
        self.thresholds = TimeLimits.from_config(settings.thresholds.model_dump())
        self.bell = settings.bell
        self.restore_columns()
        self._load(reset=True, employees=frozenset())
        if self.host.view is not None:
            self.apply_view(self.host.view, say=False)
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
        that no garbage is frozen with them; undone when the board goes (``on_unmount``).
        Once a snapshot: the board mounting and the snapshot coming both ask for it, and each
        full collection is itself a stall of a few hundred milliseconds."""
        if self._settled is self._reset_from:
            return
        if self.ready and len(self.board.rows) >= FREEZE_FROM_ROWS:
            self._settled = self._reset_from
            gc.collect()
            gc.freeze()
            self._frozen = True
            if self._gc_threshold is None:
                self._gc_threshold = gc.get_threshold()
                young, middle, old = self._gc_threshold
                gc.set_threshold(young, min(MIDDLE_COLLECTION_EVERY, middle), old)
        if self.board.rows:  # the first rows are on screen: the start is over
            release_collector()

    @property
    def settled(self) -> bool:
        """Whether the rows of the last snapshot are in and their memory settled
        (``_settle_memory``): what follows is the board's steady state."""
        return self._settled is self._reset_from or len(self.board.rows) < FREEZE_FROM_ROWS

    def on_unmount(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            self._gc_threshold = None

    def on_resize(self) -> None:
        if not self.ready:
            return
        # The page count of the wall (rows or tiles), and the chips' room, follow the size.
        self.call_after_refresh(self._fit_wall)

    # -- live updates ---------------------------------------------------------------------

    @on(ModelChanged)
    def _model_changed(self, message: ModelChanged) -> None:
        self._load(message.reset, message.employees)

    def _load(self, reset: bool, employees: frozenset[str]) -> None:
        if not self.ready:
            return
        state = self.host.state
        if reset and state is self._reset_from:
            # The same snapshot again: the board mounted after it came (the snapshot asked
            # for at start-up), and took it in then; the App's message follows.
            return
        if reset:
            self._reset_from = state
            self.board.reset(r for r in build_rows(state).values() if r is not None)
            self.table.tz = self.host.tz  # a new snapshot may bring the hub's time zone
            self.recent.clear()
            self.table.set_changed(frozenset(), repaint=False)
            # After the first rows are on screen: a full collection at 10,000 employees
            # takes a good part of a second, and holds the interpreter's lock all along, so
            # right after the refresh it went before the driver's thread wrote the rows.
            self.call_after_refresh(self.set_timer, SETTLE_AFTER, self._settle_memory)
        elif employees:
            rows = build_rows(state, employees, self.board.rows)
            self._note_changes(rows)
            self.board.update(rows)
        else:
            return
        self._funnel_dirty = True
        self._check_limits(self.now(), None if reset else employees)
        self._set_empty_text()
        self.table.rows_changed()
        self._show_summary()
        if self.wall:
            self._fit_wall()
        self._show_filter_bar(counts=reset)
        self._dialog_follows()

    def _note_changes(self, rows: dict[str, Row | None]) -> None:
        """Mark the rows whose status changed (a new employee is no change)."""
        old_rows = self.board.rows
        changed = []
        gone = []
        for emp, row in rows.items():
            old = old_rows.get(emp)
            if row is None:
                gone.append(emp)
            elif old is not None and old.status is not row.status:
                changed.append(emp)
        if gone:
            self.recent.forget(gone)
        if changed:
            self.recent.note(changed, self.wall_clock())
        if changed or gone:
            self._show_changes(repaint=False)  # rows_changed repaints them

    def _show_changes(self, repaint: bool = True) -> None:
        ids = self.recent.ids
        self.table.set_changed(ids, repaint)
        if self.wall:
            self.wall_tiles.changed = ids

    def _tick(self) -> None:
        if not self.ready:
            return
        now = self.now()
        if self.recent.expire(self.wall_clock()):
            self._show_changes()
        self.update_hold()
        self._check_limits(now)
        self.table.tick()
        if self.wall:
            self.wall_tiles.tick()
        self._update_feed(self.host.connection)
        self._show_summary()
        self._show_filter_bar(counts=True)

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
        page = self.wall_page() if self.wall else None
        self.filter_bar.show(
            chips_markup(
                filters,
                funnel,
                len(self.board),
                len(self.board.rows),
                self.board.sort,
                page,
                frozen=self.order_frozen,
            )
        )

    def _show_title(self) -> None:
        """The screen's subtitle: the filter as typed, and whether the order is frozen."""
        parts = []
        chip = self.board.filters.get(ChipKind.NAME)
        if chip is not None and chip.query is not None:
            parts.append(f"/{chip.query.text}")
        if self.order_frozen:
            parts.append("order frozen")
        self.sub_title = " · ".join(parts)

    def on_key(self, event: events.Key) -> None:
        if not self.wall:
            self.key_pressed()
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
        """The App opens the employee's profile (``open_profile``)."""
        host_of(self.app).open_profile(row.id)

    def action_help(self) -> None:
        from ringmon.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(wall=self.wall))

    async def action_quit(self) -> None:
        self.app.exit()
