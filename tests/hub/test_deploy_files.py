"""contrib/systemd: the unit passes ``systemd-analyze verify`` (when systemd is there) and
keeps its promises (a dedicated user, a private state folder, hardening, restart on failure);
the sample config is a valid ``ringmon hub --config`` file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ringmon.hub.config_file import HubSettings

CONTRIB = Path(__file__).resolve().parents[2] / "contrib" / "systemd"
UNIT = CONTRIB / "ringmon-hub.service"


def service_section() -> dict[str, list[str]]:
    text = UNIT.read_text()
    # systemd repeats keys (SystemCallFilter): keep every value (configparser would not).
    values: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_the_unit_keeps_its_promises() -> None:
    service = service_section()
    assert service["User"] == ["ringmon"]
    assert service["StateDirectory"] == ["ringmon"]
    assert service["StateDirectoryMode"] == ["0700"]
    assert service["Restart"] == ["on-failure"]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["ExecStart"] == ["/usr/local/bin/ringmon hub --config /etc/ringmon/hub.toml"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verify_finds_nothing(tmp_path: Path) -> None:
    ringmon = Path(sys.executable).with_name("ringmon")
    assert ringmon.exists()
    unit = tmp_path / UNIT.name  # the same unit, run from this checkout's ringmon
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/ringmon", str(ringmon)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_sample_config_is_a_valid_hub_config() -> None:
    settings = HubSettings.load(CONTRIB / "hub.toml")
    assert settings.data == Path("/var/lib/ringmon")
    assert settings.sources and all("password=" not in s for s in settings.sources)
