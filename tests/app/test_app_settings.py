"""Settings: file, then environment, then command line; clear errors naming the file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ringmon.app import run_tui
from ringmon.config import ConfigError, Settings, config_path, load_settings, load_token


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(environ={}, path=tmp_path / "absent.toml")
    assert settings == Settings()
    assert settings.thresholds.limit("dnd") is None
    assert settings.wall.page_seconds == 10.0
    assert settings.bell is False


def test_file_then_environment_then_command_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
url = "http://file:1"
tz = "Europe/Warsaw"
theme = "nord"
bell = true
player = "aplay {file}"
[thresholds]
dnd = "15m"
talking = 1200
ringing = "20s"
[wall]
page_seconds = "1m"
""",
    )
    env = {"RINGMON_URL": "http://env:2", "RINGMON_TZ": "UTC", "RINGMON_BELL": "false"}
    settings = load_settings({"tz": "America/New_York", "url": None}, environ=env, path=path)
    assert settings.url == "http://env:2"
    assert settings.tz == "America/New_York"
    assert settings.bell is False
    assert settings.theme == "nord" and settings.player == "aplay {file}"
    assert settings.thresholds.limit("dnd") == 900
    assert settings.thresholds.limit("talking") == 1200
    assert settings.thresholds.limit("ringing") == 20
    assert settings.thresholds.limit("offline") is None
    assert settings.wall.page_seconds == 60
    assert str(settings.zone()) == "America/New_York"


def test_environment_reaches_nested_settings(tmp_path: Path) -> None:
    env = {"RINGMON_WALL_PAGE_SECONDS": "5"}
    assert load_settings(environ=env, path=tmp_path / "x.toml").wall.page_seconds == 5


def test_config_path_from_environment(tmp_path: Path) -> None:
    assert config_path({"RINGMON_CONFIG": str(tmp_path / "c.toml")}) == tmp_path / "c.toml"
    assert config_path({}).name == "config.toml"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("url = ", "not valid TOML"),
        (
            'tz = "UTC"\nurll = "http://x"',
            "line 2: urll: no such setting (the settings are: url, token_file, tz, theme,",
        ),
        ('tz = "Mars/Olympus"', "line 1: tz = 'Mars/Olympus': 'Mars/Olympus' is not an IANA"),
        ('[thresholds]\ndnd = "soon"', "line 2: thresholds.dnd = 'soon': 'soon' is not a duration"),
        ("[thresholds]\ndnd = -5", "line 2: thresholds.dnd = -5: Input should be greater than 0"),
        (
            "[thresholds]\ndnd_limit = 5",
            "line 2: thresholds.dnd_limit: no such setting (the settings are: dnd, talking,",
        ),
        ('url = "hub:8765"', "line 1: url = 'hub:8765': 'hub:8765' is not an http:// or https://"),
        ('[keys]\n"board.help" = "ctrl f"', "line 2: keys.board.help = 'ctrl f': 'ctrl f' is not"),
    ],
)
def test_broken_file_names_the_file_and_the_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, path=path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_named_config_file_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_settings(environ={"RINGMON_CONFIG": str(missing)})


def test_token_precedence(tmp_path: Path) -> None:
    cli = tmp_path / "cli"
    cli.write_text("from-cli\n")
    conf = tmp_path / "conf"
    conf.write_text("from-config")
    env = {"RINGMON_TOKEN": "from-env"}
    assert load_token(cli, conf, env) == "from-cli"
    assert load_token(None, conf, env) == "from-env"
    assert load_token(None, conf, {}) == "from-config"
    assert load_token(None, None, {}) is None
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(ConfigError, match="is empty"):
        load_token(tmp_path / "empty", None, {})
    with pytest.raises(ConfigError, match="cannot read the token file"):
        load_token(tmp_path / "missing", None, {})


def _args(**kw: object) -> argparse.Namespace:
    base: dict[str, object] = {"url": None, "tz": None, "wall": False, "token_file": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_run_tui_exits_2_with_a_message_on_a_broken_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bell = maybe")
    monkeypatch.setenv("RINGMON_CONFIG", str(path))
    assert run_tui(_args()) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err


def test_run_tui_without_url_suggests_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RINGMON_CONFIG", str(write(tmp_path, "")))
    monkeypatch.delenv("RINGMON_URL", raising=False)
    assert run_tui(_args()) == 2
    assert "ringmon demo" in capsys.readouterr().err


def test_run_tui_without_token_says_where_to_put_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RINGMON_CONFIG", str(write(tmp_path, "")))
    monkeypatch.delenv("RINGMON_TOKEN", raising=False)
    assert run_tui(_args(url="http://127.0.0.1:9")) == 2
    assert "RINGMON_TOKEN" in capsys.readouterr().err
