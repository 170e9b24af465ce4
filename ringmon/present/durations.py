"""How a length of time is written on every screen: one format, one rounding rule.

Durations **truncate to the whole second** (a live "In status" never reads a second ahead
of what happened, and a total reads the same on the board, the profile and the call log):

- under an hour: ``m:ss`` (``0:07``, ``5:20``, ``59:59``);
- under a day: ``h:mm:ss`` (``1:05:20``);
- a day or more: ``Nd HHh`` (``1d 01h``, ``4d 21h``).

A negative length (a clock a little behind the hub's) reads ``0:00``; an average over no
calls reads ``—`` (``format_average``). ``format_age`` is the
freshness phrase of the summary and banners ("last event 4 s ago"), by the same truncation.
"""

from __future__ import annotations

MINUTE = 60
HOUR = 3600
DAY = 86400


def whole_seconds(seconds: float) -> int:
    """The rounding rule: truncate to the second; never below zero."""
    return max(0, int(seconds))


def format_duration(seconds: float) -> str:
    """A length of time as every screen writes it: ``5:20``, ``1:05:20``, ``1d 01h``."""
    total = whole_seconds(seconds)
    if total < HOUR:
        return f"{total // MINUTE}:{total % MINUTE:02d}"
    if total < DAY:
        return f"{total // HOUR}:{total // MINUTE % 60:02d}:{total % MINUTE:02d}"
    return f"{total // DAY}d {total // HOUR % 24:02d}h"


NO_AVERAGE = "—"
"""An average over no calls: there is nothing to average, which is not zero."""


def format_average(seconds: float, count: int) -> str:
    """An average over ``count`` things, as ``format_duration`` writes it; ``—`` when
    ``count`` is 0 (an average of nothing is not ``0:00``)."""
    return format_duration(seconds) if count else NO_AVERAGE


def format_age(seconds: float) -> str:
    """How long ago, in words for a banner: ``4 s``, ``3 min``, ``2 h 05 min``."""
    total = whole_seconds(seconds)
    if total < MINUTE:
        return f"{total} s"
    if total < HOUR:
        return f"{total // MINUTE} min"
    return f"{total // HOUR} h {total // MINUTE % 60:02d} min"
