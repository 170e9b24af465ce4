"""The web server of ``ringmon web`` (textual-serve underneath), over real sockets: the process
of a browser session gets none of the server's tokens, the session cap holds and frees, and
the command line binds to loopback unless told otherwise."""

from __future__ import annotations

import asyncio
import html
import json
import shlex
import sys
from pathlib import Path

import psutil
import pytest
from aiohttp import WSMsgType, WSServerHandshakeError
from aiohttp.test_utils import TestClient, TestServer

from ringmon.cli import build_parser
from ringmon.web import server as server_module
from ringmon.web.serve import is_loopback, session_command
from ringmon.web.server import WebServer, full_message
from ringmon.web.session import WEB_DRIVER, in_browser_session, session_environment

SESSION = """
import json, os, sys
with open(sys.argv[1], "w") as out:
    json.dump(dict(os.environ), out)
sys.stdin.buffer.read(1)  # textual-serve's first packet (resize or quit) ends the session
"""


def session_script(tmp_path: Path, seen: Path) -> str:
    script = tmp_path / "session.py"
    script.write_text(SESSION)
    return shlex.join([sys.executable, str(script), str(seen)])


async def wait_for_file(path: Path, timeout: float = 30.0) -> dict[str, str]:
    async with asyncio.timeout(timeout):
        while True:
            try:
                return dict(json.loads(path.read_text()))
            except (FileNotFoundError, ValueError):
                await asyncio.sleep(0.05)


async def sessions_closed(server: WebServer, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while server.sessions:
            await asyncio.sleep(0.05)


async def test_session_gets_no_token_and_the_cap_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGMON_TOKEN", "server-secret")
    monkeypatch.setenv("RINGMON_TOKEN_FILE", str(tmp_path / "server-token"))
    monkeypatch.setenv("RINGMON_URL", "http://127.0.0.1:8765")
    seen = tmp_path / "env.json"
    server = WebServer(session_script(tmp_path, seen), host="127.0.0.1", port=0, max_sessions=1)
    async with TestClient(TestServer(await server._make_app())) as client:
        first = await client.ws_connect("/ws?width=80&height=24")
        env = await wait_for_file(seen)
        assert "RINGMON_TOKEN" not in env and "RINGMON_TOKEN_FILE" not in env
        assert env["RINGMON_URL"] == "http://127.0.0.1:8765"  # the rest is passed on
        assert env["TEXTUAL_DRIVER"] == WEB_DRIVER

        page = await client.get("/")
        assert page.status == 503
        assert html.escape(full_message(1)) in await page.text()
        second = await client.ws_connect("/ws")
        told = await second.receive()
        assert told.type is WSMsgType.BINARY and full_message(1).encode() in told.data
        assert (await second.receive()).type is WSMsgType.CLOSE
        assert second.close_code == 1013

        await first.close()
        await sessions_closed(server)
        page = await client.get("/")
        assert page.status == 200
        assert "data-session-websocket-url" in await page.text()


def test_session_environment_drops_only_tokens() -> None:
    env = {"RINGMON_TOKEN": "t", "RINGMON_TOKEN_FILE": "/f", "RINGMON_URL": "u", "HOME": "/h"}
    assert session_environment(env) == {"RINGMON_URL": "u", "HOME": "/h"}


def test_browser_session_is_textual_serves_web_driver() -> None:
    assert in_browser_session({"TEXTUAL_DRIVER": WEB_DRIVER})
    assert not in_browser_session({})
    assert not in_browser_session({"TEXTUAL_DRIVER": "textual.drivers.headless_driver:X"})


def test_web_command_defaults_to_loopback() -> None:
    args = build_parser().parse_args(["web", "--url", "http://127.0.0.1:8765"])
    assert (args.host, args.port, args.max_sessions) == ("127.0.0.1", 8766, 8)
    assert is_loopback(args.host) and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    before = build_parser().parse_args(["--url", "http://127.0.0.1:9000", "web"])
    assert before.url == "http://127.0.0.1:9000"


def test_session_command_passes_the_hub_and_never_a_token() -> None:
    argv = shlex.split(session_command("https://hub:8765", "Europe/Warsaw", True, "/etc/ca.pem"))
    assert argv == [
        sys.executable, "-m", "ringmon", "--url", "https://hub:8765", "--mask-numbers",
        "--ca", "/etc/ca.pem", "--tz", "Europe/Warsaw", "--wall",
    ]  # fmt: skip
    # Callers' numbers are masked in the browser unless `ringmon web --no-mask-numbers`.
    shown = session_command("http://hub", None, False, mask_numbers=False)
    assert "--no-mask-numbers" in shlex.split(shown)
    args = build_parser().parse_args(["web", "--no-mask-numbers"])
    assert args.mask_numbers is False
    assert build_parser().parse_args(["web"]).mask_numbers is None


async def test_another_sites_page_cannot_open_a_session(tmp_path: Path) -> None:
    seen = tmp_path / "env.json"
    server = WebServer(session_script(tmp_path, seen), host="127.0.0.1", port=0, max_sessions=1)
    async with TestClient(TestServer(await server._make_app())) as client:
        with pytest.raises(WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
        assert server.sessions == 0 and not seen.exists()
        own = f"http://{client.host}:{client.port}"
        ours = await client.ws_connect("/ws", headers={"Origin": own})
        await wait_for_file(seen)
        await ours.close()
        await sessions_closed(server)


STUCK_SESSION = """
import json, os, sys, threading
with open(sys.argv[1], "w") as out:
    json.dump({"pid": str(os.getpid())}, out)
threading.Event().wait()  # never reads its input, never quits
"""


async def test_a_stuck_session_is_killed_when_its_tab_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "STOP_SECONDS", 0.5)
    script, seen = tmp_path / "stuck.py", tmp_path / "pid.json"
    script.write_text(STUCK_SESSION)
    command = shlex.join([sys.executable, str(script), str(seen)])
    server = WebServer(command, host="127.0.0.1", port=0, max_sessions=1)
    async with TestClient(TestServer(await server._make_app())) as client:
        tab = await client.ws_connect("/ws")
        pid = int((await wait_for_file(seen))["pid"])
        await tab.close()
        await sessions_closed(server)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
