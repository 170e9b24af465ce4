"""The wall summary's figures read whole in any width: a number wider than its tile in large
digits is written in plain digits instead of being cut (at 60 columns "263 calls" showed
"26" and a sliver of the 3; at 120 a five-digit count was cut the same way)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from ringmon.model.board import Summary
from ringmon.widgets.summary import WallSummary


class SummaryHost(App[None]):
    def compose(self) -> ComposeResult:
        yield WallSummary()


def screen_text(pilot: Pilot[None]) -> str:
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def figures(**values: int) -> Summary:
    return Summary(**values)


@pytest.mark.parametrize(
    ("width", "calls", "shown"),
    [(60, 263, "263"), (120, 12_345, "12 345"), (80, 1_234, "1 234")],
)
async def test_a_figure_too_wide_for_big_digits_is_written_plainly(
    width: int, calls: int, shown: str
) -> None:
    app = SummaryHost()
    async with app.run_test(size=(width, 6)) as pilot:
        app.query_one(WallSummary).show(figures(calls_today=calls, talking=7))
        await pilot.pause()
        text = screen_text(pilot)
        tile = app.query_one("#wall-calls-today")
        assert shown in text, text
        # The talking count still fits in large digits (three lines of box-drawing strokes).
        talking = app.query_one("#wall-talking")
        assert talking.query_one("Digits").display
        assert not tile.query_one("Digits").display, text


async def test_figures_that_fit_stay_in_big_digits() -> None:
    app = SummaryHost()
    async with app.run_test(size=(120, 6)) as pilot:
        app.query_one(WallSummary).show(figures(calls_today=263))
        await pilot.pause()
        tile = app.query_one("#wall-calls-today")
        assert tile.query_one("Digits").display
        assert "263" not in screen_text(pilot)
