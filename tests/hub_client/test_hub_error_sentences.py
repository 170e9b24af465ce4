"""Issue 11 item 4: one hub client, one sentence per failure.

Each way a hub can fail (nothing listens, the token is refused, its TLS certificate is not
trusted, it answers an error, it answers something this version cannot read) is put into
words once (``ringmon.hub_client.errors``), and the same words reach a supervisor in the feed
banner of the board, in the profile and on ``ringmon export``'s stderr. Every hub here is
real and on loopback: the ringmon hub (refusal, TLS) or a plain HTTP server that answers what
a broken hub would (an error, garbage).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from textual.widgets import Static
from waiting import until

from ringmon.cli import main
from ringmon.config import Settings
from ringmon.feed import tls
from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Connection, HubTime, Link
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, running_hub
from ringmon.hub.serving.access import BAD_TOKEN
from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.screens.context import ContextApp, ScreenContext
from ringmon.screens.profile import ProfileScreen
from ringmon.widgets.summary import feed_state

NOW = 1_774_339_200.0  # 2026-03-24 08:00 UTC


# -- the three places a supervisor reads a failure -------------------------------------------


class Listener:
    """The feed's listener: remembers what the connection became."""

    def __init__(self) -> None:
        self.connections: list[Connection] = []

    def feed_snapshot(self, state: State) -> None:
        raise AssertionError("no hub here serves a snapshot")

    def feed_events(self, events: list[Event], employees: set[str]) -> None:
        raise AssertionError("no hub here serves events")

    def feed_connection(self, connection: Connection) -> None:
        self.connections.append(connection)


async def feed_banner(url: str, token: str) -> tuple[str, str]:
    """The feed client's first report of the failure: (its message, the banner's words)."""
    listener = Listener()
    feed = FeedClient(url, token, UTC, listener, first_delay=0.05, max_delay=0.2)
    task = asyncio.create_task(feed.run())
    try:
        failed = await until(
            lambda: next(
                (c for c in listener.connections if c.link in (Link.RECONNECTING, Link.REFUSED)),
                None,
            ),
            "the feed to report the failure",
            timeout=30,
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return failed.message, feed_state(failed, feed.hub_time.now(), 1.0, UTC).banner


class ProfileOnly(ContextApp):
    """The profile of e1, hosted as ``RingmonApp`` hosts it, on the hub at ``url``."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__()
        hub_time = HubTime(hub_at_sync=NOW, local_at_sync=0.0, monotonic=lambda: 0.0)
        self.context = ScreenContext(
            settings=Settings(),
            state=State(UTC),
            hub_time=hub_time,
            connection=Connection(link=Link.CONNECTED, since=NOW),
            tz=UTC,
            hub_url=url,
            token=token,
        )

    def on_mount(self) -> None:
        self.open_profile("e1")


async def profile_notice(url: str, token: str) -> str:
    app = ProfileOnly(url, token)
    async with app.run_test(size=(140, 40)) as pilot:

        def notice() -> str:
            if not isinstance(app.screen, ProfileScreen):
                return ""
            text = str(app.screen.query_one("#notice", Static).content)
            return text if text.startswith("Could not load") else ""

        return await until(notice, "the profile's notice", timeout=30, poll=pilot.pause)


async def export_error(
    url: str, token: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setenv("RINGMON_TOKEN", token)
    argv = ["export", "stats", "--employee", "e1", "--url", url]
    code = await asyncio.to_thread(main, argv)  # export runs its own loop: off this one
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    return err.removeprefix("ringmon export: ").removesuffix("\n")


async def everywhere(
    url: str, token: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str, str, str]:
    """(the feed's message, the banner, the profile's notice, export's error)."""
    message, banner = await feed_banner(url, token)
    notice = await profile_notice(url, token)
    error = await export_error(url, token, capsys, monkeypatch)
    return message, banner, notice, error


def assert_said_alike(sentence: str, banner: str, notice: str, error: str) -> None:
    assert f"({sentence})" in banner or f"Access refused: {sentence}" in banner, banner
    assert notice == f"Could not load the history: {sentence}. Press r to retry.", notice
    assert error == sentence


@pytest.fixture(autouse=True)
def no_ca_from_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(tls.ENV, raising=False)
    tls.configure(None)
    yield
    tls.configure(None)


# -- hubs that fail -------------------------------------------------------------------------


@contextlib.contextmanager
def answering(status: int, body: bytes) -> Iterator[str]:
    """A plain HTTP server on loopback that answers every GET with ``status`` and ``body``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[str]:
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="UTC")
    async with running_hub(config, clock=ManualClock(NOW), sources=[]) as server:
        yield server.url


@pytest.fixture
async def https_hub(tmp_path: Path) -> AsyncIterator[str]:
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = tmp_path / "hub.pem", tmp_path / "hub.key"
    issued.private_key_pem.write_to_path(str(key))
    cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="UTC")
    config = dataclasses.replace(config, tls_cert=cert, tls_key=key)
    async with running_hub(config, clock=ManualClock(NOW), sources=[]) as server:
        yield server.url


# -- the cases ------------------------------------------------------------------------------


async def test_nothing_listens(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a loopback port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    message, banner, notice, error = await everywhere(url, "t0ken", capsys, monkeypatch)
    assert message == f"cannot reach the hub at {url}: connection refused"
    assert banner.startswith(f"⚠ Feed lost ({message}): reconnecting since ")
    assert_said_alike(message, banner, notice, error)


async def test_the_token_is_refused(
    hub: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    message, banner, notice, error = await everywhere(hub, "not-a-token", capsys, monkeypatch)
    assert message == f"the hub refused the token (401): {BAD_TOKEN}"
    assert banner == f"✖ Access refused: {message}"
    assert_said_alike(message, banner, notice, error)


async def test_the_certificate_is_not_trusted(
    https_hub: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    message, banner, notice, error = await everywhere(https_hub, "t0ken", capsys, monkeypatch)
    assert message.startswith("the hub's TLS certificate is not trusted (")
    assert message.endswith(
        "): pass --ca FILE or set RINGMON_CA to the certificate of the CA that signed it"
    )
    assert_said_alike(message, banner, notice, error)


async def test_the_hub_answers_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"error": "the storage is gone"}).encode()
    with answering(500, body) as url:
        message, banner, notice, error = await everywhere(url, "t0ken", capsys, monkeypatch)
    assert message == "the hub answered 500: the storage is gone"
    assert_said_alike(message, banner, notice, error)


async def test_the_hub_answers_what_this_version_cannot_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with answering(200, b'{"hello": "world"}') as url:
        message, banner, notice, error = await everywhere(url, "t0ken", capsys, monkeypatch)
    cannot_read = "that this version of ringmon cannot read ("
    assert message.startswith(f"the hub at {url} sent a snapshot {cannot_read}"), message
    assert f"({message})" in banner
    # The profile and export both asked for a history: the same sentence, word for word.
    assert error.startswith(f"the hub at {url} sent a history {cannot_read}"), error
    assert notice == f"Could not load the history: {error}. Press r to retry."
