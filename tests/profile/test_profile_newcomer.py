"""What a newcomer trips on in the profile and the call log: ``?`` (and F1) show the screen's
keys, ``:`` opens the command palette, ``q`` quits as on the board; at 60x20 the call log
keeps every column, its buttons and its footer whole; playing leaves no copy behind."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from profile_app import ProfileHost, make_hub, settle
from profile_data import RECORDING
from test_call_log import open_log
from test_timeline_pilot import screen_text
from textual.command import CommandPalette
from textual.widgets import Button, DataTable, Static

from ringmon.model.period import Period
from ringmon.screens import call_recording
from ringmon.screens.call_log import CallLogScreen
from ringmon.screens.help import HelpScreen
from ringmon.screens.profile import ProfileScreen


def help_shown(app: ProfileHost) -> str:
    assert isinstance(app.screen, HelpScreen)
    return str(app.screen.query_one(Static).render())


@pytest.mark.parametrize("where", ["profile", "call_log"])
async def test_question_mark_shows_this_screens_keys_and_closes(where: str) -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if where == "call_log":
            await open_log(pilot)
        screen = app.screen
        await pilot.press("question_mark")
        text = help_shown(app)
        if where == "profile":
            assert "Call log" in text and "Timeline" in text and "Per device" in text
        else:
            assert "Play" in text and "Download" in text and "Result filter" in text
        assert "? F1" in text and ": ctrl+p" in text and "quit" in text
        await pilot.press("question_mark")
        assert app.screen is screen


@pytest.mark.parametrize("where", ["profile", "call_log"])
async def test_colon_opens_the_command_palette(where: str) -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if where == "call_log":
            await open_log(pilot)
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


@pytest.mark.parametrize("where", ["profile", "call_log"])
async def test_q_quits(where: str) -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if where == "call_log":
            await open_log(pilot)
        assert isinstance(app.screen, ProfileScreen | CallLogScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_call_log_at_60x20_keeps_its_columns_buttons_and_footer() -> None:
    app = ProfileHost(make_hub(), period=Period.LAST_7_DAYS)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_log(pilot)
        table = screen.query_one(DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        header = table.render_line(0).text
        assert "Result" in header and "Rec" in header
        shot = screen_text(pilot)
        assert "♪" in shot and "p Play" in shot and "? Help" in shot
        button = screen.query_one("#result-filter", Button)
        for _ in range(5):  # every label, the longest "Result: unanswered" too
            label = str(button.label)
            assert button.content_region.width >= len(label), label
            await pilot.press("r")
            await settle(pilot)
        title = screen.query_one("#log-title", Static)
        assert title.size.height == 1
        count = str(screen.query_one("#count", Static).render())
        assert count.endswith("calls")


async def test_one_call_is_singular() -> None:
    app = ProfileHost(make_hub(), period=Period.TODAY)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_log(pilot)
        screen.calls = screen.calls[:1]
        screen._fill()
        assert str(screen.query_one("#count", Static).render()) == "1 of 1 call"


async def test_play_leaves_no_copy_of_the_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``p`` on a call never downloaded: the recording goes to a private temporary folder,
    and is gone once the player exits; nothing lands in the current or Downloads folder."""
    here = tmp_path / "cwd"
    here.mkdir()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setattr(call_recording, "download_folder", lambda configured=None: downloads)
    seen = tmp_path / "seen.txt"
    script = (
        "import os,stat,sys; p=sys.argv[1]; d=os.path.dirname(p); "
        "data=open(p,'rb').read(); "
        f"open({str(seen)!r},'w').write(p+'\\n'+str(len(data))+'\\n'"
        "+oct(stat.S_IMODE(os.stat(d).st_mode)))"
    )
    app = ProfileHost(make_hub(), player=f"{sys.executable} -c {script!r}")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_log(pilot)
        await pilot.press("p")
        for _ in range(100):
            await settle(pilot)
            if seen.exists() and seen.read_text().count("\n") == 2:
                played = Path(seen.read_text().splitlines()[0])
                if not played.exists():
                    break
            await pilot.pause(0.05)
        path, size, mode = seen.read_text().splitlines()
        assert int(size) == len(RECORDING)
        assert mode == oct(stat.S_IRWXU)
        assert not Path(path).exists() and not Path(path).parent.exists()
        assert list(here.iterdir()) == [] and list(downloads.iterdir()) == []
        status = str(screen.query_one("#log-status", Static).render())
        assert status.startswith("Playing the recording of")
