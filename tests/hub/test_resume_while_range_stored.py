"""A feed client that resumes from a seq the hub's storage does not hold yet (today's backlog
served before it is stored, backlog.py) hears heartbeats while it waits, then gets the
events from where it resumed: the wait is no silence that a client would take for a lost
feed."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from hub_helpers import auth, feed, frames, read_events

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.server import HubConfig, running_hub
from ringmon.hub.storage.database import WriteBatch
from ringmon.sources.sim import SimSource


async def test_a_client_resuming_into_a_range_being_stored_hears_heartbeats(
    config: HubConfig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    write = Hub._write_history_until_stored

    async def held(self: Hub, batch: WriteBatch, what: str = "the history") -> None:
        entered.set()
        await release.wait()
        await write(self, batch, what)

    monkeypatch.setattr(Hub, "_write_history_until_stored", held)
    source = SimSource(40, seed=3, backfill_days=0)
    async with running_hub(config, clock=clock, sources=[source]) as server:
        hub = server.hub
        assert hub.tokens is not None
        token = hub.tokens.add("alice", "analyst")
        await asyncio.wait_for(entered.wait(), 60)  # served, its store held
        assert hub.range_loading
        hub.heartbeat = 0.02
        async with feed(server.url, token, since=0) as ws:
            beats = []
            async for item in frames(ws):
                assert item["type"] == "heartbeat", item  # nothing stored: nothing sent
                beats.append(item)
                if len(beats) == 3:
                    break
            assert all(beat["seq"] == 0 for beat in beats)
            release.set()
            events = await read_events(ws, 5)
            assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]


async def test_health_and_heartbeat_say_loading_while_the_range_is_stored(
    config: HubConfig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What docs/feed-protocol.md says of the range's store: ``/v1/health`` and the heartbeat
    say ``loading`` (today's part, in days) until it is stored, then no more."""
    entered, release = asyncio.Event(), asyncio.Event()
    write = Hub._write_history_until_stored

    async def held(self: Hub, batch: WriteBatch, what: str = "the history") -> None:
        entered.set()
        await release.wait()
        await write(self, batch, what)

    monkeypatch.setattr(Hub, "_write_history_until_stored", held)
    source = SimSource(40, seed=3, backfill_days=0)
    async with running_hub(config, clock=clock, sources=[source]) as server:
        hub = server.hub
        assert hub.tokens is not None
        headers = auth(hub.tokens.add("alice", "analyst"))
        await asyncio.wait_for(entered.wait(), 60)  # served, its store held
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
            health = (await client.get("/v1/health")).json()
        assert health["status"] == "ok"
        assert health["loading"]["loaded_days"] == 0
        assert 0 < health["loading"]["loading_days"] < 1  # today, from midnight to now
        assert hub.heartbeat_fields()["loading"] == health["loading"]
        release.set()
        await asyncio.wait_for(hub.range_stored(), 60)
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
            health = (await client.get("/v1/health")).json()
        assert "loading" not in health
        assert "loading" not in hub.heartbeat_fields()


async def test_health_says_loading_while_a_restart_finishes_a_range_a_stop_cut_short(
    config: HubConfig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub stopped after storing part of the range finishes it at its restart
    (backlog_restart.py): meanwhile ``/v1/health`` and the heartbeat say ``loading``, with
    the part stored before the stop counted as loaded."""
    # Stored in several transactions (a day of 40 employees is a few thousand events).
    monkeypatch.setattr("ringmon.hub.intake.backlog.RANGE_CHUNK", 100)
    monkeypatch.setattr("ringmon.hub.intake.backlog.RANGE_BATCH", 100)
    writes, entered, release = 0, asyncio.Event(), asyncio.Event()
    write = Hub._write_history_until_stored

    async def sixth_held(self: Hub, batch: WriteBatch, what: str = "the history") -> None:
        nonlocal writes
        writes += 1
        if writes == 6:  # past the first hours (the first hundreds are all at midnight)
            entered.set()
            await release.wait()
        await write(self, batch, what)

    monkeypatch.setattr(Hub, "_write_history_until_stored", sixth_held)
    async with running_hub(config, clock=clock, sources=[_sim()]) as server:
        await asyncio.wait_for(entered.wait(), 60)  # five transactions are committed
        assert server.hub.range_loading
    # Stopped there: the rest of the range is not stored.
    entered = asyncio.Event()

    async def first_held(self: Hub, batch: WriteBatch, what: str = "the history") -> None:
        entered.set()
        await release.wait()
        await write(self, batch, what)

    monkeypatch.setattr(Hub, "_write_history_until_stored", first_held)
    async with running_hub(config, clock=clock, sources=[_sim()]) as server:
        hub = server.hub
        assert hub.tokens is not None
        headers = auth(hub.tokens.add("alice", "analyst"))
        await asyncio.wait_for(entered.wait(), 60)  # finishing the range, its store held
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
            health = (await client.get("/v1/health")).json()
        loading = health["loading"]
        assert 0 < loading["loaded_days"] < loading["loading_days"] < 1, health
        assert hub.heartbeat_fields()["loading"] == loading
        release.set()
        await asyncio.wait_for(hub.range_stored(), 60)
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
            health = (await client.get("/v1/health")).json()
        assert "loading" not in health, health


def _sim() -> SimSource:
    """The same source at each start (a restart finishes a range only if made the same)."""
    return SimSource(40, seed=3, backfill_days=0)
