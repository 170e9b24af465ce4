"""While the hub still loads past days, the profile says that those days are not complete
(rather than show them as days without a call, offline all day), asks again by itself, and
says nothing more once the hub's history is whole."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from profile_app import ProfileHost, make_hub, settle
from profile_data import DAY, WARSAW
from textual.widgets import Static
from waiting import until

from ringmon.model.history_docs import HistoryLoadingDoc
from ringmon.present.words import day_label
from ringmon.screens import profile
from ringmon.screens.profile import ProfileScreen


def notice(app: ProfileHost) -> str:
    return str(app.screen.query_one("#notice", Static).render())


async def test_the_profile_says_the_past_days_are_loading_then_fills_them_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(profile, "LOADING_REFETCH_SECONDS", 0.05)
    hub = make_hub()
    midnight = datetime.combine(DAY, time(), WARSAW).astimezone(UTC)
    hub.loading = HistoryLoadingDoc(until=midnight, loaded_days=3.4, loading_days=7.0)
    app = ProfileHost(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen) and app.screen.stats is not None
        assert notice(app) == (
            "Not complete yet: the hub is loading history: 3 of 7 days; "
            f"the days before {day_label(DAY)} fill in."
        )
        asked = len(hub.requests)
        hub.loading = None  # the hub is done
        await until(lambda: notice(app) == "", "the notice gone", poll=pilot.pause)
        assert len(hub.requests) > asked  # asked again by itself
