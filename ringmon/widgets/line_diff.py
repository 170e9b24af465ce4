"""Which cells of a line changed: the span a widget has to repaint, and no more.

A line-API widget that knows the line it last painted at ``y`` and the one it would paint now
refreshes only ``Region(x1, y, x2 - x1, 1)`` for the span that differs; with
``ringmon.cropped_updates`` the terminal then receives only those cells. The "In status" clock
moving from ``0:41`` to ``0:42`` is one cell, not a row of 120.

The comparison works on segments (the widget's own, before Textual styles them), from both ends
of the line: equal segments are skipped whole, and inside the first and last segment that
differ, equal characters of the same style are skipped too.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.strip import Strip


def changed_span(old: Strip | None, new: Strip) -> tuple[int, int] | None:
    """The cells ``[x1, x2)`` where ``new`` differs from ``old`` (None: nothing differs).

    With no ``old`` line, or lines of different widths, the whole of ``new`` changed."""
    if old is new:
        return None
    width = new.cell_length
    if old is None or old.cell_length != width:
        return (0, max(width, 1 if old is None else old.cell_length))
    a = list(old)
    b = list(new)
    n = min(len(a), len(b))
    i = 0
    left = 0
    while i < n and a[i] == b[i]:
        left += cell_len(a[i].text)
        i += 1
    if i == len(a) == len(b):
        return None
    if i < n and a[i].style == b[i].style:
        left += _common_cells(a[i].text, b[i].text)
    j = 0
    right = 0
    while j < n - i and a[-1 - j] == b[-1 - j]:
        right += cell_len(a[-1 - j].text)
        j += 1
    if j < n - i and a[-1 - j].style == b[-1 - j].style:
        right += _common_cells(a[-1 - j].text[::-1], b[-1 - j].text[::-1])
    x2 = width - right
    if x2 <= left:
        # Every cell is equal from one end or the other (the same text, cut into segments
        # differently): nothing to repaint.
        return None
    return (left, x2)


def _common_cells(a: str, b: str) -> int:
    """Cells of the common start of ``a`` and ``b`` (0 unless every character is one cell
    wide: a wide character cut in two would be redrawn as half of itself)."""
    if len(a) != cell_len(a) or len(b) != cell_len(b):
        return 0
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count
