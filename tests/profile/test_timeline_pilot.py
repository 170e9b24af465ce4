"""R14 and R17 through the profile's timeline: hover texts and keyboard cursor stops."""

from __future__ import annotations

import pytest
from profile_app import ProfileHost, make_hub, settle
from profile_data import DAY, NOW, R14_TEXTS, R17_TEXTS, r17_events
from textual.pilot import Pilot
from waiting import until

from ringmon.model.period import Period
from ringmon.present.clock import stretch
from ringmon.present.words import day_label
from ringmon.widgets.day_charts import StatusByDay, status_breakdown
from ringmon.widgets.timeline import Timeline


def screen_text(pilot: Pilot[None]) -> str:
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def today_row(timeline: Timeline) -> int:
    return next(n for n, r in enumerate(timeline.rows) if r.day == DAY and r.device is None)


async def hover_interval(pilot: Pilot[None], timeline: Timeline, row: int, index: int) -> None:
    """Hover the interval and wait until the timeline has taken the hover in (on a loaded
    machine that can take more than one pause)."""
    x = timeline.column_of_interval(row, index)
    gutter = timeline.content_region.offset - timeline.region.offset
    await pilot.hover(timeline, offset=(gutter.x + x, gutter.y + 1 + row))
    wanted = stretch(timeline.rows[row].intervals[index], timeline.tz)
    await until(
        lambda: timeline.hover_text == wanted, f"the hover text {wanted!r}", poll=pilot.pause
    )


async def walk(pilot: Pilot[None], timeline: Timeline) -> list[str]:
    """Every stop of the cursor from the first stretch of the row to the last."""
    timeline.focus()
    await pilot.press("home")
    stops = [timeline.cursor_text]
    for _ in range(len(timeline.rows[timeline.cursor_row].intervals) + 2):
        await pilot.press("right")
        if timeline.cursor_text != stops[-1]:
            stops.append(timeline.cursor_text)
    return stops


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_r14_texts_on_hover(size: tuple[int, int]) -> None:
    app = ProfileHost(make_hub(), details=True)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        row = today_row(timeline)
        texts = [stretch(i, timeline.tz) for i in timeline.rows[row].intervals]
        for wanted in R14_TEXTS:
            timeline.scroll_visible(animate=False)
            await pilot.pause()
            await hover_interval(pilot, timeline, row, texts.index(wanted))
            assert timeline.hover_text == wanted
            assert f"{day_label(DAY)}: {wanted}" in screen_text(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_r14_texts_on_cursor_steps(size: tuple[int, int]) -> None:
    app = ProfileHost(make_hub(), details=True)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        row = today_row(timeline)
        stops = await walk(pilot, timeline)
        everything = [stretch(i, timeline.tz) for i in timeline.rows[row].intervals]
        # Interval by interval, not column by column: every stretch is one stop, in order,
        # including the 3-minute call narrower than a column.
        assert stops == everything
        for wanted in R14_TEXTS:
            assert wanted in stops
        # The readout under the chart shows the cursor's stretch.
        await pilot.press("home")
        assert f"{day_label(DAY)}: offline 00:00-05:56" in screen_text(pilot)


async def test_r14_short_call_gets_a_column_of_its_own_at_80() -> None:
    app = ProfileHost(make_hub(), details=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        row = today_row(timeline)
        owners = timeline._owners(row)
        seconds_per_column = 86400 / len(owners)
        assert seconds_per_column > 180  # the call is narrower than a column...
        talking = [stretch(i, timeline.tz) for i in timeline.rows[row].intervals].index(
            "talking 14:05-14:08"
        )
        assert talking in owners  # ...and still drawn


async def test_r17_merged_timeline() -> None:
    app = ProfileHost(make_hub(r17_events()), details=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        stops = await walk(pilot, timeline)
        start = stops.index(R17_TEXTS[0])
        assert stops[start : start + 3] == R17_TEXTS
        row = today_row(timeline)
        for wanted in R17_TEXTS:
            await hover_interval(pilot, timeline, row, stops.index(wanted))
            assert timeline.hover_text == wanted


async def test_r17_per_device_rows_beneath_the_merged_one() -> None:
    app = ProfileHost(make_hub(r17_events()), details=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        rows = [r for r in timeline.rows if r.day == DAY]
        assert [r.device for r in rows] == [None, "A/a1", "B/b1"]
        described = {
            r.device: [stretch(i, timeline.tz) for i in r.intervals] for r in rows if r.device
        }
        assert described["A/a1"] == [
            "offline 00:00-08:00",
            "online 08:00-09:00",
            "talking 09:00-09:15",
            "online 09:15-18:00",
            "offline 18:00-20:00",
        ]
        assert described["B/b1"][1:5] == [
            "online 08:00-12:00",
            "do not disturb 12:00-12:10",
            "offline 12:10-13:00",
            "online 13:00-17:00",
        ]
        # The cursor goes down from the merged row onto the devices, at the same time of day.
        timeline.focus()
        await pilot.press("home", "right", "right")
        assert timeline.cursor_text == "talking 09:00-09:15"
        await pilot.press("down")
        assert timeline.rows[timeline.cursor_row].device == "A/a1"
        assert timeline.cursor_text == "talking 09:00-09:15"
        assert "A/a1 (MicroSIP/3.21.3): talking 09:00-09:15" in screen_text(pilot)
        await pilot.press("down")
        assert timeline.cursor_text == "online 08:00-12:00"
        await pilot.press("v")
        await settle(pilot)
        assert all(r.device is None for r in timeline.rows)


async def test_status_by_day_cursor_and_hover_show_exact_times() -> None:
    app = ProfileHost(make_hub(), period=Period.LAST_7_DAYS)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        chart = app.screen.query_one(StatusByDay)
        assert len(chart.days) == 7
        assert chart.days[chart.cursor].day == DAY
        chart.focus()
        await pilot.press("up")
        yesterday = chart.days[chart.cursor]
        text = f"{day_label(yesterday.day)}: {status_breakdown(yesterday)}"
        assert chart.readout() == text
        assert "talking 13:00   ○ online 7:47:00" in text  # a shift of 8 h, 13 min talking
        assert "· offline 16:00:00" in text
        gutter = chart.content_region.offset - chart.region.offset
        await pilot.hover(chart, offset=(gutter.x + 20, gutter.y + 0))
        first = chart.days[0]
        await until(
            lambda: chart.hover_text == status_breakdown(first), "the hover", poll=pilot.pause
        )
        assert day_label(first.day) in screen_text(pilot)


def test_now_is_after_the_example_day_data() -> None:
    assert all(e.ts.timestamp() <= NOW for e in r17_events())


async def test_a_stretch_within_one_minute_reads_with_seconds() -> None:
    """A 25-s call at 18:40 is "talking 18:40:12-18:40:37", not "talking 18:40-18:40"."""
    from profile_data import _call, at, profile_events

    events = profile_events() + _call(
        at(DAY, "18:40:10"), "t9/sip102", "sip102", answer_after=2, talk=25
    )
    events.sort(key=lambda e: e.ts)
    app = ProfileHost(make_hub(events), details=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        texts = await walk(pilot, timeline)
        assert "talking 18:40:12-18:40:37" in texts
        assert "online 18:30-18:40" in texts and "online 18:40-20:00" in texts
        assert not [t for t in texts if t.split()[-1].split("-")[0] == t.split("-")[-1]]
