"""A status has one colour on every screen: the profile's Rich-drawn charts take the colour the
board's CSS gives the status's theme variable (``$primary`` for talking, ``$text-muted`` for
offline, ...), in whichever theme is chosen (the profile used to draw talking in red while the
board drew it in the theme's primary colour)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from ringmon.model.status import Status
from ringmon.present.status_style import STATUS_VARS
from ringmon.widgets.status_colours import theme_styles


class Swatches(App[None]):
    CSS = "\n".join(
        f"#{status.value} {{ color: {var}; background: $background; }}"
        for status, var in STATUS_VARS.items()
    )

    def compose(self) -> ComposeResult:
        for status in STATUS_VARS:
            yield Static(status.label, id=status.value)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "nord", "gruvbox"])
async def test_the_profile_colours_a_status_as_the_board_css_does(theme: str) -> None:
    app = Swatches()
    async with app.run_test(size=(40, 10)) as pilot:
        app.theme = theme
        await pilot.pause()
        styles = theme_styles(app)
        for status in Status:
            css = app.query_one(f"#{status.value}", Static).rich_style.color
            assert css is not None
            assert styles[status].color == css, (theme, status)
