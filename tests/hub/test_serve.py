"""Starting the hub: settings, bad command lines (exit 2, no traceback), the thread API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hub_served import TLS

from ringmon.cli import main
from ringmon.hub.server import ConfigError, HubConfig, HubThread, make_source
from ringmon.hub.settings import SettingsError, local_zone_name, zone
from ringmon.sources.file import FileSource
from ringmon.sources.registry import SCHEMES


def test_tz_env_names_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ":Europe/Warsaw")
    assert local_zone_name() == "Europe/Warsaw"
    monkeypatch.setenv("TZ", "Not/AZone")
    assert local_zone_name() != "Not/AZone"  # falls through to the system's, or UTC


def test_zone() -> None:
    assert zone("America/New_York")[0] == "America/New_York"
    with pytest.raises(SettingsError, match="unknown time zone 'Mars/Base'"):
        zone("Mars/Base")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["--source", "pbx"],
            "unknown source 'pbx': use one of sim, file:PATH, asterisk[:OPTIONS], "
            "kamailio:HOST:PORT[,OPTIONS], freeswitch:HOST:PORT[,OPTIONS]",
        ),
        (["--source", "file:"], "needs a path"),
        (["--source", "file:/no/such/file.jsonl"], "no such file"),
        (["--tz", "Mars/Base"], "unknown time zone"),
        (["--retention-days", "0"], "--retention-days must be positive"),
        (["--speed", "0"], "--speed must be positive"),
        (["--source", "sim", "--source", "sim"], "given twice"),
    ],
)
def test_bad_command_lines_exit_2(
    argv: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hub", "--data", str(tmp_path), "--port", "0", *argv])
    out, err = capsys.readouterr()
    assert code == 2
    assert words in err and "Traceback" not in err and out == ""


def test_port_in_use_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "e.jsonl"
    events.write_text("")
    with HubThread(HubConfig(data=tmp_path / "a", port=0, sources=[f"file:{events}"])) as hub:
        port = hub.url.rsplit(":", 1)[1]
        code = main(
            ["hub", "--data", str(tmp_path / "b"), "--port", port, "--source", f"file:{events}"]
        )
    _, err = capsys.readouterr()
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err


def test_make_source() -> None:
    config = HubConfig(follow=True)
    source = make_source("file:later.jsonl", config)
    assert isinstance(source, FileSource) and source.follow
    with pytest.raises(ConfigError) as refused:
        make_source("ari:x", config)
    # The refusal names every scheme the registry knows, not just two of them.
    assert len(SCHEMES) >= 5
    for scheme in SCHEMES.values():
        assert scheme.example in str(refused.value)


def test_hub_thread_for_synchronous_callers(tmp_path: Path) -> None:
    server = HubThread(HubConfig(data=tmp_path, port=0, sources=[], tz="UTC"))
    url = server.start()
    try:
        assert url.startswith("http://127.0.0.1:")
        assert server.server is not None and server.server.hub.tokens is not None
        token = server.server.hub.tokens.add("alice", "analyst")
        with httpx.Client(base_url=url, verify=TLS) as client:
            health = client.get("/v1/health", headers={"Authorization": f"Bearer {token}"}).json()
        assert health["status"] == "ok" and health["tz"] == "UTC"
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError), httpx.Client(base_url=url, verify=TLS) as client:
        client.get("/v1/health")


def test_hub_thread_reports_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown time zone"):
        HubThread(HubConfig(data=tmp_path, port=0, sources=[], tz="Nowhere/Land")).start()
