"""Keys that work on every screen of the real App: F1 is help (the screen's own), ``:`` opens
the command palette as in k9s; and the palette's Screenshot lands in a folder that exists and
says where."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from feed_fakehub import TOKEN, FakeHub
from textual.command import CommandPalette
from textual.widgets import Static

from ringmon.app import RingmonApp
from ringmon.feed.connection import Link
from ringmon.screens.board import BoardScreen
from ringmon.screens.help import HelpScreen

FAST = {"first_delay": 0.05}


async def until(pilot: Any, condition: Callable[[], Any], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def help_text(app: RingmonApp) -> str:
    assert isinstance(app.screen, HelpScreen)
    return str(app.screen.query_one(Static).render())


async def test_f1_is_help_on_the_board_and_on_the_profile() -> None:
    async with FakeHub() as hub:
        app = RingmonApp(hub.url, TOKEN, feed_options=FAST)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.context.connection.link is Link.CONNECTED)
            await pilot.press("f1")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            assert "filter panel" in help_text(app)  # the board's keys
            await pilot.press("f1")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen))
            app.open_profile(next(iter(app.context.state.employees)))
            await until(pilot, lambda: type(app.screen).__name__ == "ProfileScreen")
            await pilot.press("f1")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            assert "Call log" in help_text(app) and "filter panel" not in help_text(app)
            await pilot.press("escape")
            await until(pilot, lambda: type(app.screen).__name__ == "ProfileScreen")


async def test_colon_opens_the_command_palette_on_the_board() -> None:
    async with FakeHub() as hub:
        app = RingmonApp(hub.url, TOKEN, feed_options=FAST)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.context.connection.link is Link.CONNECTED)
            await pilot.press("colon")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette))


async def test_palette_screenshot_without_a_downloads_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(here)
    notices: list[str] = []
    async with FakeHub() as hub:
        app = RingmonApp(hub.url, TOKEN, feed_options=FAST)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.context.connection.link is Link.CONNECTED)
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*"screenshot")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await until(pilot, lambda: list(here.glob("*.svg")), timeout=10)
            await until(pilot, lambda: app._notifications)
            notices = [str(n.message) for n in app._notifications]
    (saved,) = here.glob("*.svg")
    assert saved.read_text().startswith("<svg")
    assert not (home / "Downloads").exists()
    assert any(str(saved) in n for n in notices), notices
