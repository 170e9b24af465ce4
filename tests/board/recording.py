"""What a terminal would show: a ``BoardHost`` whose every screen update feeds a virtual
terminal.

Textual writes a frame as an update: the whole screen (``LayoutUpdate``) or only the changed
spans of some lines (``ChopsUpdate``). A real terminal keeps whatever an update does not
overwrite, so a line the table forgot to repaint stays on screen although a fresh render of
the widget (``export_screenshot``, ``render_line``) would look right. ``VirtualTerminal``
applies the updates exactly as a terminal would: cursor moves and cells, nothing else.

The updates are taken where the App hands them to its driver (``App._display``, which a
headless test App calls too but does not write anywhere): the one place that sees exactly
what would be written. They are cropped as ``RingmonApp`` crops them
(``ringmon.cropped_updates``), so these tests check what ringmon really writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pyte
from board_host import BoardHost
from rich.cells import get_character_cell_size
from rich.color import ColorSystem
from rich.segment import ControlType, Segment
from rich.style import Style
from textual._compositor import CompositorUpdate
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip

from ringmon.cropped_updates import cropped

Cell = tuple[str, Style | None]


class VirtualTerminal:
    """A grid of cells that Textual's updates are written to."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.cells: list[list[Cell]] = [[(" ", None)] * width for _ in range(height)]
        self.written: list[tuple[int, int]] = []
        """Every cell written, as (x, y), in order (cleared by whoever reads it)."""

    def feed(self, segments: Iterable[Segment]) -> None:
        x = y = 0
        for segment in segments:
            if segment.control:
                for code in segment.control:
                    if code[0] is ControlType.CURSOR_MOVE_TO:
                        x, y = int(code[1]), int(code[2])
                continue
            if segment.text == "\n":
                x, y = 0, y + 1
                continue
            for char in segment.text:
                width = get_character_cell_size(char)
                if 0 <= y < self.height and 0 <= x < self.width:
                    self.cells[y][x] = (char, segment.style)
                    self.written.append((x, y))
                    if width == 2 and x + 1 < self.width:
                        self.cells[y][x + 1] = ("", segment.style)
                x += width

    def text(self, region: Region) -> list[str]:
        return [
            "".join(c for c, _ in self.cells[y][region.x : region.right]) for y in region.line_range
        ]

    def cells_in(self, region: Region) -> list[list[Cell]]:
        return [self.cells[y][region.x : region.right] for y in region.line_range]


class WrittenTerminal:
    """A terminal emulator (pyte) fed the very text an update is written as, escape codes
    and all, and the bytes that took."""

    def __init__(self, width: int, height: int) -> None:
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.Stream(self.screen)
        self.bytes = 0

    def write(self, text: str) -> None:
        self.bytes += len(text.encode())
        self.stream.feed(text)

    def cells(self) -> list[list[tuple[object, ...]]]:
        """Every cell: its character, colours and attributes."""
        buffer = self.screen.buffer
        return [
            [
                (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse, c.strikethrough)
                for c in (buffer[y][x] for x in range(self.screen.columns))
            ]
            for y in range(self.screen.lines)
        ]


class RecordingHost(BoardHost):
    """``BoardHost`` with a virtual terminal showing what a real one would show; and two
    terminal emulators: one fed what ringmon writes (``written``), one what Textual itself
    would have written for the same updates (``stock``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.terminal: VirtualTerminal | None = None
        self.written: WrittenTerminal | None = None
        self.stock: WrittenTerminal | None = None

    def _display(self, screen: Screen[Any], renderable: Any) -> None:
        super()._display(screen, renderable)
        # Dropped in a batch (as the real App drops it): not on the terminal either.
        if not isinstance(renderable, CompositorUpdate) or self._batch_count:
            return
        width, height = self.size
        terminal = self.terminal
        if terminal is None or (terminal.width, terminal.height) != (width, height):
            # A resized terminal: Textual repaints everything after a resize.
            terminal = self.terminal = VirtualTerminal(width, height)
            self.written = WrittenTerminal(width, height)
            self.stock = WrittenTerminal(width, height)
        terminal.feed(self.console.render(cropped(renderable)))
        assert self.written is not None and self.stock is not None
        with codes_for_this_console():
            self.written.write(cropped(renderable).render_segments(self.console))
            self.stock.write(renderable.render_segments(self.console))


@contextmanager
def codes_for_this_console() -> Iterator[None]:
    """Rich and Textual keep a style's escape codes on the style (``Style._ansi``), made for
    the colour system of the first console that wrote it: a snapshot test earlier in the
    process (a truecolor console) leaves truecolor codes on Textual's shared styles, and this
    test's console (the colour system the environment's TERM gives) would write them again.
    Here each style's codes are made for this console, as in a process with one console
    (ringmon's)."""

    def fresh(style: Style, text: str, color_system: ColorSystem) -> str:
        style._ansi = None
        return render_style(style, text, color_system)

    render_style = Strip.render_style
    with mock.patch.object(Strip, "render_style", staticmethod(fresh)):
        yield
