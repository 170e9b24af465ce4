"""Nothing leaves the hub before it is committed: the feed and the snapshot serve only stored
events, so a hub killed before a commit (SIGKILL) never gives a seq a client has seen to a
different event after its restart."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest
from hub_helpers import auth, calls, device, feed, frames, read_events, team
from hub_served import TLS, Served
from websockets.asyncio.client import ClientConnection

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.server import HubConfig, running_hub
from ringmon.hub.storage.database import WriteBatch


class HeldWrites:
    """Storage writes that wait in their thread until the test releases them (and then
    commit, or fail as a process killed before its commit would)."""

    def __init__(self, hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
        assert hub.storage is not None
        self.real = hub.storage.write
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail = False
        monkeypatch.setattr(hub.storage, "write", self)

    def __call__(self, batch: WriteBatch) -> None:
        self.entered.set()
        assert self.release.wait(10), "the test never released the write"
        if self.fail:
            raise OSError("killed before the commit")
        self.real(batch)

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, 10)


async def events_until_beat_at(ws: ClientConnection, now: str) -> list[dict[str, Any]]:
    """Events received before the first heartbeat reading ``now`` (sent after that time)."""
    got: list[dict[str, Any]] = []
    async for item in frames(ws):
        if item["type"] == "heartbeat":
            if item["now"] == now:
                return got
        else:
            assert item["type"] != "resync", item
            got.append(item)
    raise AssertionError("the feed closed")


async def test_events_reach_feed_and_snapshot_only_once_stored(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = served.hub
    hub.heartbeat = 0.02
    for event in team():
        assert await hub.emit(event, source="t")
    await hub.flush()
    async with feed(served.url, served.token, since=0) as ws, hub.subscription() as spy:
        assert [e["seq"] for e in await read_events(ws, 8)] == list(range(1, 9))
        held = HeldWrites(hub, monkeypatch)
        for event in calls(1):  # seqs 9..11, numbered and applied, not stored
            assert hub.accept(event, source="t")
        flushing = asyncio.create_task(hub.flush())
        await held.wait_entered()  # the commit is in its thread, held
        snapshot = asyncio.create_task(
            served.client.get("/v1/snapshot", headers=auth(served.token))
        )
        served.clock.advance(60)
        assert await events_until_beat_at(ws, "2026-03-24T11:01:00Z") == []
        assert not spy.frames and not snapshot.done()
        held.release.set()
        await flushing
        # One frame for the committed batch, every event of it already in storage.
        while True:
            data = json.loads(await ws.recv())
            if isinstance(data, list):
                break
            assert data["type"] == "heartbeat"
        assert [e["seq"] for e in data] == [9, 10, 11]
        assert hub.storage is not None and hub.storage.last_seq() == 11
        assert [(f.first, f.last) for f in spy.frames] == [(9, 11)]  # encoded once
        answer = await snapshot
        assert answer.status_code == 200 and answer.json()["seq"] == 11
    assert spy not in hub.subscribers  # the block's end unsubscribed it


async def test_a_killed_hub_never_reuses_a_seq_a_client_has_seen(
    config: HubConfig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[int, dict[str, Any]] = {}
    async with running_hub(config, clock=clock, sources=[]) as first:
        hub = first.hub
        assert hub.tokens is not None
        token = hub.tokens.add("alice", "analyst")
        hub.heartbeat = 0.02
        for event in team():
            assert await hub.emit(event, source="t")
        await hub.flush()
        async with feed(first.url, token, since=0) as ws:
            seen |= {e["seq"]: e for e in await read_events(ws, 8)}
            held = HeldWrites(hub, monkeypatch)
            for event in calls(2):  # seqs 9..14: applied, numbered, the commit never comes
                assert hub.accept(event, source="t")
            flushing = asyncio.create_task(hub.flush())
            await held.wait_entered()
            async with httpx.AsyncClient(base_url=first.url, verify=TLS) as client:
                snapshot = asyncio.create_task(client.get("/v1/snapshot", headers=auth(token)))
                clock.advance(60)
                seen |= {
                    e["seq"]: e for e in await events_until_beat_at(ws, "2026-03-24T11:01:00Z")
                }
                # SIGKILL: the commit fails, and what was only in memory is gone.
                held.fail = True
                held.release.set()
                with pytest.raises(OSError):
                    await flushing
                hub._pending = WriteBatch()
                hub._since_checkpoint = 0
                answer = await snapshot  # a snapshot of uncommitted events is refused
                assert answer.status_code == 503 and "cannot store" in answer.json()["error"]
    assert max(seen) == 8

    async with running_hub(config, clock=clock, sources=[]) as second:
        assert second.hub.seq == 8
        others = [device(900 + n, "sip201", "c1", ("offline", "online")[n % 2]) for n in range(6)]
        for event in others:  # different events now take seqs 9..14
            assert await second.hub.emit(event, source="t")
        async with feed(second.url, token, since=max(seen)) as ws:
            resumed = await read_events(ws, 14)
        assert [e["seq"] for e in resumed] == list(range(9, 15))
        seen |= {e["seq"]: e for e in resumed}
        assert second.hub.storage is not None
        stored = dict(second.hub.storage.events_batch(0, None, 100))
    # Everything the client saw, across the kill, is exactly what the store holds.
    assert {seq: json.loads(body) for seq, body in stored.items()} == seen
