"""A widget of a few lines of text that repaints only the cells that changed.

A ``Static`` that is updated repaints its whole region: the summary's two lines, 240 cells
and their colour codes, every second for "last event 1 s ago" becoming "2 s ago". A
``ChangedCells`` widget makes its lines (``contents``, Textual ``Content``) when told they
changed (``contents_changed``), compares each with the line it painted there
(``line_diff.changed_span``) and refreshes only the span that differs; with
``ringmon.cropped_updates`` the terminal receives only those cells.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from ringmon.widgets.line_diff import changed_span


class ChangedCells(Widget):
    """Subclasses say what their lines are (``contents``) and call ``contents_changed``."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._strips: list[Strip] | None = None
        self._strips_width = -1
        self._painted: dict[int, Strip] = {}

    def contents(self, width: int) -> list[Content]:
        """The lines at ``width`` cells (one ``Content`` a line; longer ones are cut)."""
        raise NotImplementedError

    def render(self) -> Content:
        """The lines as one text (what the widget says, for reading it in tests)."""
        return Content("\n").join(self.contents(self.content_size.width))

    def contents_changed(self) -> None:
        """The lines may read otherwise now: repaint the cells that differ."""
        self._strips = None
        if not self.is_mounted or not self.content_size.width:
            self.refresh()
            return
        regions = []
        for y, strip in enumerate(self._lines()):
            span = changed_span(self._painted.get(y), strip)
            if span is not None:
                regions.append(Region(span[0], y, span[1] - span[0], 1))
        if regions:
            self.refresh(*regions)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None  # another theme: other colours

    def _lines(self) -> list[Strip]:
        width = self.content_size.width
        if self._strips is None or width != self._strips_width:
            contents = self.contents(width)
            # One call for all the lines: each call costs about as much as the lines in it.
            self._strips = Visual.to_strips(
                self,
                Content("\n").join(contents),
                width,
                len(contents),
                self.visual_style,
                pad=True,
            )[: len(contents)]
            self._strips_width = width
        return self._strips

    def render_line(self, y: int) -> Strip:
        lines = self._lines()
        if y < len(lines):
            strip = lines[y]
        else:
            strip = Strip.blank(self.content_size.width, self.visual_style.rich_style)
        self._painted[y] = strip
        return strip
