"""Counted nouns as people write them: ``1 employee``, ``2 employees``, ``1,204 calls``."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun`` in the number it takes (``plural`` defaults to ``noun + "s"``)."""
    word = noun if n == 1 else (plural if plural is not None else f"{noun}s")
    return f"{n:,} {word}"
