"""``--at``: a moment as a person types it, and a moment as the banner says it."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo


class MomentError(ValueError):
    """``str()`` is the sentence to show."""


def parse_at(text: str, tz: tzinfo | None, today: date | None = None) -> float:
    """``2026-11-30 14:05`` (or ``…T14:05:30``, or ``14:05`` for today) in the zone ``tz``
    (None: this machine's local time); an ISO time with an offset (``Z``, ``+01:00``) is
    taken as it is. Epoch seconds."""
    cleaned = text.strip()
    try:
        if len(cleaned) <= 8 and ":" in cleaned and "-" not in cleaned:
            day = today if today is not None else datetime.now(tz).date()
            moment = datetime.combine(day, time.fromisoformat(cleaned))
        else:
            moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise MomentError(
            f"--at {text!r} is not a time like 2026-11-30 14:05 (or 14:05 for today)"
        ) from None
    if moment.tzinfo is None:
        # No zone: this machine's local time (``timestamp`` reads a naive time so, DST too).
        moment = moment.replace(tzinfo=tz) if tz is not None else moment
    return moment.timestamp()


def say_moment(at: float, tz: tzinfo) -> str:
    """``Mon 2026-11-30 14:05:00 CET``."""
    return datetime.fromtimestamp(at, tz).strftime("%a %Y-%m-%d %H:%M:%S %Z").strip()
