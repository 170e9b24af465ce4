"""The web server of ``ringmon web``: textual-serve's, with a session cap and no token to give.

Each browser tab that connects gets its own TUI process (textual-serve's ``AppService``) whose
environment has none of the server's tokens (``SessionService``), so each person signs in with
their own. At most ``max_sessions`` run at once: beyond that the page says so plainly (HTTP
503) instead of starting one more process.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import signal
from asyncio.subprocess import Process
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from ringmon.web.session import session_environment

log = logging.getLogger(__name__)

STOP_SECONDS = 10.0
"""How long a session's process has to quit once its tab is gone."""


class SessionService(AppService):
    """One browser tab's TUI process, started without any token of the server's."""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return session_environment(super()._build_environment(width=width, height=height))

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        """textual-serve's, in a process group of its own: the command runs under a shell,
        and a kill must reach the TUI, not only the shell."""
        self._process = process = await asyncio.create_subprocess_shell(
            self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """textual-serve's (tell the TUI to quit, read its last output), then wait for the
        process to end; one that has not ended within ``STOP_SECONDS`` is killed: no session
        outlives its tab, stuck or not. (A kill, not a cancellation: textual-serve's reader
        swallows cancellations.)"""
        process = self._process
        if process is None:
            await super().stop()
            return
        deadline = asyncio.get_running_loop().call_later(STOP_SECONDS, _kill, process)
        try:
            await super().stop()
            await process.wait()
        finally:
            deadline.cancel()


def _kill(process: Process) -> None:
    if process.returncode is None:
        log.warning("a session's process did not quit within %s s: killed", STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def full_message(max_sessions: int) -> str:
    taken = (
        f"All {max_sessions} browser sessions of this ringmon are"
        if max_sessions > 1
        else "The one browser session of this ringmon is"
    )
    return (
        f"{taken} in use. Close a ringmon tab "
        "(yours or a colleague's) and reload this page, or ask whoever runs `ringmon web` for "
        "more (--max-sessions)."
    )


def full_page(max_sessions: int) -> str:
    text = html.escape(full_message(max_sessions))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>ringmon: sessions full</title>"
        "</head><body style='font-family: monospace; margin: 3em'>"
        f"<h1>ringmon: no free session</h1><p id='full'>{text}</p></body></html>"
    )


def http_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class WebServer(Server):
    """textual-serve's server for ``command``, capped at ``max_sessions`` live sessions."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        max_sessions: int,
        public_url: str | None = None,
        title: str = "ringmon",
    ) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.max_sessions = max_sessions
        self.sessions = 0
        self._sockets: set[web.WebSocketResponse] = set()
        self._fixed_public_url = public_url is not None

    @property
    def full(self) -> bool:
        return self.sessions >= self.max_sessions

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full:
            return web.Response(
                status=503, text=full_page(self.max_sessions), content_type="text/html"
            )
        response: web.StreamResponse = await super().handle_index(request)
        return response

    def same_origin(self, request: web.Request) -> bool:
        """Whether the socket is opened by our own page: a browser sends the page's origin,
        and another site's page (opening ws://127.0.0.1:PORT behind its visitor's back) must
        not take sessions. Clients that send no Origin (not a browser) are let through."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        theirs = urlsplit(origin)
        ours = {request.host.lower(), urlsplit(self.public_url).netloc.lower()}
        return theirs.scheme in ("http", "https") and theirs.netloc.lower() in ours

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's, with the origin check, the cap and ``SessionService`` (its own
        builds the process's environment from the server's)."""
        if not self.same_origin(request):
            log.warning("refused a session opened from %s", request.headers.get("Origin"))
            raise web.HTTPForbidden(text="ringmon web: sessions open from its own page only")
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.full:
            await websocket.send_bytes(f"\r\n{full_message(self.max_sessions)}\r\n".encode())
            await websocket.close(code=1013, message=b"all sessions in use")
            return websocket
        width = _int(request.query.get("width"), 80)
        height = _int(request.query.get("height"), 24)
        self.sessions += 1
        self._sockets.add(websocket)
        log.info("session opened (%d of %d)", self.sessions, self.max_sessions)

        async def close() -> None:
            await websocket.close()

        service = SessionService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
            raise  # the handler's cancellation (aiohttp's shutdown) goes on to its caller
        except Exception:
            log.exception("browser session failed")
        finally:
            with contextlib.suppress(Exception):
                await service.stop()
            self.sessions -= 1
            self._sockets.discard(websocket)
            log.info("session closed (%d of %d)", self.sessions, self.max_sessions)
        return websocket

    async def on_shutdown(self, app: web.Application) -> None:
        """Close the browsers' sockets, so that each session's process is told to quit now
        (aiohttp would otherwise wait for the handlers before cancelling them)."""
        for websocket in list(self._sockets):
            await websocket.close(code=1001, message=b"ringmon web is stopping")

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a banner here; ``serve`` says where it serves instead."""

    def serve(self, debug: bool = False, announce: Callable[[str], None] = print) -> None:
        """Serve until SIGINT or SIGTERM. Binds first, so port 0 means a free port; then the
        page's own URLs and ``announce`` name the port actually bound."""
        self.debug = debug
        self.initialize_logging()
        asyncio.run(self._serve(announce))

    async def _serve(self, announce: Callable[[str], None]) -> None:
        runner = web.AppRunner(await self._make_app(), handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            server = site._server
            sockets = getattr(server, "sockets", None) or []
            if sockets:
                self.port = sockets[0].getsockname()[1]
            if not self._fixed_public_url:
                self.public_url = http_url(self.host, self.port)
            announce(f"ringmon web: serving the TUI on {self.public_url}")
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
