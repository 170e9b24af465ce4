"""The data folder is private (0700) and so are the files in it (0600): events, their WAL,
tokens; a folder or files that already exist with looser permissions are made private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ringmon.hub.server import HubConfig, HubThread
from ringmon.hub.serving.tokens import TokenStore
from ringmon.hub.settings import SettingsError, data_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_existing_open_folder_and_files_become_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "events.sqlite3").touch(mode=0o644)
    (data / "events.sqlite3").chmod(0o644)
    (data / "tokens.sqlite3").touch(mode=0o644)
    (data / "tokens.sqlite3").chmod(0o644)
    with HubThread(HubConfig(data=data, port=0, sources=[], tz="UTC")) as hub:
        assert hub.server is not None and hub.server.hub.tokens is not None
        hub.server.hub.tokens.add("alice", "analyst")
        files = sorted(p.name for p in data.iterdir())
        assert "events.sqlite3-wal" in files
        modes = {p.name: mode(p) for p in data.iterdir()}
    assert mode(data) == 0o700
    assert set(modes.values()) == {0o600}, modes


def test_a_new_folder_and_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    with HubThread(HubConfig(data=data, port=0, sources=[], tz="UTC")):
        pass
    store = TokenStore(data)
    store.add("bob", "analyst")
    store.close()
    assert mode(data) == 0o700
    assert {p.name: mode(p) for p in data.iterdir()} == dict.fromkeys(
        [p.name for p in data.iterdir()], 0o600
    )
    assert (data / "events.sqlite3").exists() and (data / "tokens.sqlite3").exists()


def test_a_shared_folder_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(SettingsError, match="shared"):
        data_dir(shared)
    assert mode(shared) == 0o1777
