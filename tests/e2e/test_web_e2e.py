"""``ringmon web`` in Debian's headless Chromium, on a real hub with the simulator (R1).

The web server runs as its own process with a valid analyst token in its environment, to show
that no browser session gets it: a new session is asked for a token, a wrong one is refused in
plain words, the analyst's own token opens the board (its header and the simulator's people
reach the page), and with the one allowed session taken the next visitor gets a clear 503.

What the page's terminal shows is read from the bytes it is given: a script installed before
the page loads records what arrives on the page's websocket (the terminal draws on a canvas,
so there is no text in its DOM); escape sequences are stripped before the text is searched.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psutil
import pytest
from chromium_devtools import Page, chromium_page, chromium_path, wait_for

from ringmon.hub.server import HubConfig, HubServer, running_hub

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_path() is None, reason="needs chromium (apt-get install chromium)"),
]

RECORD_TERMINAL = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.__terminal = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string") {
          window.__terminal.push(decoder.decode(event.data, {stream: true}));
        }
      });
    }
  };
})();
"""

ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


async def terminal_text(page: Page, since: int = 0) -> str:
    raw = await page.evaluate(f"(window.__terminal || []).slice({since}).join('')")
    return ESCAPES.sub("", raw or "")


async def terminal_chunks(page: Page) -> int:
    return int(await page.evaluate("(window.__terminal || []).length"))


async def wait_for_text(page: Page, *needles: str, since: int = 0, timeout: float = 60.0) -> str:
    text = ""

    async def shown() -> str | None:
        nonlocal text
        text = await terminal_text(page, since)
        return text if all(n in text for n in needles) else None

    try:
        return str(await wait_for(shown, timeout, f"{needles} on the page"))
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the page showed: {text[-3000:]!r}") from None


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubServer]:
    config = HubConfig(
        data=tmp_path / "data", port=0, sources=["sim"], employees=10, backfill_days=0, tz="UTC"
    )
    async with running_hub(config) as server:
        yield server


@pytest.fixture
async def analyst(hub: HubServer) -> str:
    assert hub.hub.tokens is not None
    return hub.hub.tokens.add("web-analyst", "analyst")


@pytest.fixture
async def web(
    hub: HubServer, analyst: str, tmp_path: Path
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """``ringmon web`` on a free loopback port, one session at most: its URL and process."""
    config = tmp_path / "config.toml"
    config.write_text("")
    env = dict(os.environ, RINGMON_TOKEN=analyst, RINGMON_CONFIG=str(config))
    log = (tmp_path / "web.log").open("wb")
    env.pop("TEXTUAL_DRIVER", None)
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "ringmon", "web", "--url", hub.url),
        *("--port", "0", "--max-sessions", "1"),
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
        env=env,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(60):
            line = (await process.stdout.readline()).decode()
        found = re.search(r"serving the TUI on (http://127\.0\.0\.1:\d+)", line)
        assert found, f"ringmon web said {line!r}: {(tmp_path / 'web.log').read_text()}"
        # Keep reading its output so that it never blocks on a full pipe.
        drain = asyncio.create_task(process.stdout.read())
        yield found.group(1), process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(20):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()
    drain.cancel()


async def test_browser_session_asks_for_its_own_token(
    hub: HubServer, analyst: str, web: tuple[str, asyncio.subprocess.Process]
) -> None:
    url, server = web
    names = [e.name for e in hub.hub.state.employees.values()]
    assert names, "the simulator made no employees"
    async with chromium_page() as page:
        await page.call("Page.enable")
        await page.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_TERMINAL)
        await page.call("Page.navigate", url=url)

        # (a) no token of the server's: the session asks, and a wrong token is refused.
        text = await wait_for_text(page, "Sign in to ringmon", "access token")
        assert not any(name in text for name in names)
        await page.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        await page.type_text("not-a-token")
        await wait_for_text(page, "•" * len("not-a-token"))  # typed, masked, before Enter
        await page.press_enter()
        text = await wait_for_text(
            page, "Access refused: the hub refused the token (401)", "analyst or administrator"
        )
        assert not any(name in text for name in names)

        # The one allowed session is taken: the next visitor is told so plainly.
        async with httpx.AsyncClient() as client:
            full = await client.get(url)
        assert full.status_code == 503
        assert "The one browser session of this ringmon is in use" in full.text

        # (b) the analyst's own token opens the board with the hub's people on it.
        mark = await terminal_chunks(page)
        await page.type_text(analyst)
        await page.press_enter()
        text = await wait_for_text(page, "Employee", since=mark)

        async def someone_shown() -> bool:
            shown = await terminal_text(page, mark)
            return any(name in shown for name in names)

        await wait_for(someone_shown, 60, "an employee of the hub on the board")

        # SIGTERM ends the server and the session's process with it, the page still open.
        sessions = psutil.Process(server.pid).children(recursive=True)
        assert sessions, "no session process under ringmon web"
        server.terminate()
        async with asyncio.timeout(30):
            await server.wait()
        _, alive = await asyncio.to_thread(psutil.wait_procs, sessions, 30)
        assert not alive, f"session processes outlived the server: {alive}"
