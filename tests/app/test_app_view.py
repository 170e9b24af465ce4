"""``ringmon --view NAME`` (with ``--wall`` or not): the board opens with the config file's
saved view ``[views.NAME]`` (its filter, sort, columns), on a real hub on loopback holding the
board tests' call center; a name the config does not have stops it with a sentence that says
which views there are."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from replay_hub import NOW, events_until, hub_config, hub_in_thread, store
from textual.pilot import Pilot

from ringmon.app import RingmonApp
from ringmon.cli import main
from ringmon.config import Settings, View
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import running_hub
from ringmon.model.board import Filters
from ringmon.model.status import Status
from ringmon.screens.board import BoardScreen

SIZES = [(80, 24), (160, 50)]
RETENTION = View(filter="dept:retention status:!offline", sort="employee")


def settings() -> Settings:
    return Settings(tz="Europe/Warsaw", views={"retention": RETENTION, "all": View()})


async def until(pilot: Any, condition: Callable[[], Any], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def board(app: RingmonApp) -> BoardScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, BoardScreen)
    return screen


def viewed_app(url: str, token: str, *, wall: bool) -> RingmonApp:
    app = RingmonApp(
        url, token, settings(), wall=wall, feed_options={"first_delay": 0.05}, view="retention"
    )
    app.context.hub_time.monotonic = lambda: 0.0
    return app


@pytest.mark.parametrize("wall", [False, True], ids=["board", "wall"])
async def test_the_board_opens_with_the_view(tmp_path: Path, wall: bool) -> None:
    async with running_hub(hub_config(tmp_path), clock=ManualClock(NOW), sources=[]) as server:
        await store(server, events_until(NOW))
        assert server.hub.tokens is not None
        app = viewed_app(server.url, server.hub.tokens.add("t", "analyst"), wall=wall)
        async with app.run_test(size=(120, 30)) as pilot:
            await until(pilot, lambda: len(board(app).board.rows) == 30)
            await pilot.pause()
            shown = list(board(app).board)
            assert shown and len(shown) < 30
            assert all(row.department == "Retention" for row in shown)
            assert all(row.status is not Status.OFFLINE for row in shown)
            assert board(app).board.filters == Filters().with_name(RETENTION.filter)
            if not wall:
                assert [row.name for row in shown] == sorted(row.name for row in shown)


def test_an_unknown_view_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[views.night]\nfilter = "dept:night"\n\n[views.day]\n')
    monkeypatch.setenv("RINGMON_CONFIG", str(config))
    assert main(["--url", "http://127.0.0.1:1", "--wall", "--view", "nite"]) == 2
    err = capsys.readouterr().err
    assert f"--view 'nite': the config file ({config}) has no [views.nite]" in err
    assert "its views: night, day" in err
    config.write_text("")
    assert main(["--url", "http://127.0.0.1:1", "--view", "night"]) == 2
    assert "has no saved views; add one, e.g. [views.night]" in capsys.readouterr().err


async def settled(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, RingmonApp)
    await until(pilot, lambda: len(board(app).board.rows) == 30)
    # The view's 5 rows fit at both sizes: the wall settles on rows (not tiles) and one page,
    # which can take a few frames after the rows while the summary above finds its height.
    await until(pilot, lambda: one_page_of_rows(board(app)))
    for _ in range(3):
        await pilot.pause()


def one_page_of_rows(screen: BoardScreen) -> bool:
    return not screen.wall or (not screen.tiled and screen.wall_page()[1] == 1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall_with_a_view(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    with hub_in_thread(tmp_path) as (url, token):
        app = viewed_app(url, token, wall=True)
        assert snap_compare(app, terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board_with_a_view(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    with hub_in_thread(tmp_path) as (url, token):
        app = viewed_app(url, token, wall=False)
        assert snap_compare(app, terminal_size=size, run_before=settled)
