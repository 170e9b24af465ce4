"""Calendar days in the call center's time zone (R18) and the report's periods (R8)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class Period(StrEnum):
    TODAY = "today"
    LAST_3_DAYS = "3d"
    LAST_7_DAYS = "7d"

    @property
    def days(self) -> int:
        return {"today": 1, "3d": 3, "7d": 7}[self.value]

    @property
    def label(self) -> str:
        return {"today": "Today", "3d": "Last 3 days", "7d": "Last 7 days"}[self.value]


class PeriodError(ValueError):
    pass


def local_date(at: float, tz: tzinfo) -> date:
    return datetime.fromtimestamp(at, tz).date()


def day_bounds(day: date, tz: tzinfo) -> tuple[float, float]:
    """The instants (epoch seconds) where a local calendar day starts and ends.

    A day is 23 or 25 hours long on a DST change; midnight is computed per day, never by
    adding 86,400 seconds.
    """
    start = datetime.combine(day, time(0), tzinfo=tz).timestamp()
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).timestamp()
    return start, end


def period_days(period: Period, now: float, tz: tzinfo) -> list[date]:
    """Today and the calendar days before it: "Last 3 days" is today and the two before (R18)."""
    today = local_date(now, tz)
    return [today - timedelta(days=n) for n in range(period.days - 1, -1, -1)]


_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")


def parse_period(text: str, now: float, tz: tzinfo) -> list[date]:
    """``today``, ``3d``, ``7d``, ``YYYY-MM-DD`` or ``YYYY-MM-DD..YYYY-MM-DD`` as a list of days."""
    text = text.strip()
    try:
        return period_days(Period(text), now, tz)
    except ValueError:
        pass
    match = _RANGE.match(text)
    if match is None:
        raise PeriodError(
            f"period {text!r} is not today, 3d, 7d, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
        )
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2) or match.group(1))
    except ValueError as exc:
        raise PeriodError(f"period {text!r}: {exc}") from None
    if last < first:
        raise PeriodError(f"period {text!r} ends before it starts")
    if (last - first).days > 366:
        raise PeriodError(f"period {text!r} is longer than a year")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def days_window(days: list[date], tz: tzinfo) -> tuple[float, float]:
    """The instants from the start of the first day to the end of the last."""
    return day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
