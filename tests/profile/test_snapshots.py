"""Snapshots of the profile (each period, 80x24 and 160x50, details expanded) and of the call
log. Fixed data and a fixed clock (tests/profile/profile_data.py): the pictures never drift.

Update after an intended change with ``pytest tests/profile --snapshot-update`` and look at
the pictures in the report before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
from profile_app import ProfileHost, make_hub, settle
from textual.pilot import Pilot

from ringmon.model.period import Period
from ringmon.widgets.timeline import Timeline

SIZES = [(80, 24), (160, 50)]


async def on_the_timeline(pilot: Pilot[None]) -> None:
    """Loaded, with the keyboard cursor on today's 14:05-14:08 call (scrolled into view)."""
    await settle(pilot)
    timeline = pilot.app.screen.query_one(Timeline)
    timeline.focus()
    await pilot.press("end")
    await pilot.press(*["left"] * 3)
    timeline.scroll_visible(animate=False, top=False)
    await settle(pilot)


@pytest.mark.parametrize("period", list(Period))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_profile(snap_compare: Any, period: Period, size: tuple[int, int]) -> None:
    app = ProfileHost(make_hub(), period=period, details=True)
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_profile_timeline_cursor(snap_compare: Any, size: tuple[int, int]) -> None:
    app = ProfileHost(make_hub(), period=Period.LAST_3_DAYS, details=True)
    assert snap_compare(app, terminal_size=size, run_before=on_the_timeline)


def test_profile_per_device_rows(snap_compare: Any) -> None:
    async def devices(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("v")
        await on_the_timeline(pilot)

    app = ProfileHost(make_hub(), period=Period.TODAY, details=True)
    assert snap_compare(app, terminal_size=(160, 50), run_before=devices)


def test_profile_empty_states(snap_compare: Any) -> None:
    app = ProfileHost(make_hub(), employee="e2", details=True)
    assert snap_compare(app, terminal_size=(160, 50), run_before=settle)


@pytest.mark.parametrize("size", [(60, 20), *SIZES], ids=lambda s: f"{s[0]}x{s[1]}")
def test_call_log(snap_compare: Any, size: tuple[int, int]) -> None:
    async def open_log(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)

    app = ProfileHost(make_hub(), period=Period.LAST_7_DAYS)
    assert snap_compare(app, terminal_size=size, run_before=open_log)


def test_profile_60x20(snap_compare: Any) -> None:
    """The smallest terminal: the footer keeps its keys and help is one key away."""
    app = ProfileHost(make_hub(), period=Period.TODAY)
    assert snap_compare(app, terminal_size=(60, 20), run_before=settle)
