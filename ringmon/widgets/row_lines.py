"""How the employee table draws a row: one line of segments, cached per employee.

``RowLines`` turns a ``Row`` into a ``Strip`` for the table's current column layout. The parts
around the "In status" cell are cached per employee until the row, or how it is drawn (cursor,
past its limit, stale feed, width), changes; the clock's tick then rebuilds one cell per line.
Neighbouring segments of one style are joined: fewer segments make every later stage of
Textual's rendering cheaper.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ringmon.model.board import Row, Sort
from ringmon.model.employee_day import NO_COUNTERS, DayCounters, with_calls_in_progress
from ringmon.model.status import Status
from ringmon.present.caller_id import party_line
from ringmon.present.durations import format_duration
from ringmon.present.glyphs import CHANGE_GLYPH, GLYPHS, RINGING_GLYPH, status_label
from ringmon.present.row_text import condense_agents
from ringmon.widgets.columns import COUNTERS, MARK_WIDTH, Col, Layout

STATUS_CLASS = {
    Status.TALKING: "employee-table--talking",
    Status.ONLINE: "employee-table--online",
    Status.DND: "employee-table--dnd",
    Status.OFFLINE: "employee-table--offline",
}

PARTY_WIDTH = 34
"""At most this much of the User agents cell says who a call is with."""
PARTY_MIN_COLUMN = 30
"""A User agents cell narrower than this has no room for both: a row in a call shows who the
call is with in place of its devices (hovering the cell, or ``u``, still lists them)."""

CACHE_ROWS = 400
"""Rows whose lines are kept. A screen shows at most ~100; each kept line holds a dozen
objects the cyclic GC has to walk, so the cache stays small and starts over when full."""

Look = tuple[bool, bool, bool, "Col | None", int, bool]
"""How a row is drawn: (cursor on it, past its limit, feed stale, cell cursor column, width,
status changed a moment ago)."""


def fit(text: str, width: int, right: bool = False) -> str:
    """``text`` in exactly ``width`` cells: padded, or cut with an ellipsis."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        pad = " " * (width - length)
        return pad + text if right else text + pad
    return set_cell_size(text, width - 1) + "…"


