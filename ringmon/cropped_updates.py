"""Write only the cells that changed: Textual's partial screen update, cropped on both sides.

Textual turns a widget's ``refresh(Region)`` into a partial update (``ChopsUpdate``) that lists,
per line, the spans to redraw. It crops what it writes at the span's end but not at its start:
each span is written from the left edge of the widget that holds it (Textual's own
"TODO: crop to x extents"). A table that repaints one "In status" cell at column 60 so
rewrites 70 cells, colour codes included, on every line, every second.

``CroppedChopsUpdate`` is the same update written from the span's start: a cursor move, then
the changed cells only (a wide character cut by the span's start is written whole).
``cropped(update)`` turns Textual's update into it; the App hands its driver that instead
(``RingmonApp._display``).
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.control import Control
from rich.segment import Segment
from textual._compositor import ChopsUpdate
from textual.strip import Strip


class CroppedChopsUpdate(ChopsUpdate):
    """A ``ChopsUpdate`` that writes each span from its first cell, not its widget's."""

    def _pieces(self) -> Iterator[tuple[int, int, Strip] | None]:
        """(x, y, cells to write there) for every span; None between lines."""
        chops = self.chops
        chop_ends = self.chop_ends
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(chop_ends[y], chops[y].items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                if x >= x1 and end <= x2:
                    yield (x, y, strip)
                    continue
                start = x + _cell_start(strip, max(0, x1 - x))
                yield (start, y, strip.crop(start - x, min(end, x2) - x))
            if y != last_y:
                yield None

    def render_segments(self, console: Console) -> str:
        move_to = Control.move_to
        out: list[str] = []
        for piece in self._pieces():
            if piece is None:
                out.append("\n")
                continue
            x, y, strip = piece
            out.append(move_to(x, y).segment.text)
            out.append(strip.render(console))
        return "".join(out)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        move_to = Control.move_to
        new_line = Segment.line()
        for piece in self._pieces():
            if piece is None:
                yield new_line
                continue
            x, y, strip = piece
            yield move_to(x, y).segment
            yield from strip


def _cell_start(strip: Strip, offset: int) -> int:
    """``offset``, or one cell before it when a wide character straddles it."""
    x = 0
    for segment in strip:
        text = segment.text
        cells = cell_len(text)
        if x + cells <= offset:
            x += cells
            continue
        for char in text:
            width = get_character_cell_size(char)
            if x + width > offset:
                return x
            x += width
    return offset


def cropped(renderable: RenderableType) -> RenderableType:
    """Textual's partial update as a ``CroppedChopsUpdate``; anything else as it is."""
    if type(renderable) is ChopsUpdate:
        return CroppedChopsUpdate(renderable.chops, renderable.spans, renderable.chop_ends)
    return renderable
