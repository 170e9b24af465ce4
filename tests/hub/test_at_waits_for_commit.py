"""A history or call log ``?at=`` asked right after events were accepted answers from them:
the query waits for their commit before it reads storage (whom it knows, what it keeps),
instead of answering 404 or 410 from a store that is one flush behind the hub."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from hub_helpers import auth, team
from hub_served import Served
from test_commit_then_send import HeldWrites

from ringmon.hub.core import Hub

NOW = "2026-03-24T11:00:00Z"  # the clock fixture's 12:00 in Warsaw


class WaitSpy:
    """Sets ``waiting`` once a query waits for a commit the hub has not made yet."""

    def __init__(self, hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real: Callable[[int], Awaitable[None]] = hub.wait_flushed
        self.hub = hub
        self.waiting = asyncio.Event()
        monkeypatch.setattr(hub, "wait_flushed", self)

    async def __call__(self, seq: int) -> None:
        if seq > self.hub.flushed_seq:
            self.waiting.set()
        await self.real(seq)


async def answer_after_commit(
    served: Served, monkeypatch: pytest.MonkeyPatch, path: str
) -> httpx.Response:
    """``path`` asked while the team's events are applied and their commit is held; the
    commit released once the query either answered or waits for it."""
    hub = served.hub
    held = HeldWrites(hub, monkeypatch)
    spy = WaitSpy(hub, monkeypatch)
    for event in team():
        assert hub.accept(event, source="t")
    flushing = asyncio.create_task(hub.flush())
    await held.wait_entered()
    asked = asyncio.create_task(served.client.get(path, headers=auth(served.token)))
    waiting = asyncio.create_task(spy.waiting.wait())
    await asyncio.wait({asked, waiting}, return_when=asyncio.FIRST_COMPLETED)
    held.release.set()
    await flushing
    waiting.cancel()
    return await asked


async def test_history_at_a_moment_waits_for_the_commit(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = await answer_after_commit(served, monkeypatch, f"/v1/employees/e1/history?at={NOW}")
    assert response.status_code == 200, response.text
    assert response.json()["employee"]["id"] == "e1"


async def test_call_log_at_a_moment_waits_for_the_commit(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = await answer_after_commit(served, monkeypatch, f"/v1/calls?at={NOW}")
    assert response.status_code == 200, response.text
    assert response.json()["calls"] == []
