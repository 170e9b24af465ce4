"""The employee table (R3): a Line-API widget that repaints only the cells that changed.

Rows come from a ``Board`` (the model's filtered, sorted rows). The widget paints the visible
lines with ``render_line`` from a one-entry-per-employee cache (``RowLines``) and remembers the
line it painted at each ``y``. After a batch of events, and on the clock's tick, it compares each
visible line with the one it painted there and refreshes only the span of cells that differs
(``line_diff.changed_span``): a re-sorted row is a whole line, the "In status" clock moving on
is a cell or two. "In status" is drawn at the table's ``clock``, a hub time that moves only on
``tick`` (once a second), so a line drawn between two ticks is the line that was compared.
The stock DataTable drops its render caches on every update and costs 70-100 ms a frame at
10,000 rows; this one costs a few milliseconds.

The cursor follows an employee, not a row index (``table_cursor``); clicks and hovering are
``table_mouse``; what those parts share (the geometry of the lines, the messages) is
``table_base``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from ringmon.model.board import Board
from ringmon.model.period import local_date
from ringmon.widgets.columns import Col, Layout, layout_columns
from ringmon.widgets.line_diff import changed_span
from ringmon.widgets.row_lines import RowLines
from ringmon.widgets.table_cursor import TableCursor
from ringmon.widgets.table_look import (
    TABLE_BINDINGS,
    TABLE_COMPONENTS,
    TABLE_CSS,
    component_style,
)
from ringmon.widgets.table_mouse import TableMouse


class EmployeeTable(TableCursor, TableMouse, can_focus=True):
    """One line per employee: Employee, Department, Status, In status, User agents."""

    BINDINGS: ClassVar[list[BindingType]] = TABLE_BINDINGS
    COMPONENT_CLASSES: ClassVar[set[str]] = TABLE_COMPONENTS
    DEFAULT_CSS = TABLE_CSS

    stale: reactive[bool] = reactive(False)
    """The feed is stale or broken: statuses are dimmed, never shown as if live."""

    class Resized(Message):
        """The table's size changed without the screen's (the summary above it grew or
        shrank): the wall's page count follows the table's height."""

    def __init__(
        self,
        board: Board,
        now: Callable[[], float],
        tz: tzinfo,
        *,
        wall: bool = False,
        mask_numbers: bool | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``mask_numbers``: callers' numbers masked (None: in wall mode)."""
        super().__init__(name=name, id=id, classes=classes)
        self.board = board
        self.now = now
        self.tz = tz
        self.wall = wall
        self.cursor_id: str | None = None
        self.cursor_col: Col = Col.STATUS
        self.following = False
        """The cursor follows its employee as rows move; it starts once the user moves it."""
        self.over: frozenset[str] = frozenset()
        self.changed: frozenset[str] = frozenset()
        """Rows with a change marker (their status changed a moment ago)."""
        self.counters: tuple[Col, ...] = ()
        """The counter columns shown (the column menu)."""
        self._empty_text = "No employees yet."
        self._cursor_index = 0
        self._layout: Layout = layout_columns(0)
        self._painted: dict[int, Strip] = {}
        """The line last painted at each ``y`` of the body (what the terminal shows there)."""
        self.clock: float | None = None
        """The hub time "In status" is drawn at: set by ``tick`` (and on the first paint)."""
        self._lines = RowLines(self._style, lambda: self.rich_style)
        self._lines.wall = wall
        self._lines.mask_numbers = wall if mask_numbers is None else mask_numbers
        self._lines.layout = self._layout
        self._width = 0
        self._styles: dict[str, Style] = {}
        self._hover_id: str | None = None
        self._page = 0
        if wall:
            self.can_focus = False
            self.add_class("-wall")

    @property
    def empty_text(self) -> str:
        """What the table says when it has no row to show."""
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        if text != self._empty_text:
            self._empty_text = text
            if self.is_mounted:
                self._refresh_changed_lines()

    # -- geometry -------------------------------------------------------------------------

    @property
    def column_layout(self) -> Layout:
        return self._layout

    @property
    def cursor_index(self) -> int | None:
        return None if self.cursor_id is None or self.wall else self._cursor_index

    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width
        size = Size(width, len(self.board) + 1)
        if size != self.virtual_size:
            self.virtual_size = size

    def on_resize(self, event: events.Resize) -> None:
        self._check_width()
        self._update_virtual_size()
        self._scroll_cursor_into_view()
        self.post_message(self.Resized())

    def _check_width(self) -> None:
        """Lay the columns out again when the room for them changed: a resize, or the
        vertical scrollbar coming or going (which does not resize the widget)."""
        width = self.scrollable_content_region.width
        if width != self._width or self._layout.counters != self.counters:
            self._width = width
            self._layout = layout_columns(width, self.counters)
            self._lines.layout = self._layout
            self._lines.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._check_width()
        self._lines.today = local_date(self.now(), self.tz)
        return super().render_lines(crop)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._lines.clear()

    def _style(self, name: str) -> Style:
        """A component's style (``table_look.component_style``), cached until the theme or
        the widget's style changes."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = component_style(self, name)
        return style

    # -- updates from the screen ----------------------------------------------------------

    def rows_changed(self) -> None:
        """The board changed (a batch of events, a filter, a sort): keep the cursor on its
        employee and repaint only the lines that now show something else."""
        self._update_virtual_size()
        if self.wall and self._page >= self.page_count:
            self._page = 0
            self.refresh()
        self._sync_cursor()
        self._scroll_cursor_into_view()
        self._refresh_changed_lines()

    def tick(self) -> None:
        """Once a second: move the clock on; repaint the "In status" cells whose text moved
        (and whatever else changed), nothing more."""
        self.clock = self.now()
        self._refresh_changed_lines()

    def set_counters(self, counters: tuple[Col, ...]) -> None:
        """Show these counter columns (the column menu)."""
        if counters != self.counters:
            self.counters = counters
            self._check_width()
            self.refresh()

    def set_changed(self, changed: frozenset[str], repaint: bool = True) -> None:
        """Mark these rows as changed a moment ago; repaint only the cells that differ
        (``repaint=False`` when ``rows_changed`` follows and repaints them with the rest)."""
        if changed == self.changed:
            return
        self.changed = changed
        if repaint:
            self._refresh_changed_lines()

    def set_over(self, over: frozenset[str]) -> None:
        if over != self.over:
            self.over = over
            self._refresh_changed_lines()

    def watch_stale(self) -> None:
        self._lines.clear()
        self.refresh()

    def _refresh_changed_lines(self) -> None:
        """Refresh, on every visible line, the span of cells that differs from what was
        painted there (one refresh for all of them: each call has a fixed cost)."""
        painted = self._painted
        regions: list[Region] = []
        top = self.top  # once: a property of the scroll offset (and the wall's page)
        for y in range(1, self.body_height + 1):
            span = changed_span(painted.get(y), self._line(y, top))
            if span is not None:
                regions.append(Region(span[0], y, span[1] - span[0], 1))
        if regions:
            self.refresh(*regions)

    # -- wall paging ----------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        height = max(1, self.body_height)
        return max(1, -(-len(self.board) // height))

    @property
    def page(self) -> int:
        return self._page

    def show_page(self, page: int) -> None:
        """Wall mode: show the rows of page ``page`` (wrapping round)."""
        self._page = page % self.page_count
        self.refresh()

    # -- painting -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        strip = self._line(y)
        if y:
            self._painted[y] = strip
        return strip

    def _line(self, y: int, top: int | None = None) -> Strip:
        """The line at ``y`` as it is now (the header at 0); ``top``: ``self.top``."""
        width = self._width
        lines = self._lines
        if y == 0:
            return lines.header(self.board.sort, width)
        index = (self.top if top is None else top) + y - 1
        board = self.board
        if index >= len(board):
            if index == 0 and y == 1:
                return lines.empty(self._empty_text, width)
            return Strip.blank(width, self.rich_style)
        row = board.row_at(index)
        is_cursor = index == self.cursor_index
        look = (
            is_cursor,
            row.id in self.over,
            self.stale,
            self.cursor_col if is_cursor and not self.wall else None,
            width,
            row.id in self.changed,
        )
        if self.clock is None:
            self.clock = self.now()
        return lines.row(row, self.clock, look)
