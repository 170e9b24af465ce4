"""The wall's tile grid for a big floor: one tile per employee (name, status glyph and word,
time in status), as many as fit the screen, a department a page.

Each tile is two lines on a background of its status's colour, with a blank line under it;
the glyph and the word say the status without colour too (NO_COLOR), and ``Δ`` marks a tile
whose status changed a moment ago. Departments follow one another under their headings
(``ringmon.model.wall_pages``). A Line-API widget: a page of tiles is drawn from the rows,
with no widget per tile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ringmon.model.board import Row
from ringmon.model.status import Status
from ringmon.model.wall_pages import WallPage, WallSection, wall_pages
from ringmon.present.durations import format_duration
from ringmon.present.glyphs import CHANGE_GLYPH, GLYPHS, RINGING_GLYPH, status_label
from ringmon.widgets.row_lines import fit

TILE_MIN_WIDTH = 22
"""Narrowest tile: a glyph, 16 letters of a name, the marker; ``talking   1:02:03``."""
TILE_GAP = 1
TILE_LINES = 2
TILE_HEIGHT = TILE_LINES + 1
"""Lines a tile takes with the blank line under it."""
HEADING_LINES = 1
"""A department's heading above its tiles."""

STATUS_CLASS = {
    Status.TALKING: "wall-tiles--talking",
    Status.ONLINE: "wall-tiles--online",
    Status.DND: "wall-tiles--dnd",
    Status.OFFLINE: "wall-tiles--offline",
}


