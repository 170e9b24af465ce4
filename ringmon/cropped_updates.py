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
from rich.color import ColorSystem
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.control import Control
from rich.segment import Segment
from rich.style import Style
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
        # The console's colour system, as Textual's ``Strip.render`` reads it.
        pen = Pen(console._color_system or ColorSystem.TRUECOLOR)
        out: list[str] = []
        for piece in self._pieces():
            if piece is None:
                continue  # every piece starts with a move: no newline between lines
            x, y, strip = piece
            out.append(move_to(x, y).segment.text)
            for text, style, _ in strip:
                out.append(pen.write(text, style))
        out.append(pen.done())
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


SGR_ATTRIBUTES = (
    ("bold", "1"),
    ("dim", "2"),
    ("italic", "3"),
    ("underline", "4"),
    ("blink", "5"),
    ("blink2", "6"),
    ("reverse", "7"),
    ("conceal", "8"),
    ("strike", "9"),
    ("underline2", "21"),
    ("frame", "51"),
    ("encircle", "52"),
    ("overline", "53"),
)
"""Rich's style attributes and their SGR codes (as Rich and Textual write them)."""
PLAIN = ("", "39", "49")
"""The codes of a style that sets nothing: the terminal's default."""


class Pen:
    """Writes styled text, sending a colour or style code only where it changes.

    Rich and Textual write every segment as ``set its style, the text, reset``: a one-cell
    update of the "In status" clock is some 40 bytes, and 35 rows of them each second most of
    a demo's output. The pen remembers the terminal's current style across the segments and
    lines of one update (a cursor move does not change it): a segment in the style already
    set is its text alone, a change of colour only sends that colour, and a change of
    attributes (bold, dim...) resets and sets the whole style. ``done`` resets at the end."""

    def __init__(self, color_system: ColorSystem) -> None:
        self.color_system = color_system
        self._now: tuple[str, str, str] | None = None  # (attributes, colour, background)
        self._codes: dict[Style, tuple[str, str, str]] = {}

    def write(self, text: str, style: Style | None) -> str:
        """``text`` in ``style`` (None: the terminal's default), with what codes it needs."""
        if style is None:
            return self.done() + text
        codes = self._codes.get(style)
        if codes is None:
            codes = self._codes[style] = self._codes_of(style)
        if codes == PLAIN and not style.link:
            return self.done() + text
        now = self._now
        if codes == now:
            prefix = ""
        elif now is not None and codes[0] == now[0]:
            changed = [new for new, old in zip(codes[1:], now[1:], strict=True) if new != old]
            prefix = f"\x1b[{';'.join(changed)}m"
        else:
            prefix = f"\x1b[{';'.join(filter(None, ('0' if now else '', *codes)))}m"
        self._now = codes
        if style.link:
            return f"{prefix}\x1b]8;id={style.link_id};{style.link}\x1b\\{text}\x1b]8;;\x1b\\"
        return prefix + text

    def done(self) -> str:
        """Back to the terminal's default style."""
        if self._now is None:
            return ""
        self._now = None
        return "\x1b[0m"

    def _codes_of(self, style: Style) -> tuple[str, str, str]:
        attrs = ";".join(code for name, code in SGR_ATTRIBUTES if getattr(style, name))
        color, bgcolor = style.color, style.bgcolor
        system = self.color_system
        fg = ";".join(color.downgrade(system).get_ansi_codes()) if color is not None else "39"
        bg = (
            ";".join(bgcolor.downgrade(system).get_ansi_codes(False))
            if bgcolor is not None
            else "49"
        )
        return (attrs, fg, bg)


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
