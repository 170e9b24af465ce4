"""How an instant reads on screen: a clock time in the call center's zone, and a stretch of a
timeline as R14 writes it (``online 12:34-13:25``)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from ringmon.model.timeline import Interval


def clock(at: float, tz: tzinfo, *, seconds: bool = False, end: bool = False) -> str:
    """``HH:MM`` (``HH:MM:SS`` with ``seconds``) in the zone; the end of a stretch (``end``)
    that ends at midnight reads 24:00, not 00:00."""
    moment = datetime.fromtimestamp(at, tz)
    if end and moment.hour == 0 and moment.minute == 0 and moment.second == 0:
        previous = datetime.fromtimestamp(at - 1, tz)
        if previous.date() != moment.date():
            return "24:00:00" if seconds else "24:00"
    return moment.strftime("%H:%M:%S" if seconds else "%H:%M")


def stretch(interval: Interval, tz: tzinfo) -> str:
    """A stretch as the profile shows it on hover: ``online 12:34-13:25`` (R14), with its
    reason when a source gave one (``do not disturb · Lunch 12:03-12:40``). One that
    starts and ends within one minute shows seconds (``talking 21:56:05-21:56:40``), never
    ``21:56-21:56``."""
    start, end = clock(interval.start, tz), clock(interval.end, tz, end=True)
    if start == end:
        start = clock(interval.start, tz, seconds=True)
        end = clock(interval.end, tz, end=True, seconds=True)
        if start == end:
            end += " (under a second)"
    why = f" · {interval.reason}" if interval.reason else ""
    return f"{interval.status.label}{why} {start}-{end}"
