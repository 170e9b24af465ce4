"""Words as people write them: ``1 employee``, ``2 employees``, ``1,204 calls``, ``Tue 24 Mar``;
and items that flow over as few lines as a width allows."""

from __future__ import annotations

from datetime import date

from rich.text import Text


def figure(n: int) -> str:
    """A count as people write it: ``7``, ``1,204``."""
    return f"{n:,}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun`` in the number it takes (``plural`` defaults to ``noun + "s"``)."""
    word = noun if n == 1 else (plural if plural is not None else f"{noun}s")
    return f"{figure(n)} {word}"


def day_label(day: date) -> str:
    """``Tue 24 Mar``: the same width for every day."""
    return day.strftime("%a %d %b")


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
