"""Issue 11 item 5: screens read one typed ``ScreenContext``, with the real settings type.

Before, the board looked the wall's paging up under three names, read ``bell`` from the
thresholds section (which forbids it), and its tests passed settings as ``SimpleNamespace``:
a misspelt key silently stayed at its default. Now a misspelt setting is an error where the
test (or the user's file) writes it, and the board reads each setting under its one name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from board_host import BoardHost, settings, settle
from pydantic import ValidationError
from textual.app import App

from ringmon.config import Settings, Thresholds
from ringmon.model.board import TimeLimits
from ringmon.screens.board import BoardScreen
from ringmon.screens.context import context_of, host_of

SIZE = (120, 30)
ROOT = Path(__file__).resolve().parents[2] / "ringmon"


@pytest.mark.parametrize(
    "misspelt",
    [
        lambda: settings({"talkng": 60}),  # a threshold
        lambda: Settings(wall_page_seconds=5),  # the old flat name of wall.page_seconds
        lambda: Settings.model_validate({"wall": {"page": 5}}),  # another old name
        lambda: Settings.model_validate({"thresholds": {"bell": True}}),  # bell in thresholds
        lambda: Settings(bel=True),
    ],
)
def test_a_misspelt_setting_fails_where_it_is_written(misspelt: object) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        misspelt()  # type: ignore[operator]


async def test_the_board_reads_each_setting_under_its_one_name() -> None:
    chosen = settings({"dnd": 15 * 60, "ringing": 20}, bell=True, page=3.0)
    app = BoardHost(wall=True, settings_obj=chosen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        assert board.bell is True
        assert board.thresholds == TimeLimits(dnd=900.0, ringing=20.0)
        assert board._page_timer is not None
        assert board._page_timer._interval == 3.0


async def test_defaults_come_from_the_settings_type() -> None:
    app = BoardHost(wall=True, settings_obj=Settings())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.board
        assert board.bell is False and board.thresholds == TimeLimits()
        assert board._page_timer is not None
        assert board._page_timer._interval == Settings().wall.page_seconds == 10.0
        assert context_of(app).settings.thresholds == Thresholds()


async def test_a_board_outside_a_ringmon_app_says_what_it_needs() -> None:
    with pytest.raises(TypeError, match="an App that gives them a ScreenContext"):
        host_of(App())

    class Plain(App[None]):
        def on_mount(self) -> None:
            self.push_screen(BoardScreen())

    with pytest.raises(TypeError, match="ScreenContext"):
        async with Plain().run_test(size=SIZE) as pilot:
            await pilot.pause()


def test_no_screen_looks_its_app_up_by_name() -> None:
    """What a screen reads from its App is the context's typed fields, never ``getattr``."""
    looked_up = re.compile(r"getattr\((self\.)?app\b|getattr\(settings\b|app: Any\b")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("screens", "widgets", "replay")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if looked_up.search(line)
    ]
    app_py = (ROOT / "app.py").read_text(encoding="utf-8")
    assert offenders == [] and not looked_up.search(app_py)
