"""A hub whose sources are still replaying history says so in /v1/health and serves no
snapshot until they have caught up: a client's first snapshot is already today's truth."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
from hub_helpers import auth, team
from hub_served import TLS

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, running_hub
from ringmon.model.schema import parse_event
from ringmon.model.state import State
from ringmon.sources.base import Sink, caught_up
from ringmon.sources.sim import SimSource
from ringmon.sources.sim.stream import day_start


class History:
    """A backfilling source: a team's history, then (once the test says so) live."""

    name = "history"
    backfills = True

    def __init__(self) -> None:
        self.replayed = asyncio.Event()
        self.go_live = asyncio.Event()

    async def run(self, sink: Sink) -> None:
        for event in team():
            assert await sink.emit(event, source=self.name)
        self.replayed.set()
        await self.go_live.wait()
        caught_up(sink, self.name)
        await asyncio.Event().wait()  # live, with nothing to say


async def test_snapshot_waits_for_the_history(config: HubConfig, clock: ManualClock) -> None:
    source = History()
    async with running_hub(config, clock=clock, sources=[source]) as server:
        hub = server.hub
        assert hub.tokens is not None
        token = hub.tokens.add("alice", "analyst")
        async with httpx.AsyncClient(base_url=server.url, verify=TLS, timeout=10) as client:
            health = (
                await client.get("/v1/health", headers=auth(token))
            ).json()  # answers while catching up
            assert health["status"] == "starting" and health["catching_up"] == ["history"]
            await source.replayed.wait()
            health = (await client.get("/v1/health", headers=auth(token))).json()
            assert health["loaded_days"] == 0.0 and health["loading_days"] == round(4 / 24, 2)

            hub.catch_up_wait = 0.01
            refused = await client.get("/v1/snapshot", headers=auth(token))
            assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
            assert refused.json() == {
                "error": "the hub is still loading history: 0 of 1 days (from history); "
                "try again shortly"
            }

            hub.catch_up_wait = 10.0
            waiting = asyncio.create_task(client.get("/v1/snapshot", headers=auth(token)))
            source.go_live.set()
            answer = await waiting
            assert answer.status_code == 200
            assert answer.json()["seq"] == 8 and len(answer.json()["employees"]) == 2
            health = (await client.get("/v1/health", headers=auth(token))).json()
            assert health["status"] == "ok" and "catching_up" not in health


async def test_sources_without_history_are_caught_up_at_once(config: HubConfig) -> None:
    async with running_hub(config, sources=[]) as server:
        assert server.hub.is_caught_up
        assert server.hub.health()["status"] == "ok"


async def test_the_simulator_catches_up_at_the_present(
    config: HubConfig, clock: ManualClock
) -> None:
    source = SimSource(employees=3, seed=1, backfill_days=1)
    async with running_hub(config, clock=clock, sources=[source]) as server:
        hub = server.hub
        assert hub.health()["catching_up"] == ["sim"]
        assert await hub.wait_caught_up(30)
        # Every event of today up to now went through the live path, and the next one is in
        # the future; the past day is loaded after, in bulk.
        assert source.emitted > 0 and hub.state.clock <= clock.now()
        first_future = next(
            at for at, _ in source.events(clock.now(), None, hub.tz) if at > clock.now()
        )
        assert first_future > hub.state.clock
        for _ in range(3000):
            if hub.history_progress() is None:
                break
            await asyncio.sleep(0.01)
        assert hub.history_progress() is None and "loading" not in hub.health()
        await hub.flush()
        assert hub.storage is not None
        rows = hub.storage.events_batch(0, None, 10**6)
        midnight = day_start(clock.now(), hub.tz)
        past = [seq for seq, body in rows if json.loads(body)["ts"] < _iso(midnight)]
        today = [seq for seq, _ in rows if seq not in set(past)]
        assert len(today) == source.emitted and past  # yesterday is there too...
        assert max(past) < min(today)  # ...numbered before today: seq order is time order
        times = [json.loads(body)["ts"] for _, body in rows]
        assert times == sorted(times)
        # The stored events, replayed in seq order, apply cleanly and lead to the live state.
        replayed = State(hub.tz)
        for _, body in rows:
            replayed.apply(parse_event(body))
        assert {e.id: e.status for e in replayed.employees.values()} == {
            e.id: e.status for e in hub.state.employees.values()
        }
        assert set(replayed.devices) == set(hub.state.devices)
        assert set(replayed.legs) == set(hub.state.legs)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
