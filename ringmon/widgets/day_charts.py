"""Per-day charts of the profile: calls by day (R10) and time in statuses by day (R13)."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ringmon.model.profile import day_span
from ringmon.model.stats import DayStats
from ringmon.model.status import BY_PRIORITY
from ringmon.present.chart import scaled, split_width
from ringmon.present.durations import format_duration
from ringmon.present.glyphs import BAR_GLYPH
from ringmon.present.status_style import HOVER, PLAIN, status_items
from ringmon.present.words import day_label, flow
from ringmon.widgets.status_colours import theme_styles

LABEL_WIDTH = 12

CALL_SERIES: tuple[tuple[str, str, str], ...] = (
    ("incoming", "█", "cyan"),
    ("outgoing", "▓", "blue"),
    ("missed", "░", "bright_red"),
)


def _series_values(day: DayStats) -> tuple[int, int, int]:
    return day.calls.incoming, day.calls.outgoing, day.calls.missed


class CallsByDay(Widget):
    """A bar group per day: incoming, outgoing and missed calls, each labelled with its count."""

    DEFAULT_CSS = """
    CallsByDay {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.days: list[DayStats] = []

    def set_days(self, days: list[DayStats]) -> None:
        self.days = days
        self.refresh(layout=True)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        if not self.days:
            return 1
        return len(self.days) + 1 if self.days else 1

    def render(self) -> Text:
        if not self.days:
            return Text("No days in this period.", style="italic")
        column = max(10, (self.content_size.width - LABEL_WIDTH) // len(CALL_SERIES))
        bar = max(1, column - 5)
        largest = max(max(_series_values(d)) for d in self.days)
        head = Text(" " * LABEL_WIDTH)
        for title, glyph, colour in CALL_SERIES:
            head.append_text(Text.assemble((glyph, colour), f" {title}".ljust(column - 1)))
        lines = [head]
        for day in self.days:
            line = Text(day_label(day.day).ljust(LABEL_WIDTH))
            for (_title, glyph, colour), value in zip(
                CALL_SERIES, _series_values(day), strict=True
            ):
                length = scaled(value, largest, bar)
                cell = Text.assemble((glyph * length, colour), f" {value}")
                cell.pad_right(column - cell.cell_len)
                line.append_text(cell)
            lines.append(line)
        return Text("\n").join(lines)


def status_breakdown(day: DayStats) -> str:
    """``● talking 3:00   ○ online 1:11:00   ⊘ do not disturb 20:00   · offline ...``."""
    items = status_items(day.in_status, format_duration, PLAIN)
    return "   ".join(item.plain for item in items)


class StatusByDay(Widget, can_focus=True):
    """One stacked bar per day, proportional to the time in each status (R13).

    The full width is the whole calendar day (23 or 25 hours on a DST change), so today's
    bar ends where now is. Hovering a day, or moving the cursor to it with the arrow keys,
    writes the exact time per status beneath the bars.
    """

    DEFAULT_CSS = """
    StatusByDay {
        height: auto;
    }
    StatusByDay:focus {
        background: $boost;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Prev day", show=False, id="status_by_day.move.up"),
        Binding("down", "move(1)", "Next day", show=False, id="status_by_day.move.down"),
        Binding("left", "move(-1)", "Prev day", show=False, id="status_by_day.move.left"),
        Binding("right", "move(1)", "Next day", show=False, id="status_by_day.move.right"),
    ]

    cursor: reactive[int] = reactive(0, init=False)

    class Pointed(Message):
        def __init__(self, chart: StatusByDay, text: str) -> None:
            super().__init__()
            self.chart = chart
            self.text = text

    def __init__(self, tz: tzinfo, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.tz = tz
        self.days: list[DayStats] = []
        self.hover: int | None = None

    def set_days(self, days: list[DayStats]) -> None:
        keep = self.days[self.cursor].day if 0 <= self.cursor < len(self.days) else None
        self.days = days
        self.hover = None
        index = len(days) - 1
        for n, day in enumerate(days):
            if day.day == keep:
                index = n
        self.set_reactive(StatusByDay.cursor, max(0, index))
        self.refresh(layout=True)

    @property
    def cursor_text(self) -> str:
        if not 0 <= self.cursor < len(self.days):
            return ""
        return status_breakdown(self.days[self.cursor])

    @property
    def hover_text(self) -> str:
        return "" if self.hover is None else status_breakdown(self.days[self.hover])

    def readout(self) -> str:
        index = self.hover if self.hover is not None else self.cursor
        if not 0 <= index < len(self.days):
            return ""
        return f"{day_label(self.days[index].day)}: {status_breakdown(self.days[index])}"

    def readout_text(self, width: int) -> Text:
        """The readout, wrapped between statuses only."""
        index = self.hover if self.hover is not None else self.cursor
        if not 0 <= index < len(self.days):
            return Text(" ")
        head = Text(f"{day_label(self.days[index].day)}: ", "bold")
        items = status_items(self.days[index].in_status, format_duration, theme_styles(self.app))
        items[0] = head + items[0]
        return flow(items, max(20, width), indent=head.cell_len)

    def action_move(self, delta: int) -> None:
        if self.days:
            self.hover = None
            self.cursor = max(0, min(len(self.days) - 1, self.cursor + delta))

    def watch_cursor(self) -> None:
        self._pointed()

    def _pointed(self) -> None:
        self.refresh(layout=True)
        self.post_message(self.Pointed(self, self.readout()))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        row = None if offset is None else offset.y
        pointed = row if row is not None and 0 <= row < len(self.days) else None
        if pointed != self.hover:
            self.hover = pointed
            self._pointed()

    def on_leave(self, event: events.Leave) -> None:
        if self.hover is not None:
            self.hover = None
            self._pointed()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and 0 <= offset.y < len(self.days):
            self.hover = None
            self.cursor = offset.y
            self.focus()

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        if not self.days:
            return 1
        return len(self.days) + len(self.readout_text(width).split())

    def render(self) -> Text:
        if not self.days:
            return Text("No days in this period.", style="italic")
        width = max(10, self.content_size.width - LABEL_WIDTH)
        styles = theme_styles(self.app)
        lines: list[Text] = []
        for n, day in enumerate(self.days):
            start, end = day_span(day.day, self.tz)
            label_style = ""
            if n == self.cursor and self.has_focus:
                label_style = "reverse"
            elif n == self.hover:
                label_style = "underline"
            line = Text(day_label(day.day), label_style)
            line.pad_right(LABEL_WIDTH - line.cell_len)
            cells = split_width([day.in_status[s] for s in BY_PRIORITY], end - start, width)
            for status, count in zip(BY_PRIORITY, cells, strict=True):
                style = styles[status] + HOVER if n == self.hover else styles[status]
                line.append(BAR_GLYPH[status] * count, style)
            lines.append(line)
        lines.append(self.readout_text(self.content_size.width))
        return Text("\n").join(lines)
