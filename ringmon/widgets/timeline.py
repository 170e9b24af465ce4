"""Per-day 24-hour timelines with an hour axis, a hover readout and a keyboard cursor (R14).

One line per day shows the merged status (R16); under it, optionally, one line per device.
The resolution follows the width: a column is ``24 h / width``. The keyboard cursor steps
interval by interval, not column by column, so a 3-minute call gets its own stop even when
it is narrower than a column (:func:`ringmon.model.profile.layout_columns` gives such a
stretch a column of its own where it can).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ringmon.model.timeline import Interval
from ringmon.present.chart import (
    hour_axis,
    interval_at,
    layout_columns,
    marker_column,
    same_time_of_day,
    step,
)
from ringmon.present.clock import stretch
from ringmon.present.glyphs import BAR_GLYPH
from ringmon.present.status_style import CURSOR, FUTURE, HOVER
from ringmon.widgets.status_colours import theme_styles

LABEL_WIDTH = 12
MIN_BAR = 12


@dataclass(slots=True)
class TimelineRow:
    """One line of the chart: a day's merged timeline, or one device's on that day."""

    day: date
    label: str
    title: str
    start: float
    end: float
    intervals: list[Interval]
    device: str | None = None
    owners: list[int | None] = field(default_factory=list)

    @property
    def key(self) -> tuple[date, str | None]:
        return (self.day, self.device)


class Timeline(Widget, can_focus=True):
    """The chart. Feed it rows with :meth:`set_rows`; it keeps its cursor across updates."""

    DEFAULT_CSS = """
    Timeline {
        height: auto;
        min-height: 3;
        padding: 0 0;
    }
    Timeline:focus {
        background: $boost;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Prev stretch", show=False, id="timeline.step.left"),
        Binding("right", "step(1)", "Next stretch", show=False, id="timeline.step.right"),
        Binding("up", "row(-1)", "Prev day", show=False, id="timeline.row.up"),
        Binding("down", "row(1)", "Next day", show=False, id="timeline.row.down"),
        Binding("home", "edge(0)", "First stretch", show=False, id="timeline.edge.home"),
        Binding("end", "edge(1)", "Last stretch", show=False, id="timeline.edge.end"),
    ]

    cursor_row: reactive[int] = reactive(0, init=False)
    cursor_index: reactive[int] = reactive(0, init=False)

    class Pointed(Message):
        """The cursor or the mouse now points at a stretch (``text`` is its description)."""

        def __init__(self, timeline: Timeline, text: str) -> None:
            super().__init__()
            self.timeline = timeline
            self.text = text

    def __init__(
        self,
        tz: tzinfo,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.tz = tz
        self.rows: list[TimelineRow] = []
        self.hover: tuple[int, int] | None = None
        self._bar_width = 0

    # -- data ------------------------------------------------------------------------------

    def set_rows(self, rows: list[TimelineRow]) -> None:
        """Show new rows, keeping the cursor on the same row and time where possible."""
        previous = self._cursor_key()
        self.rows = rows
        self.hover = None
        self._bar_width = 0
        row, index = 0, 0
        if previous is not None:
            key, at = previous
            for n, candidate in enumerate(rows):
                if candidate.key == key:
                    row = n
                    found = interval_at(candidate.intervals, at)
                    index = found if found is not None else max(0, len(candidate.intervals) - 1)
                    break
        elif rows:
            row = self._default_row()
            index = max(0, len(rows[row].intervals) - 1)
        self.set_reactive(Timeline.cursor_row, row)
        self.set_reactive(Timeline.cursor_index, index)
        self.refresh(layout=True)

    def _default_row(self) -> int:
        merged = [n for n, r in enumerate(self.rows) if r.device is None and r.intervals]
        return merged[-1] if merged else 0

    def _cursor_key(self) -> tuple[tuple[date, str | None], float] | None:
        interval = self.cursor_interval
        if interval is None:
            return None
        return self.rows[self.cursor_row].key, (interval.start + interval.end) / 2

    # -- what is pointed at ------------------------------------------------------------------

    @property
    def cursor_interval(self) -> Interval | None:
        if not 0 <= self.cursor_row < len(self.rows):
            return None
        intervals = self.rows[self.cursor_row].intervals
        return intervals[self.cursor_index] if 0 <= self.cursor_index < len(intervals) else None

    @property
    def cursor_text(self) -> str:
        """The stretch under the keyboard cursor, as R14 writes it: ``online 12:34-13:25``."""
        interval = self.cursor_interval
        return "" if interval is None else stretch(interval, self.tz)

    @property
    def hover_text(self) -> str:
        """The stretch under the mouse, or ``""``."""
        if self.hover is None:
            return ""
        row, index = self.hover
        return stretch(self.rows[row].intervals[index], self.tz)

    def readout(self) -> str:
        """The info line: the hovered stretch, else the cursor's, with its day and device."""
        if self.hover is not None:
            row, text = self.hover[0], self.hover_text
        else:
            row, text = self.cursor_row, self.cursor_text
        if not text or not 0 <= row < len(self.rows):
            return ""
        return f"{self.rows[row].title}: {text}"

    # -- keys --------------------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        if not self.rows:
            return
        count = len(self.rows[self.cursor_row].intervals)
        self.hover = None
        self.cursor_index = step(self.cursor_index, delta, count)

    def action_edge(self, last: int) -> None:
        if not self.rows:
            return
        count = len(self.rows[self.cursor_row].intervals)
        self.hover = None
        self.cursor_index = max(0, count - 1) if last else 0

    def action_row(self, delta: int) -> None:
        if not self.rows:
            return
        target = max(0, min(len(self.rows) - 1, self.cursor_row + delta))
        if target == self.cursor_row:
            return
        here = self.rows[self.cursor_row].intervals
        there = self.rows[target].intervals
        index = same_time_of_day(here, self.cursor_index, there) if here else 0
        self.hover = None
        self.set_reactive(Timeline.cursor_index, index)
        self.cursor_row = target

    def watch_cursor_row(self) -> None:
        self._pointed()

    def watch_cursor_index(self) -> None:
        self._pointed()

    def _pointed(self) -> None:
        self.refresh()
        self.post_message(self.Pointed(self, self.readout()))

    # -- mouse -------------------------------------------------------------------------------

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        pointed = None if offset is None else self.pointed_at(offset.x, offset.y)
        if pointed != self.hover:
            self.hover = pointed
            self._pointed()

    def on_leave(self, event: events.Leave) -> None:
        if self.hover is not None:
            self.hover = None
            self._pointed()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        pointed = None if offset is None else self.pointed_at(offset.x, offset.y)
        if pointed is not None:
            self.hover = None
            self.set_reactive(Timeline.cursor_row, pointed[0])
            self.cursor_index = pointed[1]
            self.focus()

    def pointed_at(self, x: int, y: int) -> tuple[int, int] | None:
        """(row, interval index) under content cell ``(x, y)``, or None."""
        row = y - 1
        column = x - LABEL_WIDTH
        if not 0 <= row < len(self.rows):
            return None
        owners = self._owners(row)
        if not 0 <= column < len(owners):
            return None
        owner = owners[column]
        return None if owner is None else (row, owner)

    def column_of_interval(self, row: int, index: int) -> int:
        """A content x where interval ``index`` of ``row`` is drawn (for tests and mice)."""
        cells = marker_column(
            self.rows[row].intervals,
            index,
            self._owners(row),
            self.rows[row].start,
            self.rows[row].end,
        )
        return LABEL_WIDTH + cells[len(cells) // 2]

    # -- drawing -----------------------------------------------------------------------------

    def _width(self) -> int:
        return max(MIN_BAR, self.content_size.width - LABEL_WIDTH - 2)

    def _owners(self, row: int) -> list[int | None]:
        width = self._width()
        if width != self._bar_width:
            self._bar_width = width
            for r in self.rows:
                r.owners = []
        data = self.rows[row]
        if not data.owners:
            data.owners = layout_columns(data.intervals, data.start, data.end, width)
        return data.owners

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.rows) + 2 if self.rows else 1

    def render(self) -> Text:
        if not self.rows:
            return Text("No timeline in this period.", style="italic")
        width = self._width()
        first = self.rows[0]
        lines: list[Text] = [
            Text(" " * LABEL_WIDTH + hour_axis(first.start, first.end, width, self.tz), "dim")
        ]
        for n, row in enumerate(self.rows):
            lines.append(self._render_row(n, row))
        lines.append(Text(self.readout() or " ", style="bold"))
        return Text("\n").join(lines)

    def _render_row(self, n: int, row: TimelineRow) -> Text:
        owners = self._owners(n)
        styles = theme_styles(self.app)
        text = Text(row.label[: LABEL_WIDTH - 1].ljust(LABEL_WIDTH), "dim" if row.device else "")
        cursor_cells: set[int] = set()
        hover_cells: set[int] = set()
        if n == self.cursor_row and row.intervals and self.has_focus:
            cursor_cells = set(
                marker_column(row.intervals, self.cursor_index, owners, row.start, row.end)
            )
        if self.hover is not None and self.hover[0] == n:
            hover_cells = {c for c, o in enumerate(owners) if o == self.hover[1]}
        for column, owner in enumerate(owners):
            if owner is None:
                text.append(FUTURE)
                continue
            status = row.intervals[owner].status
            style: Style = styles[status]
            if column in cursor_cells:
                style = style + CURSOR
            elif column in hover_cells:
                style = style + HOVER
            text.append(BAR_GLYPH[status], style)
        return text
