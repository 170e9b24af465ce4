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

Textual offers no public way to do this (its issue #5625 was closed without one): this module
builds on ``textual._compositor.ChopsUpdate`` and ``App._display``, which are private. It
checks them once on import (``CONTRACT_PROBLEM``); a Textual where they differ from what this
was written against (8.x) gets a warning in the log and the stock updates, never a crash, and
tests/board/test_line_diff.py fails on it so that the next upgrade is looked at.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.control import Control
from rich.segment import Segment
from textual.app import App
from textual.strip import Strip

try:
    from textual._compositor import ChopsUpdate
except ImportError:  # pragma: no cover - a Textual without it: stock updates

    class ChopsUpdate:  # type: ignore[no-redef]
        """A stand-in that Textual never makes: ``cropped`` leaves every update as it is."""

        def __init__(self, chops: object, spans: object, chop_ends: object) -> None:
            self.chops, self.spans, self.chop_ends = chops, spans, chop_ends


log = logging.getLogger(__name__)

CHOPS_UPDATE_PARAMETERS = ("self", "chops", "spans", "chop_ends")
DISPLAY_PARAMETERS = ("self", "screen", "renderable")


def textual_contract_problem() -> str | None:
    """What of Textual's private API this module uses differs from what it was written
    against, as a sentence; None when all is as expected."""
    import textual._compositor as compositor

    if getattr(compositor, "ChopsUpdate", None) is not ChopsUpdate:
        return "textual._compositor.ChopsUpdate is gone"
    for name in ("__rich_console__", "render_segments"):
        if not callable(getattr(ChopsUpdate, name, None)):
            return f"ChopsUpdate.{name} is gone"
    found = tuple(inspect.signature(ChopsUpdate.__init__).parameters)
    if found != CHOPS_UPDATE_PARAMETERS:
        return f"ChopsUpdate takes ({', '.join(found)}), not ({', '.join(CHOPS_UPDATE_PARAMETERS)})"
    display = getattr(App, "_display", None)
    if not callable(display):
        return "App._display is gone"
    found = tuple(inspect.signature(display).parameters)
    if found != DISPLAY_PARAMETERS:
        return f"App._display takes ({', '.join(found)}), not ({', '.join(DISPLAY_PARAMETERS)})"
    return None


CONTRACT_PROBLEM = textual_contract_problem()
"""Why cropped updates are off with this Textual, or None (they are on)."""
if CONTRACT_PROBLEM is not None:  # pragma: no cover - depends on the Textual installed
    log.warning("partial screen updates are written whole: %s", CONTRACT_PROBLEM)


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
    """Textual's partial update as a ``CroppedChopsUpdate``; anything else as it is (and
    everything as it is when Textual's private API is not as expected)."""
    if CONTRACT_PROBLEM is None and type(renderable) is ChopsUpdate:
        return CroppedChopsUpdate(renderable.chops, renderable.spans, renderable.chop_ends)
    return renderable
