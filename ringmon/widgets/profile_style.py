"""How the profile draws a status: a glyph that reads without colour, and a colour on top.

Status is never told by colour alone: every bar cell carries a glyph of its own, and a
legend names them.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text

from ringmon.model.board import GLYPHS
from ringmon.model.status import BY_PRIORITY, Status

BAR_GLYPH: dict[Status, str] = {
    Status.TALKING: "█",
    Status.ONLINE: "▆",
    Status.DND: "▒",
    Status.OFFLINE: "·",
}
"""The cell a timeline or a stacked bar draws for a status; distinct in monochrome."""

MARK: dict[Status, str] = GLYPHS
"""The glyph before a status word: the board's own, so both screens speak alike."""

STYLE: dict[Status, Style] = {
    Status.TALKING: Style(color="bright_red"),
    Status.ONLINE: Style(color="green"),
    Status.DND: Style(color="yellow"),
    Status.OFFLINE: Style(color="bright_black"),
}

CURSOR = Style(reverse=True)
HOVER = Style(underline=True, bold=True)
FUTURE = " "


def status_text(status: Status, suffix: str = "") -> Text:
    """``● talking`` in its colour, with an optional suffix."""
    return Text.assemble((f"{MARK[status]} {status.label}", STYLE[status]), suffix)


def legend() -> Text:
    """``█ talking  ▆ online  ▒ do not disturb  · offline``."""
    text = Text()
    for n, status in enumerate(BY_PRIORITY):
        if n:
            text.append("  ")
        text.append(BAR_GLYPH[status] * 2, STYLE[status])
        text.append(f" {status.label}")
    return text


def status_items(seconds: dict[Status, float], fmt: Callable[[float], str]) -> list[Text]:
    """``● talking 0:20:00`` for each status, in priority order."""
    return [
        Text.assemble((f"{MARK[s]} {s.label}", STYLE[s]), f" {fmt(seconds[s])}")
        for s in BY_PRIORITY
    ]


def flow(items: list[Text], width: int, sep: str = "   ", indent: int = 0) -> Text:
    """Items on as few lines as ``width`` allows, a line breaking only between items."""
    lines: list[Text] = []
    line = Text()
    for item in items:
        if line.cell_len and line.cell_len + len(sep) + item.cell_len > width:
            lines.append(line)
            line = Text(" " * indent)
        elif line.cell_len:
            line.append(sep)
        line.append_text(item)
    lines.append(line)
    return Text("\n").join(lines)
