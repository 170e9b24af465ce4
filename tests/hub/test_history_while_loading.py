"""While the hub still writes past days in bulk (hub/intake/backfill.py), an employee's history that
reaches into them says so (``loading``: until when it is not complete, how far the load is)
instead of passing those days off as days without a call; today's alone needs no such word,
and once the load is done the history says nothing of it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from hub_helpers import auth
from hub_served import TLS
from waiting import until

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.server import HubConfig, running_hub
from ringmon.hub.storage.database import WriteBatch
from ringmon.sources.sim import SimSource


async def test_a_history_says_which_past_days_are_still_loading(
    config: HubConfig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    write = Hub._write_history_until_stored

    async def held(self: Hub, batch: WriteBatch, what: str = "the history") -> None:
        if what == "the history":  # past days; today's range goes through
            entered.set()
            await release.wait()
        await write(self, batch, what)

    monkeypatch.setattr(Hub, "_write_history_until_stored", held)
    source = SimSource(20, seed=3, backfill_days=2)
    async with running_hub(config, clock=clock, sources=[source]) as server:
        hub = server.hub
        assert hub.tokens is not None
        token = hub.tokens.add("alice", "analyst")
        await asyncio.wait_for(entered.wait(), 60)  # today served; the past days held
        employee = sorted(hub.state.employees)[0]
        async with httpx.AsyncClient(base_url=server.url, timeout=10, verify=TLS) as client:

            async def history(period: str) -> dict[str, object]:
                path = f"/v1/employees/{employee}/history?period={period}"
                response = await client.get(path, headers=auth(token))
                assert response.status_code == 200, response.text
                doc: dict[str, object] = response.json()
                return doc

            week = await history("7d")
            loading = week["loading"]
            assert isinstance(loading, dict)
            assert loading["until"] == "2026-03-23T23:00:00Z"  # today's midnight in Warsaw
            assert loading["loaded_days"] < loading["loading_days"] == pytest.approx(2, abs=0.1)
            assert (await history("today"))["loading"] is None
            release.set()
            await until(lambda: hub.history_progress() is None, "the past days loaded", 60)
            assert (await history("7d"))["loading"] is None