class RowLines:
    """Lines of the employee table, from rows; ``style(name)`` resolves a component class
    and ``base()`` is the widget's own style."""

    def __init__(self, style: Callable[[str], Style], base: Callable[[], Style]) -> None:
        self.style = style
        self.base = base
        self.layout: Layout | None = None
        self.wall = False
        self.mask_numbers = False
        """Callers' numbers masked (``--wall``, ``ringmon web``: personal data)."""
        self.today: date | None = None
        """The hub's local date: the counter columns show a row's counters of that day."""
        self._cache: dict[str, _Parts] = {}
        self._header: tuple[object, Strip] | None = None

    def clear(self) -> None:
        """Forget every cached line (new layout, new theme)."""
        self._cache.clear()
        self._header = None

    def empty(self, text: str, width: int) -> Strip:
        return Strip(
            [Segment(fit(" " + text, width), self.base() + self.style("employee-table--empty"))]
        )

    def header(self, sort: Sort, width: int) -> Strip:
        layout = self.layout
        assert layout is not None
        key = (sort, width, layout)
        if self._header is not None and self._header[0] == key:
            return self._header[1]
        base = self.base() + self.style("employee-table--header")
        sorted_style = base + self.style("employee-table--header-sorted")
        segments: list[Segment] = []
        x = 0
        for placed in layout.columns:
            if placed.x > x:
                segments.append(Segment(" " * (placed.x - x), base))
            title = placed.col.heading
            is_sorted = placed.col.sort_column is sort.column
            if is_sorted:
                title += f" {sort.arrow}"
            right = placed.col is Col.IN_STATUS or placed.col in COUNTERS
            segments.append(
                Segment(fit(title, placed.width, right), sorted_style if is_sorted else base)
            )
            x = placed.x + placed.width
        if width > x:
            segments.append(Segment(" " * (width - x), base))
        strip = Strip(_merge(segments)).crop(0, width)
        self._header = (key, strip)
        return strip

    def row(self, row: Row, now: float, look: Look) -> Strip:
        """The row's line at hub time ``now``."""
        in_status = format_duration(now - row.since)
        cached = self._cache.get(row.id)
        # A call in progress moves the talk counters on with the clock: redraw it all then.
        live = bool(row.answered_open) and bool(self.layout and self.layout.counters)
        if (
            cached is not None
            and cached.row is row
            and cached.look == look
            and cached.today == self.today
            and not live
        ):
            if cached.in_status == in_status:
                return cached.strip
        else:
            if len(self._cache) > CACHE_ROWS:
                self._cache.clear()
            cached = self._parts(row, look, now)
            self._cache[row.id] = cached
        text = fit(in_status, cached.in_width, right=True)
        left, right, style = cached.left, cached.right, cached.in_style
        # The clock joins its neighbours when they share its style: fewer segments.
        if left and left[-1].style == style:
            text = left[-1].text + text
            left = left[:-1]
        if right and right[0].style == style:
            text = text + right[0].text
            right = right[1:]
        strip = Strip([*left, Segment(text, style), *right], look[4])
        cached.in_status = in_status
        cached.strip = strip
        return strip

    def counters(self, row: Row, now: float) -> DayCounters:
        """The row's counters of today, calls in progress counted up to ``now``."""
        done = row.calls_done if row.day == self.today else NO_COUNTERS
        return with_calls_in_progress(done, row.answered_open, now)

    def _parts(self, row: Row, look: Look, now: float) -> _Parts:
        is_cursor, over, stale, cell, width, changed = look
        base = self.base()
        if over:
            base = base + self.style("employee-table--over")
        if is_cursor:
            base = base + self.style("employee-table--cursor")
        layout = self.layout
        assert layout is not None
        # On the cursor row the cursor's colours win (a status colour on the cursor's
        # background can vanish); the glyph and the word still tell the status.
        if is_cursor:
            status_style = base + Style(bold=True)
        elif stale:
            status_style = base + self.style("employee-table--stale")
        else:
            status_style = base + self.style(STATUS_CLASS[row.status])
        muted = base + self.style("employee-table--muted")
        cell_cursor = self.style("employee-table--cell-cursor")
        # The leading cell: "!" past a time limit, else the ringing glyph, so that a ringing
        # call shows even when the User agents column does not fit.
        if over:
            mark = Segment("!", base)
        elif row.ringing and not stale:
            mark = Segment(
                RINGING_GLYPH, base if is_cursor else base + self.style("employee-table--ringing")
            )
        else:
            mark = Segment(" ", base)
        # Then the change marker: a glyph and a style, so that it shows without colour.
        changed_style = base + self.style("employee-table--changed")
        left: list[Segment] = [
            mark,
            Segment(CHANGE_GLYPH, changed_style) if changed else Segment(" ", base),
        ]
        right: list[Segment] = []
        segments = left
        in_width = 0
        in_style = muted if stale else base
        name_style = base + Style(bold=True) if changed else base
        day: DayCounters | None = None
        x = MARK_WIDTH
        for placed in layout.columns:
            if placed.x > x:
                segments.append(Segment(" " * (placed.x - x), base))
            col = placed.col
            w = placed.width
            extra = cell_cursor if col is cell and not self.wall else None
            if col is Col.EMPLOYEE:
                style = name_style + extra if extra else name_style
                segments.append(Segment(fit(row.name, w), style))
            elif col is Col.DEPARTMENT:
                text = fit(row.department or "", w)
                style = base if row.department else muted
                segments.append(Segment(text, style + extra if extra else style))
            elif col is Col.STATUS:
                word = status_label(row.status, layout.short_status or bool(row.reason))
                why = f" · {row.reason}" if row.reason and row.status is Status.DND else ""
                text = fit(f"{GLYPHS[row.status]} {word}{why}", w)
                segments.append(Segment(text, status_style + extra if extra else status_style))
            elif col is Col.IN_STATUS:
                in_width = w
                segments = right
            elif col in COUNTERS:
                if day is None:
                    day = self.counters(row, now)
                segments.append(self._counter_segment(col, day, w, base, muted))
            else:
                segments.extend(self._agents_segments(row, w, base, is_cursor, stale))
            x = placed.x + w
        if width > x:
            segments.append(Segment(" " * (width - x), base))
        if not in_width:
            # No "In status" column (cannot happen with the layouts we make; be safe).
            in_style = base
        return _Parts(row, look, _merge(left), _merge(right), in_width, in_style, self.today)

    def _counter_segment(
        self, col: Col, day: DayCounters, width: int, base: Style, muted: Style
    ) -> Segment:
        value: float
        if col is Col.CALLS_TODAY:
            value, text = day.calls, str(day.calls)
        elif col is Col.MISSED_TODAY:
            value, text = day.missed, str(day.missed)
        elif col is Col.TALK_TODAY:
            value, text = day.talk, format_duration(day.talk)
        else:
            value, text = day.longest, format_duration(day.longest)
        return Segment(fit(text, width, right=True), base if value else muted)

    def _agents_segments(
        self, row: Row, width: int, base: Style, is_cursor: bool, stale: bool
    ) -> list[Segment]:
        out: list[Segment] = []
        ringing = self.style("employee-table--ringing")
        if row.party is not None:
            # Caller ID first: who the call is with (← in, → out), then the devices; in a
            # narrow column, who the call is with instead of the devices.
            party = party_line(row.party, masked=self.mask_numbers)
            party_style = base if row.party.talking or is_cursor else base + ringing
            if width < PARTY_MIN_COLUMN:
                return [Segment(fit(party, width), party_style)]
            room = min(PARTY_WIDTH, width - PARTY_MIN_COLUMN // 2)
            who = fit(party, room).rstrip() + "  "
            out.append(Segment(who, party_style))
            width -= cell_len(who)
        pieces = condense_agents(row.devices, width)
        used = 0
        for piece in pieces:
            text = piece.text
            if piece.status is None:
                out.append(Segment(text, base))
            else:
                if is_cursor:
                    glyph_style = base
                elif stale:
                    glyph_style = base + self.style("employee-table--stale")
                elif piece.ringing:
                    glyph_style = base + ringing
                else:
                    glyph_style = base + self.style(STATUS_CLASS[piece.status])
                out.append(Segment(text[0], glyph_style))
                name_style = base + ringing if piece.ringing and not (stale or is_cursor) else base
                out.append(Segment(text[1:], name_style))
            used += cell_len(text)
        if used < width:
            out.append(Segment(" " * (width - used), base))
        return out


class _Parts:
    """A row's cached line, less its "In status" cell."""

    __slots__ = (
        "in_status",
        "in_style",
        "in_width",
        "left",
        "look",
        "right",
        "row",
        "strip",
        "today",
    )

    def __init__(
        self,
        row: Row,
        look: Look,
        left: list[Segment],
        right: list[Segment],
        in_width: int,
        in_style: Style,
        today: date | None,
    ) -> None:
        self.row = row
        self.look = look
        self.left = left
        self.right = right
        self.in_width = in_width
        self.in_style = in_style
        self.today = today
        self.in_status = ""
        self.strip = Strip.blank(0)


def _merge(segments: list[Segment]) -> list[Segment]:
    """Join neighbours of the same style: fewer segments make every later stage cheaper."""
    out: list[Segment] = []
    for seg in segments:
        if out and out[-1].style == seg.style and not seg.control:
            last = out[-1]
            out[-1] = Segment(last.text + seg.text, last.style)
        elif seg.text:
            out.append(seg)
    return out
