"""The board's rows stay true through the real feed path: a real hub on loopback, the real
feed client, and the board model updated only for the employees each batch touched (as the
App does).

The stuck row: an account changes hands while a call rings on it, then it is removed. The
call ends with the account, and the ringing belonged to the old owner (a leg keeps the
employee who owned the account when it rang): the feed named only the account's owner at
the time of the removal, so the old owner's row kept showing "ringing" for ever.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from waiting import until

from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Connection
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.model.board import Board
from ringmon.model.board_rows import Row, build_rows
from ringmon.model.schema import (
    AccountRemove,
    AccountUpsert,
    CallRing,
    DeviceStatus,
    EmployeeUpsert,
    Event,
)
from ringmon.model.state import State

T0 = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)


@dataclass
class BoardListener:
    """A FeedListener that keeps a board the way the App and the board screen do: a snapshot
    rebuilds every row, a batch of events rebuilds the rows of the employees it touched."""

    board: Board = field(default_factory=Board)
    state: State | None = None

    def feed_snapshot(self, state: State) -> None:
        self.state = state
        self.board.reset(r for r in build_rows(state).values() if r is not None)

    def feed_events(self, events: list[Event], employees: set[str]) -> None:
        assert self.state is not None
        self.board.update(build_rows(self.state, employees, self.board.rows))

    def feed_connection(self, connection: Connection) -> None:
        pass


def shown(row: Row) -> tuple[object, ...]:
    return (row.status, row.since, row.ringing_since, row.devices)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[HubServer, str]]:
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="Europe/Warsaw")
    async with running_hub(config, clock=ManualClock(T0.timestamp() + 3600), sources=[]) as hub:
        assert hub.hub.tokens is not None
        yield hub, hub.hub.tokens.add("alice", "analyst")


@asynccontextmanager
async def following(url: str, token: str) -> AsyncIterator[tuple[FeedClient, BoardListener]]:
    listener = BoardListener()
    client = FeedClient(url, token, None, listener, first_delay=0.05, max_delay=1.0)
    task = asyncio.create_task(client.run())
    try:
        yield client, listener
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_a_ringing_account_that_changes_hands_then_goes_leaves_no_row_ringing(
    served: tuple[HubServer, str],
) -> None:
    server, token = served
    start: list[Event] = [
        EmployeeUpsert(ts=at(0), id="anna", name="Anna Nowak"),
        EmployeeUpsert(ts=at(0), id="jan", name="Jan Kowalski"),
        AccountUpsert(ts=at(0), login="sip1", number="101", employee="anna"),
        DeviceStatus(ts=at(1), account="sip1", device="d1", user_agent="MicroSIP", status="online"),
    ]
    for event in start:
        assert await server.hub.emit(event, source="t")
    async with following(server.url, token) as (client, listener):
        await until(lambda: client.state is not None and client.state.seq == len(start))
        live: list[Event] = [
            CallRing(
                ts=at(10), call="c1", leg="c1/sip1", account="sip1", device="d1", direction="in"
            ),
            AccountUpsert(ts=at(12), login="sip1", number="101", employee="jan"),
            AccountRemove(ts=at(14), login="sip1"),
        ]
        # One event at a time, each applied before the next is sent: in one batch the change
        # of hands would name the old owner for the batch, and hide the fault.
        for n, event in enumerate(live, start=len(start) + 1):
            assert await server.hub.emit(event, source="t")
            await until(lambda n=n: client.state is not None and client.state.seq == n)
            if n == len(start) + 1:
                assert listener.board.rows["anna"].ringing
        # Every row on the board is the row the state gives now.
        state = client.state
        assert state is not None and not state.legs and not state.ringing("anna")
        assert not listener.board.rows["anna"].ringing, "anna's row is stuck on ringing"
        assert listener.board.summary(0, 0, 0).ringing == 0
        truth = {k: v for k, v in build_rows(state).items() if v is not None}
        assert {k: shown(v) for k, v in listener.board.rows.items()} == {
            k: shown(v) for k, v in truth.items()
        }