@dataclass(frozen=True, slots=True)
class Grid:
    """How tiles fit a region: ``columns`` tiles of ``tile_width`` cells a line of tiles,
    ``lines`` lines in all."""

    columns: int
    lines: int
    tile_width: int

    @property
    def capacity(self) -> int:
        """Tiles on a page of one department."""
        return self.columns * max(1, (self.lines - HEADING_LINES) // TILE_HEIGHT)


def fit_grid(width: int, height: int) -> Grid:
    """The grid for a ``width`` x ``height`` region."""
    columns = max(1, (width + TILE_GAP) // (TILE_MIN_WIDTH + TILE_GAP))
    tile_width = max(1, (width + TILE_GAP) // columns - TILE_GAP)
    # The blank line under the last line of tiles may fall off the bottom.
    return Grid(columns, height + 1, tile_width)


Plan = list[tuple[WallSection, int, int] | None]
"""Per line of a page: (section, tile row or -1 for the heading, line in the tile), or
None for a blank line."""


def page_plan(page: WallPage, grid: Grid) -> Plan:
    plan: Plan = []
    for section in page.sections:
        plan.extend([(section, -1, 0)] * HEADING_LINES)
        rows = -(-len(section.rows) // grid.columns)
        for tile_row in range(rows):
            plan.extend((section, tile_row, line) for line in range(TILE_LINES))
            plan.append(None)
    return plan


class WallTiles(Widget):
    """The tiles of the board's shown rows (in the board's order), a page at a time."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "wall-tiles--header",
        "wall-tiles--talking",
        "wall-tiles--online",
        "wall-tiles--dnd",
        "wall-tiles--offline",
        "wall-tiles--ringing",
        "wall-tiles--changed",
        "wall-tiles--stale",
    }

    DEFAULT_CSS = """
    WallTiles {
        display: none;
        height: 1fr;
        background: $surface;
        & > .wall-tiles--header { background: $panel; text-style: bold; }
        & > .wall-tiles--talking { background: $primary 40%; text-style: bold; }
        & > .wall-tiles--online { background: $success 25%; }
        & > .wall-tiles--dnd { background: $error 35%; }
        & > .wall-tiles--offline { background: $panel; color: $text-muted; }
        & > .wall-tiles--ringing { background: $warning 45%; text-style: bold; }
        & > .wall-tiles--changed { text-style: bold reverse; }
        & > .wall-tiles--stale { color: $text-disabled; text-style: italic; }
    }
    """

    def __init__(self, now: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.now = now
        self.changed: frozenset[str] = frozenset()
        self.stale = False
        self._rows: Sequence[Row] = ()
        self._pages: list[WallPage] | None = None
        self._plan: Plan | None = None
        self._page = 0

    # -- what it shows --------------------------------------------------------------------

    @property
    def grid(self) -> Grid:
        return fit_grid(self.size.width, self.size.height)

    @property
    def pages(self) -> list[WallPage]:
        if self._pages is None:
            grid = self.grid
            self._pages = wall_pages(
                self._rows, grid.columns, grid.lines, TILE_HEIGHT, HEADING_LINES
            )
            if self._page >= len(self._pages):
                self._page = 0
            self._plan = None
        return self._pages

    @property
    def page(self) -> int:
        return self._page

    @property
    def page_count(self) -> int:
        return max(1, len(self.pages))

    @property
    def current(self) -> WallPage | None:
        pages = self.pages
        return pages[self._page] if pages else None

    @property
    def plan(self) -> Plan:
        page = self.current
        if self._plan is None:
            self._plan = [] if page is None else page_plan(page, self.grid)
        return self._plan

    def set_rows(self, rows: Sequence[Row]) -> None:
        """The board's shown rows changed (the pages are cut again when next drawn)."""
        self._rows = rows
        self._pages = None
        self._plan = None
        self.refresh()

    def show_page(self, page: int) -> None:
        self._page = page % self.page_count
        self._plan = None
        self.refresh()

    def tick(self) -> None:
        self.refresh()

    class Resized(Message):
        """The grid's size changed (shown, hidden, or the summary above it moved): the page
        count follows."""

    def on_resize(self) -> None:
        self._pages = None
        self._plan = None
        self.post_message(self.Resized())

    # -- painting -------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.rich_style + self.get_component_rich_style(name)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if not self._rows:
            text = " No employees to show." if y == 0 else ""
            return Strip([Segment(fit(text, width), base)], width)
        plan = self.plan
        step = plan[y] if y < len(plan) else None
        if step is None:
            return Strip.blank(width, base)
        section, tile_row, line = step
        if tile_row < 0:
            return self._heading(section, width)
        grid = self.grid
        segments: list[Segment] = []
        x = 0
        now = self.now()
        first = tile_row * grid.columns
        for column in range(grid.columns):
            index = first + column
            if index >= len(section.rows):
                break
            if column:
                segments.append(Segment(" " * TILE_GAP, base))
                x += TILE_GAP
            segments.extend(self._tile_line(section.rows[index], line, grid.tile_width, now))
            x += grid.tile_width
        if x < width:
            segments.append(Segment(" " * (width - x), base))
        return Strip(segments, width)

    def _heading(self, section: WallSection, width: int) -> Strip:
        style = self._style("wall-tiles--header")
        name = section.department or "(no department)"
        part = f" {section.part + 1}/{section.parts}" if section.parts > 1 else ""
        text = f" {name}{part} · {section.total:,} employees"
        return Strip([Segment(fit(text, width), style)], width)

    def _tile_line(self, row: Row, line: int, width: int, now: float) -> list[Segment]:
        if self.stale:
            style = self._style("wall-tiles--offline") + self._style("wall-tiles--stale")
        elif row.ringing:
            style = self._style("wall-tiles--ringing")
        else:
            style = self._style(STATUS_CLASS[row.status])
        if line == 0:
            glyph = RINGING_GLYPH if row.ringing and not self.stale else GLYPHS[row.status]
            mark = (
                Segment(CHANGE_GLYPH, style + self.get_component_rich_style("wall-tiles--changed"))
                if row.id in self.changed
                else Segment(" ", style)
            )
            return [Segment(fit(f" {glyph} {row.name}", width - 1), style), mark]
        word = "ringing" if row.ringing and not self.stale else status_label(row.status, True)
        clock = format_duration(now - row.since)
        room = max(0, width - len(clock) - 1)
        return [Segment(fit(f"   {word}", room) + fit(clock, len(clock) + 1, right=False), style)]
