"""One event file, two faces: the profile screen and ``ringmon export`` give the same numbers
and the same intervals (R9-R11, R13-R14), for every period.

The profile gets its data the way it does in production (a 7-day ``HistoryDoc`` over REST,
turned back into the model, sub-periods computed locally); the export replays the file.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from profile_app import ProfileHost, settle
from profile_data import NOW, WARSAW, FakeHub, profile_events, r17_events, read_jsonl, write_jsonl
from test_timeline_pilot import screen_text

from ringmon.cli import main
from ringmon.model.history import employee_history, replay
from ringmon.model.history_docs import StatsDoc
from ringmon.model.period import Period, period_days
from ringmon.model.state import State
from ringmon.model.stats import PeriodStats, period_stats
from ringmon.model.status import BY_PRIORITY
from ringmon.present.durations import format_duration
from ringmon.screens.profile import ProfileScreen
from ringmon.widgets.profile_summary import CallsTable, day_row
from ringmon.widgets.timeline import Timeline


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, WARSAW).isoformat(timespec="seconds")


def numbers(stats: PeriodStats) -> dict[str, Any]:
    """Every figure of a period, per day and in total, as the export's JSON rounds them."""
    return {
        "days": {
            d.day.isoformat(): StatsDoc.of(d.calls, d.in_status).model_dump(mode="json")
            for d in stats.days
        },
        "total": StatsDoc.of(stats.calls, stats.in_status).model_dump(mode="json"),
    }


def intervals(stats: PeriodStats) -> list[tuple[str, str, str, str]]:
    return [
        (d.day.isoformat(), iso(i.start), iso(i.end), i.status.value)
        for d in stats.days
        for i in d.timeline
    ]


def model_stats(path: Path, employee: str, period: Period) -> PeriodStats:
    state = State(WARSAW, record=True)
    _, rejects = replay(read_jsonl(path), state)
    assert rejects == []
    history = employee_history(state, employee)
    assert history is not None
    days = period_days(period, NOW, WARSAW)
    return period_stats(history.merged, history.calls, days, WARSAW, NOW)


def export_json(path: Path, what: str, employee: str, period: Period) -> dict[str, Any]:
    out = io.StringIO()
    argv = [
        "export", what, "--events", str(path), "--employee", employee,
        "--period", period.value, "--tz", "Europe/Warsaw", "--now", iso(NOW), "--format", "json",
    ]  # fmt: skip
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        assert main(argv) == 0
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def export_numbers(doc: dict[str, Any]) -> dict[str, Any]:
    def figures(row: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in row.items() if k != "day" and not k.endswith("_seconds")}
        out["in_status"] = {s.value: row[f"{s.value}_seconds"] for s in BY_PRIORITY}
        return out

    return {
        "days": {row["day"]: figures(row) for row in doc["days"]},
        "total": figures(doc["total"]),
    }


async def screen_stats(path: Path, employee: str, period: Period) -> tuple[PeriodStats, str]:
    hub = FakeHub(read_jsonl(path), WARSAW, NOW, "Europe/Warsaw")
    app = ProfileHost(hub, employee=employee, period=period, details=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProfileScreen) and screen.stats is not None
        stats = screen.stats
        # What is drawn is what was computed: the timeline rows and the per-day table.
        timeline = screen.query_one(Timeline)
        assert [r.intervals for r in timeline.rows] == [d.timeline for d in stats.days]
        table = screen.query_one(CallsTable)
        for d in stats.days:
            cells = tuple(str(c) for c in table.get_row(d.day.isoformat()))
            assert cells == day_row(cells[0], d.calls)
        return stats, screen_text(pilot)


@pytest.mark.parametrize("period", list(Period))
@pytest.mark.parametrize(("scenario", "employee"), [("week", "e1"), ("r17", "e1"), ("week", "e2")])
async def test_profile_and_export_agree(
    tmp_path: Path, period: Period, scenario: str, employee: str
) -> None:
    events = profile_events() if scenario == "week" else r17_events()
    path = write_jsonl(events, tmp_path / "events.jsonl")
    shown, text = await screen_stats(path, employee, period)
    expected = model_stats(path, employee, period)

    assert numbers(shown) == numbers(expected)
    assert intervals(shown) == intervals(expected)
    assert f"Talk time      {format_duration(expected.calls.total_talk)}" in text

    stats_doc = export_json(path, "stats", employee, period)
    assert export_numbers(stats_doc) == numbers(shown)
    timeline_doc = export_json(path, "timeline", employee, period)
    exported = [
        (row["day"], row["start"], row["end"], row["status"]) for row in timeline_doc["timeline"]
    ]
    assert exported == intervals(shown)
