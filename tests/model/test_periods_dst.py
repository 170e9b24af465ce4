"""R8 and R18: periods are calendar days in the call centre's zone, right across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from model_events import WARSAW, account, device, employee, local, recorded

from ringmon.model.period import (
    Period,
    PeriodError,
    day_bounds,
    days_window,
    local_date,
    parse_period,
    period_days,
)
from ringmon.model.schema import Event
from ringmon.model.stats import period_stats
from ringmon.model.status import Status
from ringmon.model.timeline import day_timeline
from ringmon.present.clock import stretch

SPRING = date(2026, 3, 29)  # Europe/Warsaw: 02:00 -> 03:00, a 23-hour day
AUTUMN = date(2026, 10, 25)  # Europe/Warsaw: 03:00 -> 02:00, a 25-hour day


def at_utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_last_3_days_is_today_and_the_two_calendar_days_before() -> None:
    now = local(date(2026, 3, 24), "09:00").timestamp()
    assert period_days(Period.LAST_3_DAYS, now, WARSAW) == [
        date(2026, 3, 22),
        date(2026, 3, 23),
        date(2026, 3, 24),
    ]
    assert period_days(Period.TODAY, now, WARSAW) == [date(2026, 3, 24)]
    seven = period_days(Period.LAST_7_DAYS, now, WARSAW)
    assert seven[0] == date(2026, 3, 18)
    assert seven[-1] == date(2026, 3, 24)
    assert len(seven) == 7


def test_today_is_the_local_day_not_the_utc_one() -> None:
    # 23:30 UTC on 24 March is 00:30 on 25 March in Warsaw (UTC+1).
    now = at_utc("2026-03-24T23:30:00")
    assert parse_period("today", now, WARSAW) == [date(2026, 3, 25)]
    assert parse_period("3d", now, WARSAW)[0] == date(2026, 3, 23)


def test_period_labels() -> None:
    assert [p.label for p in Period] == ["Today", "Last 3 days", "Last 7 days"]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2026-03-20", [date(2026, 3, 20)]),
        (" 2026-03-20..2026-03-22 ", [date(2026, 3, 20), date(2026, 3, 21), date(2026, 3, 22)]),
        ("2026-02-28..2026-03-01", [date(2026, 2, 28), date(2026, 3, 1)]),
    ],
)
def test_explicit_ranges(text: str, days: list[date]) -> None:
    assert parse_period(text, 0.0, WARSAW) == days


@pytest.mark.parametrize(
    "text",
    ["yesterday", "5d", "", "2026-03-22..2026-03-20", "2026-02-30", "2025-01-01..2026-03-01"],
)
def test_bad_periods_are_refused_with_the_reason(text: str) -> None:
    with pytest.raises(PeriodError, match="period"):
        parse_period(text, 0.0, WARSAW)


@pytest.mark.parametrize(("day", "hours"), [(SPRING, 23), (AUTUMN, 25), (date(2026, 3, 24), 24)])
def test_dst_days_are_23_and_25_hours_long(day: date, hours: int) -> None:
    start, end = day_bounds(day, WARSAW)
    assert end - start == hours * 3600
    assert datetime.fromtimestamp(start, WARSAW).hour == 0
    assert local_date(start, WARSAW) == day
    assert local_date(end - 1, WARSAW) == day
    assert local_date(end, WARSAW) == day + timedelta(days=1)


def online_across_dst() -> list[Event]:
    """Online from 28 March 22:00 to 30 March 01:00, and on 24-26 October around the change."""
    return [
        employee(local(date(2026, 3, 28), "20:00"), "e1", "Ewa Lis"),
        account(local(date(2026, 3, 28), "20:00"), "A", "e1"),
        device(local(date(2026, 3, 28), "22:00"), "A", "a1", "online"),
        device(local(SPRING, "01:30"), "A", "a1", "offline"),
        device(local(SPRING, "03:30"), "A", "a1", "online"),  # 01:30..03:30 is one hour
        device(local(date(2026, 3, 30), "01:00"), "A", "a1", "offline"),
        device(local(date(2026, 10, 24), "12:00"), "A", "a1", "online"),
        device(local(AUTUMN, "23:00"), "A", "a1", "offline"),
    ]


def test_spring_forward_day_timeline_covers_23_hours() -> None:
    state = recorded(online_across_dst())
    assert state.history is not None
    timeline = day_timeline(state.history.employee["e1"], SPRING, WARSAW, now=2e9)
    assert [stretch(i, WARSAW) for i in timeline] == [
        "online 00:00-01:30",
        "offline 01:30-03:30",
        "online 03:30-24:00",
    ]
    assert [i.seconds for i in timeline] == [5400.0, 3600.0, 20.5 * 3600]
    assert sum(i.seconds for i in timeline) == 23 * 3600


def test_fall_back_day_timeline_covers_25_hours() -> None:
    state = recorded(online_across_dst())
    assert state.history is not None
    timeline = day_timeline(state.history.employee["e1"], AUTUMN, WARSAW, now=2e9)
    assert [stretch(i, WARSAW) for i in timeline] == ["online 00:00-23:00", "offline 23:00-24:00"]
    assert timeline[0].seconds == 24 * 3600  # 00:00-23:00 holds the repeated hour
    assert sum(i.seconds for i in timeline) == 25 * 3600


def test_period_stats_over_a_dst_week_add_up_to_its_real_length() -> None:
    state = recorded(online_across_dst())
    assert state.history is not None
    now = local(date(2026, 3, 31), "12:00").timestamp()
    days = parse_period("7d", now, WARSAW)
    assert SPRING in days
    stats = period_stats(state.history.employee["e1"], [], days, WARSAW, now)
    start, _ = days_window(days, WARSAW)
    assert sum(stats.in_status.values()) == now - start
    assert [sum(d.in_status.values()) / 3600 for d in stats.days] == [
        24,
        24,
        24,
        24,
        23,
        24,
        12,
    ]
    assert stats.in_status[Status.ONLINE] == 2 * 3600 + 1.5 * 3600 + 20.5 * 3600 + 3600
    # Days after "now" are not known yet: the timeline stops at now.
    assert stats.days[-1].timeline[-1].end == now
