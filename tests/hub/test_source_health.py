"""Source health: a source that cannot reach its PBX makes the hub ``degraded``, named with
since when, in ``/v1/health`` and in the feed's heartbeat (a real hub, real closed ports)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_helpers import auth, feed, next_of_type
from hub_served import TLS

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.sources.base import SourceHealth
from ringmon.sources.kamailio.source import KamailioSource


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(what: str, check: Any, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def pbx_less(
    config: HubConfig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[HubServer, str, list[str]]]:
    monkeypatch.setenv("RINGMON_ARI_PASSWORD", "x")
    monkeypatch.setenv("RINGMON_AMI_SECRET", "y")
    kam, ari, ami = closed_port(), closed_port(), closed_port()
    config.sources = [
        f"kamailio:127.0.0.1:{kam}",
        f"asterisk:ari=http://127.0.0.1:{ari},ami=127.0.0.1:{ami}",
    ]
    async with running_hub(config, clock=clock) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("alice", "analyst")
        yield server, token, [s.name for s in server.hub.sources]


async def test_unreachable_pbx_makes_the_hub_degraded(
    pbx_less: tuple[HubServer, str, list[str]],
) -> None:
    server, token, names = pbx_less
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    hub = server.hub
    await until(
        "both sources unreachable",
        lambda: all(s["state"] == "unreachable" for s in hub.sources_health()),
    )
    async with httpx.AsyncClient(base_url=server.url, verify=TLS) as client:
        health = (await client.get("/v1/health", headers=auth(token))).json()
    assert health["status"] == "degraded"
    by_name = {s["name"]: s for s in health["sources"]}
    assert set(by_name) == set(names)
    for entry in by_name.values():
        assert entry["state"] == "unreachable"
        since = datetime.fromisoformat(entry["since"])
        assert before <= since <= datetime.now(UTC)
        assert entry["detail"]
    assert "evapi" in by_name[names[0]]["detail"]
    assert "127.0.0.1" in by_name[names[0]]["detail"]

    # The feed says so in its heartbeat, every 2 s by default.
    assert hub.heartbeat == 2.0
    hub.heartbeat = 0.05
    async with feed(server.url, token, None) as ws:
        beat = await next_of_type(ws, "heartbeat")
        assert beat["status"] == "degraded"
        assert [s["name"] for s in beat["sources"]] == names
        assert {s["state"] for s in beat["sources"]} == {"unreachable"}
        assert beat["sources"][0]["since"] == by_name[names[0]]["since"]  # since it failed
        assert "loading" not in beat


async def test_a_source_that_reconnects_makes_the_hub_ok_again(
    config: HubConfig, clock: ManualClock
) -> None:
    port = closed_port()
    source = KamailioSource("127.0.0.1", port, rpc_url=None, retry=(0.02, 0.05))
    async with running_hub(config, clock=clock, sources=[source]) as server:
        hub = server.hub
        await until("unreachable", lambda: source.health.state == "unreachable")
        assert hub.status() == "degraded"

        held: list[asyncio.StreamWriter] = []

        async def accept(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            held.append(writer)  # an evapi that says nothing: connected, no events

        pbx = await asyncio.start_server(accept, "127.0.0.1", port)
        try:
            await until("running", lambda: source.health.state == "running")
            assert hub.status() == "ok"
            assert hub.health()["sources"][0]["state"] == "running"
        finally:
            for writer in held:
                writer.close()
            pbx.close()
            await pbx.wait_closed()
        await until("unreachable again", lambda: source.health.state == "unreachable")
        assert hub.status() == "degraded"


def test_source_health_keeps_since_while_the_state_holds() -> None:
    now = [1000.0]
    health = SourceHealth(wall=lambda: now[0])
    health.connecting("trying")
    assert (health.state, health.since) == ("connecting", 1000.0)
    now[0] = 1001.0
    health.unreachable("refused")
    now[0] = 1005.0
    health.connecting("trying again")  # a retry: still unreachable, since the first failure
    health.unreachable("refused again")
    assert (health.state, health.since, health.detail) == ("unreachable", 1001.0, "refused again")
    assert health.as_json("k")["since"] == "1970-01-01T00:16:41Z"
    now[0] = 1010.0
    health.running()
    assert (health.state, health.since, health.detail) == ("running", 1010.0, None)
    with pytest.raises(ValueError, match="unknown source state"):
        health.set("sleepy")


def test_heartbeat_fields_say_loading_while_starting(tmp_path: Path) -> None:
    from ringmon.hub.core import Hub

    hub = Hub(tmp_path, clock=ManualClock(86_400.0 * 20))
    hub.catching_up["sim"] = 86_400.0 * 10
    hub.state.clock = 86_400.0 * 13
    fields = hub.heartbeat_fields()
    assert fields["status"] == "starting"
    assert fields["loading"] == {"loaded_days": 3.0, "loading_days": 10.0}
    health = hub.health()
    assert health["status"] == "starting" and health["loading"] == fields["loading"]


async def test_the_heartbeat_says_starting_and_loading_while_history_replays(
    config: HubConfig, clock: ManualClock
) -> None:
    from test_catch_up import History

    source = History()
    async with running_hub(config, clock=clock, sources=[source]) as server:
        hub = server.hub
        assert hub.tokens is not None
        token = hub.tokens.add("alice", "analyst")
        hub.heartbeat = 0.05
        await source.replayed.wait()
        async with feed(server.url, token, None) as ws:
            beat = await next_of_type(ws, "heartbeat")
            assert beat["status"] == "starting"
            assert beat["loading"] == {"loaded_days": 0.0, "loading_days": round(4 / 24, 2)}
            assert [(s["name"], s["state"]) for s in beat["sources"]] == [("history", "running")]
            source.go_live.set()
            for _ in range(100):
                beat = await next_of_type(ws, "heartbeat")
                if beat["status"] == "ok":
                    break
            assert beat["status"] == "ok" and "loading" not in beat
