"""How a status is coloured, in one place: the theme variable of each status for the board,
the menus and the dialogs (Textual markup and CSS), and the Rich styles of the profile's charts.

Status is never told by colour alone: every status carries a glyph of its own
(``ringmon.present.glyphs``), and the profile's legend names them.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text

from ringmon.model.status import BY_PRIORITY, Status
from ringmon.present.glyphs import BAR_GLYPH, GLYPHS

STATUS_VARS: dict[Status, str] = {
    Status.TALKING: "$primary",
    Status.ONLINE: "$success",
    Status.DND: "$error",
    Status.OFFLINE: "$text-muted",
}
"""The theme variable each status is written in (Textual markup and CSS)."""

RINGING_VAR = "$warning"
"""The theme variable of a call ringing."""

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
    return Text.assemble((f"{GLYPHS[status]} {status.label}", STYLE[status]), suffix)


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
        Text.assemble((f"{GLYPHS[s]} {s.label}", STYLE[s]), f" {fmt(seconds[s])}")
        for s in BY_PRIORITY
    ]
