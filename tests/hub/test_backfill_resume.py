"""The simulator's past days, loaded in bulk after today (hub/intake/backfill.py), survive a stop of
the hub in the middle of the load: the restarted hub drops the day it was in and finishes
the load from that day's midnight, into the seqs kept for it. Every past day is there once,
and seq order is time order."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.intake import backfill
from ringmon.hub.intake.backfill import HISTORY_KEY
from ringmon.hub.server import HubConfig, running_hub
from ringmon.hub.storage.tables import DB_FILE
from ringmon.model.schema import parse_event
from ringmon.model.state import State
from ringmon.sources.sim import SimSource
from ringmon.sources.sim.stream import day_start, timed_events

EMPLOYEES = 30
DAYS = 3


async def _until(check: object, what: str, seconds: float = 120.0) -> None:
    """Poll ``check()`` every turn of the event loop (a load yields between chunks), for at
    most ``seconds``: a bound in time, not in turns, since the simulator's worker process
    makes the stream on the other core at whatever pace a loaded machine gives it."""
    assert callable(check)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    turn = 0
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"never: {what} (within {seconds:.0f} s)")
        turn += 1
        await asyncio.sleep(0 if turn % 100 else 0.001)


def _history_meta(folder: Path) -> dict[str, Any]:
    db = sqlite3.connect(folder / DB_FILE)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (HISTORY_KEY,)).fetchone()
    finally:
        db.close()
    saved: dict[str, Any] = json.loads(row[0])
    return saved


def _stored(hub: Hub) -> list[tuple[int, str]]:
    assert hub.storage is not None
    return hub.storage.events_batch(0, None, 10**7)


@pytest.mark.parametrize("worker", [False, True], ids=["here", "worker"])
async def test_a_hub_stopped_mid_history_finishes_it_after_a_restart(
    config: HubConfig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, worker: bool
) -> None:
    # Commits of 500 events (10,000 in the hub): a small staff's load is cut after some.
    monkeypatch.setattr(backfill, "HISTORY_BATCH", 500)
    # Past a day, with a batch committed, the writes wait (until the stop cancels them): the
    # load cannot run to its end while the test stops the hub, however slow the machine.
    write = Hub._write_history
    written = 0

    async def held_write(hub: Hub, batch: Any) -> None:
        nonlocal written
        progress = hub.history_progress()
        if written >= 1 and progress is not None and progress[0] >= 1.0:
            await asyncio.Event().wait()
        await write(hub, batch)
        written += 1

    monkeypatch.setattr(Hub, "_write_history", held_write)
    async with running_hub(
        config,
        clock=clock,
        sources=[SimSource(EMPLOYEES, seed=1, backfill_days=DAYS, worker=worker)],
    ) as server:
        hub = server.hub

        def mid_way() -> bool:
            progress = hub.history_progress()
            return progress is not None and 1.0 <= progress[0] < progress[1] - 0.5

        await _until(mid_way, "the load half-way")
        loaded_before = hub.history_progress()
        assert loaded_before is not None
        # The hub stops here (leaving the block): the load is cancelled half-way.
    monkeypatch.setattr(Hub, "_write_history", write)
    assert hub.storage is None
    assert loaded_before[0] < DAYS - 0.5
    committed = _history_meta(config.data)
    assert 1 < committed["next"] < committed["upto"] and not committed["done"]

    source = SimSource(EMPLOYEES, seed=1, backfill_days=DAYS, worker=worker)
    async with running_hub(config, clock=clock, sources=[source]) as server:
        hub = server.hub
        progress = hub.history_progress()
        assert progress is not None and progress[0] == int(progress[0])  # from a midnight
        await _until(lambda: hub.history_progress() is None, "the load finished")
        assert "loading" not in hub.health()
        await hub.flush()
        rows = _stored(hub)
        assert hub.storage is not None
        saved = json.loads(hub.storage.meta(HISTORY_KEY) or "{}")
        assert saved["done"] is True

        # Every past day once, as the simulator makes it; numbered before today.
        midnight = day_start(clock.now(), hub.tz)
        start = source.backfill_start(clock.now(), hub.tz)
        events = [(seq, parse_event(body)) for seq, body in rows]
        past = [(seq, e) for seq, e in events if e.ts.timestamp() < midnight]
        today = [seq for seq, e in events if e.ts.timestamp() >= midnight]
        assert max(seq for seq, _ in past) < min(today)
        expected = Counter(
            (e.type, getattr(e, "leg", None), e.ts)
            for _, e in timed_events(source.roster, 1, hub.tz, start=start, end=midnight)
            if e.type.startswith("call.")
        )
        got = Counter(
            (e.type, getattr(e, "leg", None), e.ts) for _, e in past if e.type.startswith("call.")
        )
        assert got == expected  # no call twice, none missing
        days = {datetime.fromtimestamp(e.ts.timestamp(), hub.tz).date() for _, e in past}
        assert len(days) == DAYS
        # Seq order is time order, and the stored events apply again in that order.
        times = [e.ts for _, e in events]
        assert times == sorted(times)
        replayed = State(hub.tz)
        for _, event in events:
            replayed.apply(event)
        assert set(replayed.legs) == set(hub.state.legs)
        # The call log: one row per leg, once.
        calls = hub.storage.calls_page(None, start, midnight, 10**6, None)
        legs = [row[1] for row in calls]
        assert len(legs) == len(set(legs)) == expected_rings(expected)


def expected_rings(expected: Counter[tuple[str, str | None, object]]) -> int:
    return sum(n for (kind, _, _), n in expected.items() if kind == "call.ring")


async def test_a_reservation_with_nothing_stored_is_forgotten(
    config: HubConfig, clock: ManualClock, tmp_path: Path
) -> None:
    """A hub stopped before anything was committed starts afresh (its seqs from 1)."""
    async with running_hub(config, clock=clock, sources=[]) as server:
        hub = server.hub
        assert hub.reserve_history(1000, start=clock.now() - 86_400, end=clock.now())
        hub.drop_history()
    async with running_hub(config, clock=clock, sources=[]) as server:
        hub = server.hub
        assert hub.seq == 0 and hub.history_progress() is None
        assert hub.reserve_history(10, start=clock.now() - 86_400, end=clock.now())
