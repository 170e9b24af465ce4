"""The glyphs and words that stand for a status, so that no screen tells a status by colour alone.

The board, the profile, the call log, the menus and the help all draw a status with these;
they are distinct in shape, so a monochrome terminal (NO_COLOR, TERM=linux) tells them apart.
"""

from __future__ import annotations

from ringmon.model.schema import Direction
from ringmon.model.status import Status

GLYPHS: dict[Status, str] = {
    Status.TALKING: "●",
    Status.ONLINE: "○",
    Status.DND: "⊘",
    Status.OFFLINE: "·",
}
"""The glyph before a status word (board rows, profile header, menus, help)."""

RINGING_GLYPH = "♪"
"""A call ringing the employee (or one of their devices)."""

CHANGE_GLYPH = "Δ"
"""Before a name (board row, wall tile): its status changed a moment ago. Drawn with a style
of its own (reversed, bold), so it shows without colour too."""

RECORDING_GLYPH = "♪"
"""A call with a recording, in the call log."""

DIRECTION_ARROWS: dict[Direction, str] = {Direction.IN: "←", Direction.OUT: "→"}
"""A call in or out (board rows, device detail, call log)."""

BAR_GLYPH: dict[Status, str] = {
    Status.TALKING: "█",
    Status.ONLINE: "▆",
    Status.DND: "▒",
    Status.OFFLINE: "·",
}
"""The cell a timeline or a stacked bar draws for a status; distinct in monochrome."""

SHORT_LABELS: dict[Status, str] = {
    Status.TALKING: "talking",
    Status.ONLINE: "online",
    Status.DND: "dnd",
    Status.OFFLINE: "offline",
}
"""A status word for a narrow column."""


def status_label(status: Status, short: bool = False) -> str:
    """The status in words: ``do not disturb``, or ``dnd`` when ``short``."""
    return SHORT_LABELS[status] if short else status.label
