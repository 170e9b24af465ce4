"""The profile's chart geometry (ringmon/present/chart.py): columns, cursor, bars, hour axis."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from profile_data import WARSAW

from ringmon.model.period import day_bounds
from ringmon.model.status import Status
from ringmon.model.timeline import Interval
from ringmon.present.chart import (
    column_of,
    hour_axis,
    hour_ticks,
    interval_at,
    layout_columns,
    marker_column,
    same_time_of_day,
    split_width,
    step,
)

H = 3600.0


def day(*parts: tuple[float, float, Status]) -> list[Interval]:
    return [Interval(a * H, b * H, s) for a, b, s in parts]


def test_each_column_shows_the_interval_covering_most_of_it() -> None:
    timeline = day((0, 6, Status.OFFLINE), (6, 18, Status.ONLINE), (18, 24, Status.OFFLINE))
    owners = layout_columns(timeline, 0, 24 * H, 24)
    assert owners == [0] * 6 + [1] * 12 + [2] * 6


def test_a_stretch_narrower_than_a_column_still_gets_one() -> None:
    # A 3-minute call inside a 20-minute-per-column line.
    timeline = [
        Interval(0, 14 * H + 300, Status.ONLINE),
        Interval(14 * H + 300, 14 * H + 480, Status.TALKING),
        Interval(14 * H + 480, 24 * H, Status.ONLINE),
    ]
    owners = layout_columns(timeline, 0, 24 * H, 72)
    assert owners.count(1) == 1
    assert owners.index(1) == column_of(14 * H + 390, 0, 24 * H, 72)
    assert marker_column(timeline, 1, owners, 0, 24 * H) == [owners.index(1)]


def test_two_short_stretches_in_one_column_share_its_neighbours() -> None:
    timeline = [
        Interval(0, 10 * H, Status.ONLINE),
        Interval(10 * H, 10 * H + 60, Status.DND),
        Interval(10 * H + 60, 10 * H + 120, Status.TALKING),
        Interval(10 * H + 120, 24 * H, Status.ONLINE),
    ]
    owners = layout_columns(timeline, 0, 24 * H, 24)
    # The call (most important) takes the column of its middle; the DND minute before it
    # takes the column next to it, still in time order.
    assert owners == [0] * 9 + [1, 2] + [3] * 13


def test_columns_after_now_are_empty() -> None:
    timeline = day((0, 12, Status.OFFLINE))
    owners = layout_columns(timeline, 0, 24 * H, 24)
    assert owners == [0] * 12 + [None] * 12


@given(
    cuts=st.lists(st.integers(min_value=1, max_value=86399), min_size=0, max_size=40, unique=True),
    width=st.integers(min_value=1, max_value=300),
)
def test_layout_is_total_and_ordered(cuts: list[int], width: int) -> None:
    points = [0, *sorted(cuts), 86400]
    statuses = list(Status)
    timeline = [
        Interval(float(a), float(b), statuses[n % 4])
        for n, (a, b) in enumerate(itertools.pairwise(points))
    ]
    owners = layout_columns(timeline, 0, 86400, width)
    assert len(owners) == width
    assert None not in owners
    # Columns show stretches in time order (a picture never runs backwards).
    assert [o for o in owners if o is not None] == sorted(o for o in owners if o is not None)
    # Every stretch that takes a whole column or more is drawn.
    for n, interval in enumerate(timeline):
        if interval.seconds >= 2 * 86400 / width:
            assert n in owners


def test_cursor_steps_and_time_of_day() -> None:
    assert step(0, -1, 5) == 0
    assert step(4, 1, 5) == 4
    assert step(2, 1, 5) == 3
    a = day((0, 9, Status.OFFLINE), (9, 10, Status.TALKING), (10, 24, Status.ONLINE))
    b = [Interval(i.start + 24 * H, i.end + 24 * H, i.status) for i in day((0, 24, Status.DND))]
    assert same_time_of_day(a, 1, b) == 0
    assert same_time_of_day(b, 0, a) == 2  # noon falls in the online stretch
    assert interval_at(a, 9.5 * H) == 1
    assert interval_at(a, 24 * H) is None


def test_split_width_is_proportional_and_keeps_short_statuses_visible() -> None:
    assert split_width([6 * H, 12 * H, 0, 6 * H], 24 * H, 24) == [6, 12, 0, 6]
    cells = split_width([60, 23 * H, 0, H - 60], 24 * H, 48)
    assert cells[0] == 1 and sum(cells) == 48
    # Today, until 18:00: three quarters of the bar.
    assert sum(split_width([0, 9 * H, 0, 9 * H], 24 * H, 40)) == 30


def test_hour_axis_follows_the_width_and_dst_days() -> None:
    start, end = day_bounds(date(2026, 3, 24), WARSAW)
    wide = hour_axis(start, end, 144, WARSAW)
    assert wide.startswith("0     1     2     3")
    assert hour_axis(start, end, 96, WARSAW).startswith("0       2       4")
    assert wide.rstrip().endswith("24")
    narrow = hour_axis(start, end, 40, WARSAW)
    assert "24" in narrow and " 1 " not in narrow
    # 29 March 2026: clocks go forward at 02:00, the day has 23 hours and no 2 o'clock.
    start, end = day_bounds(date(2026, 3, 29), WARSAW)
    hours = [h for _, h in hour_ticks(start, end, 92, WARSAW)]
    assert len(hours) == 24 and 2 not in hours and hours[-1] == 24
