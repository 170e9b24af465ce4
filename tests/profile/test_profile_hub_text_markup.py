"""What the hub says and the employee's name on the profile and the call log: shown as they
are, never read as markup (``[/x]`` in either was a MarkupError that crashed the TUI)."""

from __future__ import annotations

from profile_app import ProfileHost, make_hub, settle
from profile_data import profile_events
from test_call_log import open_log, status
from textual.widgets import Static

from ringmon.model.schema import EmployeeUpsert

NAME = "Anna [/b] Nowak\\"


def named_events() -> list:  # type: ignore[type-arg]
    return [
        e.model_copy(update={"name": NAME}) if isinstance(e, EmployeeUpsert) and e.id == "e1" else e
        for e in profile_events()
    ]


async def test_the_call_logs_title_and_the_hubs_error_show_as_they_are() -> None:
    hub = make_hub(named_events())
    app = ProfileHost(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_log(pilot)
        title = str(screen.query_one("#log-title", Static).render())
        assert NAME in title
        hub.fail = "[/x] recordings are [b]offline"
        await pilot.press("s")
        await settle(pilot)
        assert status(screen).endswith("503: [/x] recordings are [b]offline")


async def test_the_profiles_notice_shows_the_hubs_error_as_it_is() -> None:
    hub = make_hub()
    hub.fail = "[/x] history is [$error]offline"
    app = ProfileHost(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        notice = str(app.screen.query_one("#notice", Static).render())
        assert "[/x] history is [$error]offline" in notice
