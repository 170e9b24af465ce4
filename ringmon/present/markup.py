"""Text from outside (a name, a user agent, what a supervisor types) inside Textual markup.

Textual's own ``Content(text).markup`` escapes only what looks like a tag, so a lone ``[`` (a
filter being typed, a user agent) was read as the start of one and the markup failed to parse:
the TUI crashed. Escaping every ``[`` is enough inside the text: a backslash is literal unless a
``[`` follows it, and that ``[`` is escaped too. A backslash at the very end would escape the tag
that follows the text (Textual has no escaped backslash), so a zero-width space, which takes no
cell on screen, is put after it.
"""

from __future__ import annotations

ZERO_WIDTH = "\u200b"
"""Takes no cell on screen: ends a text whose last character is a backslash."""


def as_markup(text: str) -> str:
    """``text`` as Textual markup that renders exactly ``text``."""
    escaped = text.replace("[", "\\[")
    return escaped + ZERO_WIDTH if escaped.endswith("\\") else escaped
