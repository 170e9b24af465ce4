"""The call log (R12): the period's calls, filters, download with progress, play."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from profile_app import ProfileHost, make_hub, settle
from profile_data import RECORDING
from test_timeline_pilot import screen_text
from textual.pilot import Pilot
from textual.widgets import DataTable, ProgressBar, Static

from ringmon.hub_client.recordings import recording_filename
from ringmon.model.period import Period
from ringmon.player import player_argv
from ringmon.screens import call_recording
from ringmon.screens.call_log import CallLogScreen


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    monkeypatch.setattr(call_recording, "download_folder", lambda configured=None: folder)
    return folder


async def open_log(pilot: Pilot[None]) -> CallLogScreen:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CallLogScreen)
    return screen


def status(screen: CallLogScreen) -> str:
    return str(screen.query_one("#log-status", Static).render())


def column(screen: CallLogScreen, key: str) -> list[str]:
    table: DataTable[object] = screen.query_one(DataTable)
    return [str(table.get_cell(row, key)) for row in table.rows]


async def test_today_calls_newest_first_with_every_column() -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_log(pilot)
        assert column(screen, "time") == [
            "14:04:50", "11:30:00", "10:59:40", "10:30:00", "10:00:00", "09:09:50",
        ]  # fmt: skip
        assert column(screen, "result") == [
            "answered", "no answer", "answered", "short ≤5 s", "missed", "answered",
        ]  # fmt: skip
        assert column(screen, "dir") == ["← in", "→ out", "→ out", "← in", "← in", "← in"]
        assert column(screen, "ring") == ["0:10", "0:40", "0:20", "0:03", "0:08", "0:10"]
        assert column(screen, "talk") == ["3:00", "-", "5:00", "-", "-", "12:00"]
        assert column(screen, "rec") == ["♪ yes", "-", "-", "-", "-", "♪ yes"]
        assert column(screen, "remote")[1] == "+48222000112"
        assert "6 of 6 calls" in screen_text(pilot)
        assert "Call log · Anna Nowak · Today (Tue 24 Mar)" in screen_text(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CallLogScreen)


async def test_filters_by_result_and_direction_keys_and_clicks() -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_log(pilot)
        await pilot.press("r")  # answered
        assert column(screen, "result") == ["answered"] * 3
        await pilot.press("r")  # missed
        assert column(screen, "time") == ["10:00:00"]
        await pilot.press("r", "r")  # unanswered (outgoing)
        assert column(screen, "time") == ["11:30:00"]
        await pilot.press("r")  # all again
        await pilot.press("i")  # incoming only
        assert column(screen, "dir") == ["← in"] * 4
        await pilot.click("#direction-filter")  # outgoing only
        assert column(screen, "dir") == ["→ out"] * 2
        await pilot.click("#result-filter")  # outgoing and answered
        assert column(screen, "time") == ["10:59:40"]
        await pilot.press("r")  # outgoing and missed: nothing
        assert "No call matches these filters (6 in the period)." in screen_text(pilot)


async def test_three_days_period_spans_three_days() -> None:
    app = ProfileHost(make_hub(), period=Period.LAST_3_DAYS)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_log(pilot)
        times = column(screen, "time")
        assert times[0] == "Tue 24 14:04:50" and times[-1].startswith("Sun 22") is False
        assert times[-1] == "Mon 23 09:00:00"
        assert len(times) == 6 + 4


async def test_download_streams_to_a_file_and_says_where(downloads: Path) -> None:
    app = ProfileHost(make_hub())
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_log(pilot)
        await pilot.press("s")  # the newest call has a recording
        await settle(pilot)
        saved = downloads / recording_filename("t6/sip102")
        assert saved.read_bytes() == RECORDING
        assert not list(downloads.glob("*.part"))
        bar = screen.query_one(ProgressBar)
        assert bar.progress == bar.total == len(RECORDING)
        assert status(screen) == f"Saved the recording to {saved} ({len(RECORDING):,} bytes)"
        # A second download never overwrites the first.
        await pilot.press("enter")
        await settle(pilot)
        assert (downloads / "ringmon-t6_sip102-2.wav").read_bytes() == RECORDING
        # A call without a recording says so.
        await pilot.press("down", "s")
        await settle(pilot)
        assert status(screen) == "This call has no recording."


async def test_download_failure_is_reported(downloads: Path) -> None:
    hub = make_hub()
    app = ProfileHost(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_log(pilot)
        hub.fail = "recordings are offline"
        await pilot.press("s")
        await settle(pilot)
        assert status(screen) == "Download failed: the hub answered 503: recordings are offline"
        assert not list(downloads.iterdir())


async def test_play_uses_the_configured_player(downloads: Path, tmp_path: Path) -> None:
    played = tmp_path / "played.wav"
    player = f"{sys.executable} -c 'import shutil,sys; shutil.copy(sys.argv[1], \"{played}\")'"
    app = ProfileHost(make_hub(), player=player)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_log(pilot)
        await pilot.press("p")
        for _ in range(50):
            await settle(pilot)
            if played.exists() and played.stat().st_size == len(RECORDING):
                break
            await pilot.pause(0.1)
        assert played.read_bytes() == RECORDING
        assert status(app.screen).startswith("Playing ")


async def test_play_without_a_player_explains_how(
    downloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RINGMON_PLAYER", raising=False)
    app = ProfileHost(make_hub())
    async with app.run_test(size=(160, 50)) as pilot:
        await open_log(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert status(app.screen).startswith("No player configured: set RINGMON_PLAYER")


def test_player_argv_places_the_file() -> None:
    path = Path("/tmp/x.wav")
    assert player_argv(["mpv", "--no-video"], path) == ["mpv", "--no-video", "/tmp/x.wav"]
    assert player_argv(["play", "{file}", "-q"], path) == ["play", "/tmp/x.wav", "-q"]


class BrowserHost(ProfileHost):
    """The profile's host as a browser session of ``ringmon web`` sees it: ``is_web``, and a
    browser at the end of ``deliver_binary`` (what it was handed, read as the driver would)."""

    delivered: list[tuple[bytes, str | None, str]]

    @property
    def is_web(self) -> bool:
        return True

    def deliver_binary(  # type: ignore[override]
        self, path_or_file: Any, *, save_filename: str | None = None, **options: Any
    ) -> str:
        with path_or_file:
            body = path_or_file.read()
        self.delivered.append((body, save_filename, options.get("open_method", "download")))
        return "key"


@pytest.mark.parametrize(("key", "how"), [("s", "download"), ("p", "browser")])
async def test_in_a_browser_the_recording_goes_to_the_browser(
    key: str,
    how: str,
    downloads: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scratch = tmp_path / "server-tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.delenv("RINGMON_PLAYER", raising=False)
    app = BrowserHost(make_hub())
    app.delivered = []
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_log(pilot)
        await pilot.press(key)  # p plays in the browser: no player on the server needed
        await settle(pilot)
        name = recording_filename("t6/sip102")
        assert app.delivered == [(RECORDING, name, how)]
        done = "Opened the recording {} in" if how == "browser" else "Sent the recording {} to"
        expected = f"{done.format(name)} your browser ({len(RECORDING):,} bytes)"
        assert status(screen) == expected
    assert not list(downloads.iterdir())  # nothing saved on the server
    assert not list(scratch.iterdir())  # nor left in its temporary folder
