"""Debian's headless Chromium, driven through its DevTools protocol over a websocket.

Only what the browser tests need: start Chromium on a fresh profile, open a page, evaluate
JavaScript, type text and keys. Chromium picks its own DevTools port and writes it to
``DevToolsActivePort`` in the profile folder; the helper waits for that file.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import websockets

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


async def wait_for(
    condition: Callable[[], Awaitable[Any]], timeout: float, what: str, step: float = 0.1
) -> Any:
    """Poll ``condition`` until it returns something truthy; fail saying ``what`` was awaited."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                value = await condition()
                if value:
                    return value
                await asyncio.sleep(step)
    except TimeoutError:
        raise AssertionError(f"waited {timeout} s in vain for {what}") from None


class Page:
    """One page target's DevTools session."""

    def __init__(self, socket: websockets.ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self._socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:  # events (no id) are not subscribed to, but may come: skip them
            message = json.loads(await self._socket.recv())
            if message.get("id") != call_id:
                continue
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            result: dict[str, Any] = message.get("result", {})
            return result

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression!r}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    async def type_text(self, text: str) -> None:
        await self.call("Input.insertText", text=text)

    async def press_enter(self) -> None:
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        await self.call("Input.dispatchKeyEvent", type="keyDown", text="\r", **key)
        await self.call("Input.dispatchKeyEvent", type="keyUp", **key)


@asynccontextmanager
async def chromium_page(timeout: float = 30.0) -> AsyncIterator[Page]:
    """Chromium on a new profile (removed afterwards), and its first page."""
    binary = chromium_path()
    assert binary is not None, "chromium is not installed (apt-get install chromium)"
    profile = Path(tempfile.mkdtemp(prefix="ringmon-chromium-"))
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        active = profile / "DevToolsActivePort"

        async def port_written() -> int | None:
            if process.poll() is not None:
                raise AssertionError(f"chromium exited with {process.returncode}")
            lines = active.read_text().splitlines() if active.exists() else []
            return int(lines[0]) if len(lines) >= 2 else None

        port = await wait_for(port_written, timeout, "chromium's DevTools port")

        async def page_url() -> str | None:
            async with httpx.AsyncClient() as client:
                targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
            pages = [t for t in targets if t.get("type") == "page"]
            return pages[0]["webSocketDebuggerUrl"] if pages else None

        url = await wait_for(page_url, timeout, "chromium's first page")
        async with websockets.connect(url, max_size=None) as socket:
            yield Page(socket)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
