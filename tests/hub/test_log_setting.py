"""``ringmon hub --log``: what it takes, what it refuses (with a sentence), and that a hub
without it never loads the NATS client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ringmon.hub.log import LogUrlError, parse_log_url
from ringmon.hub.server import ConfigError, HubConfig, build_hub


def test_servers_of_a_log_url() -> None:
    assert parse_log_url("nats://10.0.0.1:4222,10.0.0.2:4223, nats://h3:4224") == (
        "nats://10.0.0.1:4222",
        "nats://10.0.0.2:4223",
        "nats://h3:4224",
    )
    assert parse_log_url("nats://localhost") == ("nats://localhost:4222",)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("http://h:4222", "nats://HOST:PORT"),
        ("nats://h:4222,,h2:4222", "an empty server"),
        ("nats://h:99999", "no valid port"),
        ("nats://h:4222/x", "is not HOST:PORT"),
    ],
)
def test_a_bad_log_url_is_refused_with_a_sentence(text: str, says: str) -> None:
    with pytest.raises(LogUrlError, match=says):
        parse_log_url(text)


def test_build_hub_refuses_a_bad_log(tmp_path: Path) -> None:
    config = HubConfig(data=tmp_path / "d", port=0, tz="UTC", log="redis://x:1")
    with pytest.raises(ConfigError, match="nats://HOST:PORT"):
        build_hub(config)


def test_a_hub_of_its_own_never_imports_nats(tmp_path: Path) -> None:
    code = (
        "import sys, asyncio\n"
        "from ringmon.hub.server import HubConfig, running_hub\n"
        "import ringmon.cli, ringmon.hub.intake.push_api\n"
        "async def main():\n"
        f"    async with running_hub(HubConfig(data={str(tmp_path / 'd')!r}, port=0, tz='UTC')):\n"
        "        pass\n"
        "asyncio.run(main())\n"
        "print('nats' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
