"""``ringmon hub --config FILE``: every option of the command line round-trips through the
TOML file, the command line overrides it, and a bad file is refused with the key, its line
and its value."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from ringmon.cli import build_parser, main
from ringmon.hub.config_file import (
    DEST,
    ConfigFileError,
    HubSettings,
    apply_config_file,
    given_on_command_line,
)
from ringmon.hub.server import HubConfig
from ringmon.hub.serving.tokens import TokenStore

# A value for every setting, none of them the default.
VALUES: dict[str, Any] = {
    "host": "127.0.0.2",
    "port": 9100,
    "data": "/var/lib/ringmon-test",
    "sources": ["file:/var/log/pbx/events.jsonl", "sim"],
    "follow": True,
    "tz": "Europe/Warsaw",
    "directory": "/etc/ringmon/staff.toml",
    "retention_days": 10,
    "seed": 7,
    "speed": 2.5,
    "employees": 12,
    "backfill_days": 3,
    "max_future_skew": 120.0,
    "log": "nats://10.0.0.1:4222,10.0.0.2:4222,10.0.0.3:4222",
    "log_replicas": 3,
    "tls_cert": "/etc/ringmon/tls/fullchain.pem",
    "tls_key": "/etc/ringmon/tls/privkey.pem",
    "header_timeout": 7.5,
    "idle_timeout": 4.0,
    "send_timeout": 12.0,
    "max_connections": 321,
    "max_header_bytes": 20_000,
    "ws_ping_interval": 15.0,
    "ws_ping_timeout": 25.0,
    "client_queue_mb": 12.0,
}


def toml_of(values: dict[str, Any]) -> str:
    # JSON strings, numbers, booleans and arrays of strings are TOML too.
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())


def as_argv(values: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    for key, value in values.items():
        flag = "--" + DEST.get(key, key).replace("_", "-")
        if value is True:
            argv.append(flag)
        elif isinstance(value, list):
            for item in value:
                argv += [flag, item]
        else:
            argv += [flag, str(value)]
    return argv


def hub_dests() -> set[str]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    hub = sub.choices["hub"]
    return {a.dest for a in hub._actions if a.dest not in ("help", "config")}


def from_file(path: Path, *argv: str) -> HubConfig:
    full = ["hub", "--config", str(path), *argv]
    args = build_parser().parse_args(full)
    merged = apply_config_file(
        args, HubSettings.load(path), given_on_command_line(build_parser(), full), path
    )
    return HubConfig.from_args(merged)


def options() -> dict[str, Any]:
    """VALUES for the options this build's command line has (TLS, the connection limits and
    the future skew come with hub-conn's and hub-ingest's work; their settings are here)."""
    dests = hub_dests()
    return {key: value for key, value in VALUES.items() if DEST.get(key, key) in dests}


def test_every_command_line_option_has_a_setting() -> None:
    assert hub_dests() <= {DEST.get(key, key) for key in HubSettings.model_fields}
    assert set(VALUES) == set(HubSettings.model_fields)
    for name, field in HubSettings.model_fields.items():
        assert field.description, f"{name} has no description"


def test_every_option_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(toml_of(options()))
    from_cli = HubConfig.from_args(build_parser().parse_args(["hub", *as_argv(options())]))
    assert from_file(path) == from_cli
    defaults = HubConfig.from_args(build_parser().parse_args(["hub"]))
    for key, value in options().items():  # and each one is really taken from the file
        path.write_text(toml_of({key: value}))
        assert from_file(path) != defaults, key


def test_a_setting_this_build_has_no_option_for_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('tls_cert = "/etc/ringmon/cert.pem"\n')
    args = argparse.Namespace(port=8765)  # a command line without --tls-cert
    with pytest.raises(ConfigFileError, match="sets tls_cert, which this ringmon hub has no"):
        apply_config_file(args, HubSettings.load(path), set(), path)


def test_the_command_line_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(toml_of({"port": 9000, "tz": "Europe/Warsaw", "sources": ["sim"]}))
    config = from_file(path, "--port", "8765", "--source", "file:/x.jsonl")
    assert config.port == 8765  # the default's value, but given: it wins
    assert list(config.sources) == ["file:/x.jsonl"]  # replaces the file's list
    assert config.tz == "Europe/Warsaw"
    assert from_file(path).port == 9000


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("port = 8765\nprot = 8766\n", "line 2: prot: no such setting"),
        ('tz = "UTC"\npassword = "s3cret"\n', "line 2: password: no such setting"),
        ('port = "eighty"\n', "line 1: port = 'eighty': Input should be a valid integer"),
        ("retention_days = 0\n", "line 1: retention_days = 0: Input should be greater than 0"),
        ('sources = "sim"\n', "line 1: sources = 'sim': Input should be a valid list"),
        ("port = 8765\nhost = \n", "not valid TOML: Invalid value (at line 2, column 8)"),
    ],
)
def test_a_bad_file_is_refused_clearly(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigFileError) as caught:
        HubSettings.load(path)
    assert str(path) in str(caught.value)
    assert words in str(caught.value)


def test_the_hub_command_refuses_a_bad_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('data = "x"\nretention = 30\n')
    assert main(["hub", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 2: retention: no such setting" in err and "Traceback" not in err
    assert main(["hub", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read the config file" in capsys.readouterr().err


def test_a_hub_process_runs_from_its_config_file(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("")
    data = tmp_path / "data"
    data.mkdir()
    store = TokenStore(data)
    token = store.add("ops", "analyst")
    store.close()
    with socket.socket() as taken:  # the file's port is busy: only --port 0 lets it start
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        path = tmp_path / "hub.toml"
        values = {
            "port": taken.getsockname()[1],
            "data": str(data),
            "sources": [f"file:{events}"],
            "follow": True,
            "tz": "America/Chicago",
        }
        path.write_text(toml_of(values))
        process = subprocess.Popen(
            [sys.executable, "-m", "ringmon", "hub", "--config", str(path), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("listening on http://127.0.0.1:"), line
            url = line.removeprefix("listening on ").strip()
            headers = {"Authorization": f"Bearer {token}"}
            health = httpx.get(f"{url}/v1/health", headers=headers, timeout=10).json()
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0
    assert health["tz"] == "America/Chicago"
    assert [s["name"] for s in health["sources"]] == [f"file:{events}"]
