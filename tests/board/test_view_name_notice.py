"""A saved view's name comes from the config file as the user wrote it: the notice that says
which view is on shows it as it is (``[/v]`` in it was a MarkupError that crashed the TUI)."""

from __future__ import annotations

from board_host import BoardHost, settings, settle

from ringmon.config import View

NAME = "[/v] night [b]shift"


async def test_the_views_notice_shows_its_name_as_it_is() -> None:
    views = {NAME: View(filter="dept:retention", sort="in_status")}
    app = BoardHost(settings_obj=settings().model_copy(update={"views": views}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v", "1")
        await settle(pilot)
        await pilot.pause(0.2)
        (notice,) = [n for n in app._notifications if NAME in str(n.message)]
        assert notice.message == f"View {NAME}" and not notice.markup
        assert app.is_running
