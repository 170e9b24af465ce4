"""The profile over the REAL hub: loopback HTTP, SQLite storage, a ``file:`` JSONL source and
a manual clock. The same event file goes through ``ringmon export``; numbers must agree, and
a recording goes all the way from the hub's folder to the user's download folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from profile_app import ProfileHost
from profile_data import NOW, RECORDING, WARSAW, profile_events, write_jsonl
from test_same_numbers_as_export import export_json, export_numbers, intervals, numbers
from textual.widgets import Static
from waiting import until

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.hub_client import HubClient
from ringmon.hub_client.recordings import recording_filename
from ringmon.model.period import Period
from ringmon.model.schema import CallEnd, Event
from ringmon.present.clock import stretch
from ringmon.screens import call_recording
from ringmon.screens.call_log import CallLogScreen
from ringmon.screens.profile import ProfileScreen
from ringmon.sources.file import FileSource


def with_file_recordings(events: list[Event]) -> list[Event]:
    """Recordings the hub serves from its ``recordings`` folder (``file:NAME``)."""
    out: list[Event] = []
    for event in events:
        if isinstance(event, CallEnd) and event.recording:
            event = event.model_copy(update={"recording": f"file:{recording_filename(event.leg)}"})
        out.append(event)
    return out


class RealHubHost(ProfileHost):
    """The host app, talking to a real hub over loopback HTTP."""

    def __init__(self, server: HubServer, token: str, **kwargs: object) -> None:
        from profile_app import make_hub

        super().__init__(make_hub(), **kwargs)  # type: ignore[arg-type]
        self.context.state = server.hub.state
        self.context.hub_url = server.url
        self.context.token = token

    def client(self) -> HubClient:
        return self.context.hub_client()


def profile_loaded(app: RealHubHost) -> bool:
    """The profile has its history (or says why not): its worker starts only once the screen
    is mounted, so waiting for the workers that run now is not enough on a loaded machine."""
    screen = app.screen
    if not isinstance(screen, ProfileScreen):
        return False
    return screen.stats is not None or screen.query_one("#notice", Static).has_class("-error")


def call_log_loaded(app: RealHubHost) -> bool:
    screen = app.screen
    return isinstance(screen, CallLogScreen) and (
        bool(screen.calls) or screen.query_one("#log-status", Static).has_class("-error")
    )


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[HubServer, str, Path]]:
    events = with_file_recordings(profile_events())
    path = write_jsonl(events, tmp_path / "events.jsonl")
    data = tmp_path / "data"
    (data / "recordings").mkdir(parents=True)
    for event in events:
        if isinstance(event, CallEnd) and event.recording:
            (data / "recordings" / event.recording.removeprefix("file:")).write_bytes(RECORDING)
    config = HubConfig(data=data, port=0, sources=(), tz="Europe/Warsaw")
    async with running_hub(config, clock=ManualClock(NOW), sources=[]) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("alice", "analyst")
        await FileSource(path).run(server.hub)
        assert server.hub.seq == len(events)
        yield server, token, path


@pytest.mark.parametrize("period", list(Period))
async def test_real_hub_profile_equals_export(
    served: tuple[HubServer, str, Path], period: Period
) -> None:
    server, token, path = served
    app = RealHubHost(server, token, period=period, details=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(lambda: profile_loaded(app), "the profile's history", 60, poll=pilot.pause)
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        assert screen.stats is not None, screen.query_one("#notice").render()
        assert screen.doc is not None and screen.doc.tz == "Europe/Warsaw"
        shown = screen.stats
    assert export_numbers(export_json(path, "stats", "e1", period)) == numbers(shown)
    timeline = export_json(path, "timeline", "e1", period)["timeline"]
    assert [(r["day"], r["start"], r["end"], r["status"]) for r in timeline] == intervals(shown)
    assert stretch(shown.days[-1].timeline[0], WARSAW) == "offline 00:00-05:56"


async def test_real_hub_call_log_and_recording_download(
    served: tuple[HubServer, str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, token, _ = served
    folder = tmp_path / "downloads"
    folder.mkdir()
    monkeypatch.setattr(call_recording, "download_folder", lambda configured=None: folder)
    app = RealHubHost(server, token, period=Period.LAST_7_DAYS)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(lambda: profile_loaded(app), "the profile's history", 60, poll=pilot.pause)
        await pilot.press("c")
        await until(lambda: call_log_loaded(app), "the call log's calls", 60, poll=pilot.pause)
        screen = app.screen
        assert isinstance(screen, CallLogScreen)
        status = screen.query_one("#log-status", Static)
        assert not status.has_class("-error"), status.content
        assert len(screen.calls) == 20  # every leg of the 7 days: 2 + 5 + 3 + 0 + 0 + 4 + 6
        assert screen.calls[0].leg == "t6/sip102"  # newest first
        await pilot.press("s")
        await until(
            lambda: (
                "t6/sip102" in screen.downloads
                or screen.query_one("#log-status", Static).has_class("-error")
            ),
            "the recording's download",
            60,
            poll=pilot.pause,
        )
        assert not status.has_class("-error"), status.content
        saved = folder / recording_filename("t6/sip102")
        assert saved.read_bytes() == RECORDING
