"""The profile as a user drives it: periods, details, header, live refresh, bad data."""

from __future__ import annotations

import re
from datetime import timedelta

from profile_app import ProfileHost, make_hub, settle
from profile_data import DAY, NOW, WARSAW, at
from test_timeline_pilot import screen_text
from waiting import until

from ringmon.model.period import Period
from ringmon.model.schema import CallAnswer, CallRing
from ringmon.present.clock import stretch
from ringmon.screens.model_messages import ModelChanged
from ringmon.screens.profile import ProfileScreen
from ringmon.widgets.day_charts import CallsByDay, StatusByDay
from ringmon.widgets.timeline import Timeline


async def test_period_keys_and_tabs_drive_every_section() -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        assert screen.stats is not None and [d.day for d in screen.stats.days] == [DAY]
        await pilot.press("3")
        await settle(pilot)
        assert screen.period is Period.LAST_3_DAYS
        assert [d.day for d in screen.stats.days] == [DAY - timedelta(days=n) for n in (2, 1, 0)]
        assert len(screen.query_one(CallsByDay).days) == 3
        assert len(screen.query_one(StatusByDay).days) == 3
        assert len(screen.query_one(Timeline).rows) == 3
        await pilot.click("#period-7d")
        await settle(pilot)
        assert screen.period is Period.LAST_7_DAYS
        assert len(screen.stats.days) == 7
        await pilot.press("1")
        await settle(pilot)
        assert screen.period is Period.TODAY
        # One fetch of the 7-day history served all three periods.
        assert [u for u in app.hub.requests if "history" in u] == [
            "http://hub.test/v1/employees/e1/history?period=7d"
        ]


async def test_header_shows_accounts_numbers_and_live_devices() -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        assert "Anna Nowak  Sales" in text
        assert "sip101 (101) · sip102 (102)" in text
        assert "+48221234567" in text
        assert "sip102/app Vendor Desktop 3.1 online" in text
        assert "+1 offline" in text


async def test_details_key_expands_both_panels_and_escape_closes() -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert "Day         Handled" not in screen_text(pilot)
        await pilot.press("d")
        await settle(pilot)
        text = screen_text(pilot)
        assert "Handled" in text and "Avg talk" in text
        assert "Tue 24 Mar: online 18:30-20:00" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProfileScreen)
        assert "The board (live)" in screen_text(pilot)


async def test_panel_on_the_right_when_wide_full_screen_when_narrow() -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#panel")
        assert panel.region.x > 0 and panel.region.right == 160
        assert "The board (live)" in screen_text(pilot)
    app = ProfileHost(make_hub())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#panel").region.x == 0
        assert app.screen.has_class("-narrow")


async def test_new_events_refresh_today() -> None:
    hub = make_hub()
    app = ProfileHost(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProfileScreen) and screen.stats is not None
        before = screen.stats.calls.incoming
        ring_at = at(DAY, "20:00:30")
        for event in (
            CallRing(ts=ring_at, call="live", leg="live/sip102", account="sip102",
                     device="app", direction="in", remote="+48600111222"),
            CallAnswer(ts=ring_at + timedelta(seconds=6), call="live", leg="live/sip102"),
        ):  # fmt: skip
            hub.state.apply(event)
        hub.now = app.context.hub_time.hub_at_sync = NOW + 120
        screen.post_message(ModelChanged(frozenset({"e1"})))
        await until(
            lambda: screen.stats.calls.incoming == before + 1, "the refetch", poll=pilot.pause
        )
        await settle(pilot)
        assert "talking" in screen_text(pilot)
        timeline = screen.query_one(Timeline)
        assert stretch(timeline.rows[-1].intervals[-1], WARSAW) == "talking 20:00-20:02"
        # Events of somebody else do not refetch.
        fetched = len(hub.requests)
        screen.post_message(ModelChanged(frozenset({"e2"})))
        await pilot.pause(1.3)
        assert len(hub.requests) == fetched


async def test_hub_error_is_shown_in_the_panel_and_r_retries() -> None:
    hub = make_hub()
    hub.fail = "the hub's storage is unavailable"
    app = ProfileHost(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        assert "Could not load the history" in text
        assert "the hub's storage is unavailable" in text
        assert "Anna Nowak" in text  # the header still comes from the live state
        hub.fail = None
        await pilot.press("r")
        await settle(pilot)
        assert "Could not load the history" not in screen_text(pilot)
        assert isinstance(app.screen, ProfileScreen) and app.screen.stats is not None


async def test_unknown_employee_and_unreachable_hub_do_not_crash() -> None:
    app = ProfileHost(make_hub(), employee="nobody")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "404" in screen_text(pilot) and "nobody" in screen_text(pilot)

    class NoHub(ProfileHost):
        def open_profile(self, employee_id: str) -> None:
            self.context.hub_url = "http://127.0.0.1:9"  # nothing listens on the discard port
            self.push_screen(ProfileScreen(employee_id))

    app = NoHub(make_hub())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Could not load the history: cannot reach the hub at http://127.0.0.1:9" in (
            screen_text(pilot)
        )


async def test_empty_states_no_calls_no_devices_no_history() -> None:
    app = ProfileHost(make_hub(), employee="e2", details=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        assert "Piotr Zieliński  no department" in text
        assert "none registered now" in text
        assert "No calls in this period." in text
        # An average of no calls is not zero.
        assert re.search(r"Answer time +average —", text), text
        assert re.search(r"Talk time +0:00  average —", text), text
        assert "average 0:00" not in text
        assert "No status recorded in the last 7 days: offline throughout." in text
        assert "Tue 24 Mar: offline 00:00-20:00" in text
