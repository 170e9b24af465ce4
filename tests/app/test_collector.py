"""The cyclic garbage collector is held off while the TUI starts (``ringmon.collector``)
and runs again once the first rows are on screen, or at the latest a while after the App
mounted when no rows come; the command line lets it go whatever way the TUI ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_app_real_hub import FAST, hub, token, until  # noqa: F401 (hub: a fixture)

from ringmon import cli, collector
from ringmon.app import RingmonApp
from ringmon.hub.server import HubServer


@pytest.fixture(autouse=True)
def collector_on_after() -> Iterator[None]:
    """Whatever a test does, the collector is on after it (as it was before)."""
    assert gc.isenabled()
    yield
    collector.release()
    gc.enable()


async def test_the_collector_runs_again_once_the_first_rows_are_on_screen(
    hub: tuple[HubServer, Path],  # noqa: F811
) -> None:
    server, _ = hub
    collector.hold()
    assert not gc.isenabled() and collector.held()
    app = RingmonApp(server.url, token(server), feed_options=FAST)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: "Nowak" in app.export_screenshot())
        await until(pilot, lambda: gc.isenabled())
        assert not collector.held()


async def test_without_rows_the_collector_runs_again_after_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collector, "HOLD_AT_MOST", 0.2)
    collector.hold()
    app = RingmonApp("http://127.0.0.1:9", "t", feed_options=FAST)  # no hub there
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: gc.isenabled())
        assert not app.context.state.employees


def test_a_hold_it_did_not_make_is_not_released() -> None:
    gc.disable()
    collector.hold()
    collector.release()
    assert not gc.isenabled()


def test_the_command_line_lets_the_collector_go_when_the_tui_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGMON_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("RINGMON_TOKEN", raising=False)
    # No token: the TUI says so and ends before its App runs.
    assert cli.main(["--url", "http://127.0.0.1:9"]) == 2
    assert gc.isenabled() and not collector.held()
