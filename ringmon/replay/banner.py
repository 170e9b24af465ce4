"""The REPLAY line over the board: which moment is shown, playing or paused, and the keys.

Reverse video and a word, not colour alone: it reads the same under NO_COLOR. One line down to
80 columns (the keys said shorter there)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

WIDE = 100
"""From this many columns on, the keys are said in full."""
KEYS = "[ ] 1 min  { } 15 min  p play  esc live"
SHORT_KEYS = "[ { ] } step  p play  esc live"


class ReplayBanner(Static):
    """``REPLAY Tue 2026-03-24 14:11:38 CET · paused │ [ ] 1 min  { } 15 min  p play  esc live``"""

    DEFAULT_CSS = """
    ReplayBanner {
        height: auto;
        background: $warning 30%;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.moment = ""
        self.state = ""

    def show(self, moment: str, state: str) -> None:
        """``moment``: ``Tue 2026-03-24 14:11:38 CET``; ``state``: paused, ▶ 10x, loading…"""
        self.moment, self.state = moment, state
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def _paint(self) -> None:
        # The screen's width (known from the start; the banner spans it), not the banner's own
        # (0 until laid out, which would paint one long line first and wrap it).
        wide = self.app.size.width >= WIDE
        moment = self.moment if wide else self.moment.partition(" ")[2] or self.moment
        keys = KEYS if wide else SHORT_KEYS
        self.update(
            Text.assemble((" REPLAY ", "bold reverse"), f" {moment} · {self.state} │ {keys}")
        )

    def text(self) -> str:
        """What the banner says, as plain text."""
        return str(self.render())
