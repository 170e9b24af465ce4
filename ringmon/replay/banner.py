"""The REPLAY line over the board: which moment is shown, playing or paused, and the keys.

Reverse video and a word, not colour alone: it reads the same under NO_COLOR."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class ReplayBanner(Static):
    """``REPLAY Mon 2026-11-30 14:05:00 CET · paused │ [ ] 1 min  { } 15 min  p play  esc live``"""

    DEFAULT_CSS = """
    ReplayBanner {
        height: auto;
        background: $warning 30%;
        color: $text;
        padding: 0 1;
    }
    """

    def show(self, text: str) -> None:
        word, _, rest = text.partition(" ")
        self.update(Text.assemble((f" {word} ", "bold reverse"), " ", rest))
