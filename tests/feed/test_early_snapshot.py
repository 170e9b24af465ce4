"""The first snapshot asked for at start-up (``ringmon.feed.early_snapshot``), against a real
hub on loopback: the feed takes it instead of asking again and goes on from its seq with
nothing lost; when the thread got nothing usable (a refused token, another zone) the feed asks
as it would without it and says what is wrong in its own words."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from feed_fakehub import Recorder
from test_feed_real_hub import T0, call, team

from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Link
from ringmon.feed.early_snapshot import EarlyResult, EarlySnapshot, start_early_snapshot
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubServer, running_hub


@pytest.fixture(autouse=True)
def no_user_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty config file and no ``RINGMON_*`` variable of the machine the test runs on."""
    config = tmp_path / "config.toml"
    config.write_text("")
    monkeypatch.setenv("RINGMON_CONFIG", str(config))
    for name in ("RINGMON_URL", "RINGMON_TOKEN", "RINGMON_TZ", "TEXTUAL_DRIVER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[HubServer, str]]:
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="Europe/Warsaw")
    async with running_hub(config, clock=ManualClock(T0.timestamp() + 3600), sources=[]) as server:
        assert server.hub.tokens is not None
        yield server, server.hub.tokens.add("alice", "analyst")


def command_line(url: str, token: str, tmp_path: Path, tz: str | None = None) -> argparse.Namespace:
    token_file = tmp_path / "token"
    token_file.write_text(token)
    return argparse.Namespace(url=url, token_file=str(token_file), tz=tz, at=None)


async def fetched(early: EarlySnapshot) -> EarlyResult | None:
    """What the thread got, once it is done (without taking it: the feed takes it)."""
    return await asyncio.wait_for(asyncio.wrap_future(early.future), 10)


async def follow(client: FeedClient) -> asyncio.Task[None]:
    return asyncio.create_task(client.run())


async def test_the_feed_takes_the_early_snapshot_and_goes_on_from_its_seq(
    served: tuple[HubServer, str], tmp_path: Path
) -> None:
    server, token = served
    for event in team(T0):
        assert await server.hub.emit(event, source="t")
    early = start_early_snapshot(command_line(server.url, token, tmp_path))
    assert early is not None
    found = await fetched(early)
    assert found is not None and found.snapshot.seq == 9
    # Events the hub takes after the early snapshot and before the feed starts.
    for event in call(T0, 1):
        assert await server.hub.emit(event, source="t")
    rec = Recorder()
    client = FeedClient(server.url, token, None, rec, first_delay=0.05, early=early)
    task = await follow(client)
    try:
        await rec.wait_for(lambda: client.state is not None and client.state.seq == 12)
        # The early state itself, with the later events applied to it: no second snapshot.
        assert rec.snapshots == [found.snapshot.state]
        assert rec.snapshot_seqs == [9]
        assert rec.applied_seqs == [10, 11, 12]
        assert client.counters.snapshots == 1
        assert client.connection.link is Link.CONNECTED
        # The hub's clock went on from the snapshot's.
        assert client.hub_time.now() >= found.snapshot.now
        # Given once: nothing holds the first state after the feed has taken it.
        assert await early.result() is None
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_refused_early_snapshot_leaves_the_feed_to_say_so(
    served: tuple[HubServer, str], tmp_path: Path
) -> None:
    server, _ = served
    early = start_early_snapshot(command_line(server.url, "not-a-token", tmp_path))
    assert early is not None
    assert await fetched(early) is None
    rec = Recorder()
    client = FeedClient(server.url, "not-a-token", None, rec, first_delay=0.05, early=early)
    await asyncio.wait_for(client.run(), 10)  # returns: the token is refused for good
    assert client.connection.link is Link.REFUSED
    assert "token" in client.connection.message.lower()


async def test_an_early_snapshot_in_another_zone_is_not_taken(
    served: tuple[HubServer, str], tmp_path: Path
) -> None:
    server, token = served
    for event in team(T0):
        assert await server.hub.emit(event, source="t")
    early = start_early_snapshot(command_line(server.url, token, tmp_path, tz="Asia/Tokyo"))
    assert early is not None
    found = await fetched(early)
    assert found is not None and found.tz == ZoneInfo("Asia/Tokyo")
    rec = Recorder()
    client = FeedClient(server.url, token, ZoneInfo("Europe/Warsaw"), rec, early=early)
    task = await follow(client)
    try:
        await rec.wait_for(lambda: client.connection.link is Link.CONNECTED)
        assert len(rec.snapshots) == 1 and rec.snapshots[0] is not found.snapshot.state
        assert rec.snapshots[0].tz == ZoneInfo("Europe/Warsaw")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_nothing_is_asked_early_for_a_moment_in_the_past(tmp_path: Path) -> None:
    args = command_line("http://127.0.0.1:9", "t", tmp_path)
    args.at = "14:05"
    assert start_early_snapshot(args) is None


async def test_a_hub_that_is_not_there_leaves_no_early_snapshot(tmp_path: Path) -> None:
    early = EarlySnapshot(command_line("http://127.0.0.1:9", "t", tmp_path))
    early.start()
    assert await asyncio.wait_for(early.result(), 10) is None
