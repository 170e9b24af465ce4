"""What the profile shows, computed without Textual (R8-R14).

The profile fetches an employee's 7-day history once and derives Today / Last 3 days /
Last 7 days from it with :func:`ringmon.model.stats.period_stats`, the function ``ringmon
export`` uses, so the two faces can never disagree. How it is drawn (chart
geometry, durations, labels) is ``ringmon.present``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo

from ringmon.model.history import EmployeeHistory
from ringmon.model.period import Period, day_bounds, period_days
from ringmon.model.state import DeviceKey
from ringmon.model.stats import PeriodStats, period_stats
from ringmon.model.timeline import Interval, day_timeline


def profile_stats(history: EmployeeHistory, period: Period, tz: tzinfo, now: float) -> PeriodStats:
    """Every number of the profile for ``period``: the same call as ``ringmon export``."""
    return period_stats(history.merged, history.calls, period_days(period, now, tz), tz, now)


@dataclass(frozen=True, slots=True)
class DeviceDay:
    """One device's timeline on one day, for the per-device rows under the merged one."""

    key: DeviceKey
    user_agent: str
    timeline: list[Interval]

    @property
    def name(self) -> str:
        return f"{self.key[0]}/{self.key[1]}"


def device_days(history: EmployeeHistory, day: date, tz: tzinfo, now: float) -> list[DeviceDay]:
    """Each device's own timeline on ``day`` (before R16 merges them), sorted by device."""
    return [
        DeviceDay(key, history.user_agents.get(key, ""), day_timeline(log, day, tz, now))
        for key, log in sorted(history.devices.items())
    ]


def day_span(day: date, tz: tzinfo) -> tuple[float, float]:
    """The instants a local day starts and ends (23 or 25 hours on a DST change)."""
    return day_bounds(day, tz)
