"""One duration format on every screen: the board's "In status" cell, the device detail, the
profile's summary and calls-by-day table, and the call log read the same text for the same
number of seconds (it used to be "1d 01h", "25:00:00", "0:05:20" and "5:20", truncated on the
board and rounded on the profile)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.style import Style

from ringmon.model.board import Row
from ringmon.model.schema import Direction
from ringmon.model.stats import CallStats, PeriodStats
from ringmon.model.status import Status
from ringmon.model.wire import LegDoc
from ringmon.present.call_row import call_row
from ringmon.present.durations import format_age, format_duration
from ringmon.present.row_text import DeviceLine
from ringmon.present.status_style import PLAIN
from ringmon.widgets.columns import Col, layout_columns
from ringmon.widgets.profile_summary import day_row, render_summary
from ringmon.widgets.row_lines import RowLines

NOW = datetime(2026, 3, 24, 20, 0, tzinfo=UTC).timestamp()
WIDTH = 120


def board_cell(seconds: float) -> str:
    """The board's "In status" cell of a row in its status for ``seconds``."""
    lines = RowLines(lambda name: Style(), Style)
    lines.layout = layout_columns(WIDTH)
    row = Row("e1", "Ann Lee", "Sales", Status.TALKING, NOW - seconds, None, ())
    text = lines.row(row, NOW, (False, False, False, None, WIDTH, False)).text
    placed = next(p for p in lines.layout.columns if p.col is Col.IN_STATUS)
    return text[placed.x : placed.x + placed.width].strip()


def device_detail(seconds: float) -> str:
    line = DeviceLine("MicroSIP", "1001", Status.ONLINE, NOW - seconds, False, True)
    found = re.search(r"\(([^)]*)\)", line.text(NOW, UTC))
    assert found is not None
    return found.group(1)


def profile_summary(seconds: float) -> str:
    """The profile summary's talk time, and the same day's talk time in the calls table."""
    calls = CallStats(incoming=1, total_talk=seconds)
    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    console.print(render_summary(PeriodStats(days=[], calls=calls), 100, PLAIN))
    found = re.search(r"Talk time\s+(\S+(?: \d\dh)?)\s+average", console.export_text())
    assert found is not None
    table = day_row("Tue 24", calls)[7]
    assert table == found.group(1)
    return table


def call_log(seconds: float) -> str:
    """The call log's talk cell of a call that talked for ``seconds``."""
    answer = datetime.fromtimestamp(NOW - seconds - 10, UTC)
    leg = LegDoc(
        call="c1",
        leg="l1",
        account="1001",
        direction=Direction.IN,
        remote="+48",
        ring_at=answer - timedelta(seconds=5),
        answer_at=answer,
        end_at=answer + timedelta(seconds=seconds),
        ring_seconds=5,
        talk_seconds=seconds,
    )
    return call_row(leg, UTC, NOW, many_days=False)[4].plain


@settings(max_examples=150)
# Whole microseconds, as the hub's times are: a float a hair under a second (0.9999999) has no
# datetime of its own, so the board, which reads a moment, and the profile, which reads a sum, would
# be given different seconds, not written differently.
@given(st.integers(min_value=0, max_value=30 * 86400 * 10**6).map(lambda us: us / 10**6))
def test_every_screen_writes_the_same_seconds_alike(seconds: float) -> None:
    texts = {
        "board": board_cell(seconds),
        "device detail": device_detail(seconds),
        "profile": profile_summary(seconds),
        "call log": call_log(seconds),
    }
    assert set(texts.values()) == {format_duration(seconds)}, texts


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (7, "0:07"),
        (7.99, "0:07"),  # truncated, never rounded up
        (320, "5:20"),
        (3599.9, "59:59"),
        (3600, "1:00:00"),
        (3920, "1:05:20"),
        (86399.9, "23:59:59"),
        (90000, "1d 01h"),
        (423944, "4d 21h"),  # the "117:45:44" the profile used to write
        (-5, "0:00"),
    ],
)
def test_the_duration_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_ages_truncate_alike() -> None:
    assert [format_age(s) for s in (0, 4.9, 59.9, 60, 3599, 7500)] == [
        "0 s",
        "4 s",
        "59 s",
        "1 min",
        "59 min",
        "2 h 05 min",
    ]
