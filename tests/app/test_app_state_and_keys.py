"""What the client remembers by itself (the state file beside the config, never the config
file), keys remapped from the config's ``[keys]``, and the problems of either said clearly."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from feed_fakehub import TOKEN, FakeHub
from textual.command import CommandList, CommandPalette

from ringmon.app import RingmonApp, run_tui
from ringmon.client_state import ClientState, StateFile, state_path
from ringmon.config import ConfigError, load_settings
from ringmon.feed.connection import Link
from ringmon.key_bindings import binding_ids, check_keymap
from ringmon.screens.board import BoardScreen
from ringmon.screens.filter_panel import FilterPanel

FAST = {"first_delay": 0.05}


async def until(pilot: Any, condition: Callable[[], Any], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- the state file ---------------------------------------------------------------------------


def test_state_is_written_atomically_beside_the_config(tmp_path: Path) -> None:
    path = state_path(tmp_path / "config.toml")
    assert path == tmp_path / "state.json"
    state = StateFile(path)
    assert state.load() == ClientState()
    state.save(ClientState(theme="nord"))
    assert json.loads(path.read_text()) == {"theme": "nord"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]  # no temporary left
    assert StateFile(path).load().theme == "nord"


def test_keys_of_a_newer_ringmon_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"theme": "nord", "columns": ["calls_today"]}')
    state = StateFile(path)
    state.save(state.load().model_copy(update={"theme": "dracula"}))
    assert json.loads(path.read_text()) == {"theme": "dracula", "columns": ["calls_today"]}


@pytest.mark.parametrize("text", ["{not json", '{"theme": 5}', "[]"])
def test_a_broken_state_file_is_set_aside_not_overwritten(tmp_path: Path, text: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    state = StateFile(path)
    assert state.load() == ClientState()
    assert state.problem is not None and "state.json.broken" in state.problem
    assert (tmp_path / "state.json.broken").read_text() == text
    assert not path.exists()


async def test_a_theme_chosen_is_remembered_and_the_config_is_left_alone(tmp_path: Path) -> None:
    conf = config(tmp_path, '# my own notes\ntheme = "gruvbox"\n')
    before = conf.read_bytes()
    settings = load_settings(environ={}, path=conf)
    state = state_path(conf)
    async with FakeHub() as hub:
        app = RingmonApp(hub.url, TOKEN, settings, feed_options=FAST, state_file=StateFile(state))
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.context.connection.link is Link.CONNECTED)
            assert app.theme == "gruvbox"
            await pilot.pause(0.1)
            assert not state.exists()  # the configured theme is no choice of the user's
            app.action_change_theme()  # the palette's "Change theme"
            await until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*"nord")
            hits = app.screen.query_one(CommandList)
            await until(pilot, lambda: hits.option_count > 0 and hits.highlighted is not None)
            await pilot.press("enter")
            await until(pilot, lambda: state.exists())
        assert json.loads(state.read_text())["theme"] == "nord"
        again = RingmonApp(hub.url, TOKEN, settings, feed_options=FAST, state_file=StateFile(state))
        async with again.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: again.context.connection.link is Link.CONNECTED)
            assert again.theme == "nord"
    assert conf.read_bytes() == before


# -- keys ---------------------------------------------------------------------------------------


async def test_a_binding_takes_the_keys_the_config_gives_it(tmp_path: Path) -> None:
    conf = config(tmp_path, '[keys]\n"board.filter_panel" = "ctrl+f"\n')
    settings = load_settings(environ={}, path=conf)
    check_keymap(settings.keys, conf)
    async with FakeHub() as hub:
        app = RingmonApp(hub.url, TOKEN, settings, feed_options=FAST)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.context.connection.link is Link.CONNECTED)
            await pilot.press("f")  # the default key no longer opens the panel
            await pilot.pause(0.2)
            assert isinstance(app.screen, BoardScreen)
            await pilot.press("ctrl+f")
            await until(pilot, lambda: isinstance(app.screen, FilterPanel))


def test_every_binding_has_an_id_to_remap() -> None:
    ids = binding_ids()
    assert {"quit", "board.filter_panel", "profile.call_log", "call_log.play"} <= set(ids)


def _args() -> argparse.Namespace:
    return argparse.Namespace(url="http://127.0.0.1:1", tz=None, wall=False, token_file=None)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            'tz = "UTC"\n[keys]\n"board.filtr" = "ctrl+f"\n',
            "line 3: keys.board.filtr: no binding has this id (the ids: board.clear_filters,",
        ),
        (
            '[keys]\n"board.help" = "ctrl f"\n',
            "line 2: keys.board.help = 'ctrl f': 'ctrl f' is not",
        ),
        ("bel = true\n", "line 1: bel: no such setting (the settings are: url,"),
    ],
)
def test_a_bad_config_stops_ringmon_with_exit_2_naming_file_line_and_choices(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    words: str,
) -> None:
    conf = config(tmp_path, text)
    monkeypatch.setenv("RINGMON_CONFIG", str(conf))
    monkeypatch.setenv("RINGMON_TOKEN", "t")
    assert run_tui(_args()) == 2
    err = capsys.readouterr().err
    assert str(conf) in err and words in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"RINGMON_BELL": "maybe"}, "RINGMON_BELL = 'maybe': Input should be a valid boolean"),
        ({"RINGMON_WALL_PAGE_SECONDS": "soon"}, "RINGMON_WALL_PAGE_SECONDS = 'soon': 'soon' is"),
        (
            {"RINGMON_THRESHOLDS_DND": "-1"},
            "RINGMON_THRESHOLDS_DND = '-1': Input should be greater",
        ),
    ],
)
def test_a_bad_environment_variable_is_named(
    tmp_path: Path, environ: dict[str, str], words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ=environ, path=tmp_path / "absent.toml")
    assert words in str(caught.value)


def test_environment_reaches_every_table(tmp_path: Path) -> None:
    conf = config(tmp_path, '[thresholds]\ndnd = "15m"\n[wall]\npage_seconds = 3\n')
    env = {"RINGMON_THRESHOLDS_TALKING": "20m", "RINGMON_TOKEN": "not a setting"}
    settings = load_settings({"tz": "UTC"}, environ=env, path=conf)
    assert settings.thresholds.dnd == 900 and settings.thresholds.talking == 1200
    assert settings.wall.page_seconds == 3 and settings.tz == "UTC"


def test_the_configuration_guide_names_every_binding_id() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    shorthand = {i: "." + i.split(".", 1)[1] for i in binding_ids() if "." in i}
    assert [
        i for i in binding_ids() if f"`{i}`" not in guide and shorthand.get(i, i) not in guide
    ] == []
