"""The WebSocket feed under any input a client can send (issue 9: fuzz the push API, the
WebSocket and the file source): whatever the query string and whatever the client writes on the
socket, the hub refuses with a 4xx and a sentence, or serves the feed (a heartbeat or a resync);
it never answers 5xx, never closes with an internal error (1011), and goes on serving others."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from hub_helpers import T0, team
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.server import HubConfig, running_hub

INTERNAL_ERROR = 1011


@dataclass
class ThreadHub:
    url: str
    token: str
    hub: Hub


@pytest.fixture(scope="module")
def thread_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadHub]:
    data: Path = tmp_path_factory.mktemp("feed-fuzz") / "data"
    ready: list[ThreadHub] = []
    started = threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        config = HubConfig(data=data, port=0, sources=(), tz="Europe/Warsaw")
        clock = ManualClock(T0.timestamp() + 4 * 3600)
        async with running_hub(config, clock=clock, sources=[]) as server:
            assert server.hub.tokens is not None
            token = server.hub.tokens.add("fuzz", "analyst")
            for event in team():
                assert await server.hub.emit(event, source="setup")
            ready.append(ThreadHub(server.url, token, server.hub))
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(60)
    yield ready[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(60)


numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, 5, 6, 7, 2**63 - 1, 2**63, 2**64, -1]),
).map(str)
query_values = st.one_of(
    numbers,
    st.text(max_size=30),
    st.sampled_from(["", " 3", "3 ", "1e3", "0x10", "1.5", "NaN", "-0", "9" * 5000, "٣"]),
)
queries = st.dictionaries(st.sampled_from(["since", "v", "x", "since[]"]), query_values, max_size=3)
messages = st.lists(
    st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200),
        st.sampled_from(["x" * 70_000, json.dumps({"type": "resync"}), "[" * 10_000]),
    ),
    max_size=3,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(query=queries, sent=messages)
def test_no_query_or_message_breaks_the_feed(
    thread_hub: ThreadHub, query: dict[str, str], sent: list[str | bytes]
) -> None:
    base = thread_hub.url.replace("http://", "ws://", 1) + "/v1/feed"
    url = f"{base}?{urlencode(query)}" if query else base
    headers = {"Authorization": f"Bearer {thread_hub.token}"}
    try:
        with connect(url, additional_headers=headers, open_timeout=30, max_size=None) as ws:
            first = json.loads(_first_not_event(ws))
            assert first["type"] in ("heartbeat", "resync"), first
            for message in sent:
                try:
                    ws.send(message)
                except ConnectionClosed:
                    break
            # Whatever was sent, the feed goes on (or closes with a reason), never a 1011.
            try:
                while True:
                    ws.recv(timeout=0.2)
            except TimeoutError:
                pass
            except ConnectionClosed as closed:
                assert closed.rcvd is None or closed.rcvd.code != INTERNAL_ERROR, closed
    except InvalidStatus as refused:
        status = refused.response.status_code
        assert 400 <= status < 500, (query, status)
        doc = json.loads(refused.response.body or b"{}")
        assert isinstance(doc.get("error"), str) and doc["error"].strip(), doc
    # And the hub serves everyone else as before.
    health = httpx.get(f"{thread_hub.url}/v1/health", timeout=30)
    assert health.status_code == 200


def _first_not_event(ws: ClientConnection) -> str:
    """The first heartbeat or resync (events of a replay come before it)."""
    while True:
        raw = ws.recv(timeout=30)
        assert isinstance(raw, str)
        data = json.loads(raw)
        if isinstance(data, dict) and data.get("type") in ("heartbeat", "resync"):
            return raw
