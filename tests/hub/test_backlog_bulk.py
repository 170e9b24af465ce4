"""Today up to now, taken in bulk (``Hub.load_backlog``, hub/intake/backfill.py), is stored exactly
as the same events emitted one by one through the live path: the same events and seqs, the
same history links and the same call-log rows; the feed, the history, the call log and a
replay read those tables, so they cannot tell how the events came."""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.intake import backfill
from ringmon.hub.storage.database import WriteBatch
from ringmon.hub.storage.tables import DB_FILE
from ringmon.model.schema import Event
from ringmon.sources.sim import SimSource, simulate
from ringmon.sources.sim.stream import day_start

EMPLOYEES = 40
TABLES = ("events", "event_employee", "calls")


def _rows(folder: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(folder / DB_FILE)
    try:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in TABLES
        }
    finally:
        db.close()


@pytest.mark.parametrize("worker", [False, True], ids=["here", "worker"])
async def test_a_backlog_in_bulk_is_stored_as_if_it_came_live(
    tmp_path: Path, clock: ManualClock, worker: bool
) -> None:
    """Made here or by a worker process (sources/sim/worker.py), the same tables."""
    bulk = Hub(tmp_path / "bulk", tz_name="Europe/Warsaw", clock=clock)
    source = SimSource(EMPLOYEES, seed=3, backfill_days=0, worker=worker)
    await bulk.start([source])
    assert await bulk.wait_caught_up(60)
    await asyncio.wait_for(bulk.range_stored(), 60)  # served first, stored behind (backlog.py)
    await bulk.stop()
    assert source.emitted > 1000 and source.rejected == 0

    live = Hub(tmp_path / "live", tz_name="Europe/Warsaw", clock=clock)
    await live.start([])
    now = clock.now()
    today = simulate(EMPLOYEES, 3, day_start(now, live.tz), now + 0.001, live.tz)
    emitted = 0
    for event in today:
        assert await live.emit(event, source="sim")
        emitted += 1
    await live.stop()

    assert emitted == source.emitted
    stored, expected = _rows(tmp_path / "bulk"), _rows(tmp_path / "live")
    for table in TABLES:
        assert stored[table] == expected[table], table
    assert len(stored["calls"]) > 100 and len(stored["event_employee"]) >= emitted


async def test_a_failing_chunk_leaves_no_write_error_unsaid(
    tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog whose source fails mid-way while a write of it is failing too (a full disk):
    the write's failure is logged by the hub, not left to asyncio's "Future exception was
    never retrieved"; the events taken are written once storage works again."""
    monkeypatch.setattr(backfill, "BACKLOG_BATCH", 100)
    monkeypatch.setattr(backfill, "BACKLOG_CHUNK", 200)
    hub = Hub(tmp_path, tz_name="Europe/Warsaw", clock=clock, flush_interval=0.01)
    hub.open()
    await hub.start()
    assert hub.storage is not None
    real_write, failing = hub.storage.write, [True]

    def write(batch: WriteBatch) -> None:
        if failing[0]:
            raise OSError(28, "No space left on device")
        real_write(batch)

    monkeypatch.setattr(hub.storage, "write", write)
    unretrieved: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, ctx: unretrieved.append(ctx))
    said: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = said.append  # type: ignore[method-assign]
    logging.getLogger("ringmon.hub").addHandler(handler)
    now = clock.now()
    taken = list(simulate(EMPLOYEES, 3, day_start(now, hub.tz), now + 0.001, hub.tz))[:200]

    def events() -> Iterator[Event]:
        yield from taken  # one chunk: its write starts (and fails) as the next is made
        raise RuntimeError("the source broke")

    try:
        with pytest.raises(RuntimeError, match="the source broke"):
            await hub.load_backlog(events(), source="sim")
        for _ in range(1000):
            if any("a part of a backlog" in r.getMessage() for r in said):
                break
            await asyncio.sleep(0.01)
        gc.collect()
        await asyncio.sleep(0)
        assert not unretrieved, unretrieved
        assert any("a part of a backlog" in r.getMessage() for r in said)
        failing[0] = False
        for _ in range(1000):
            if hub.flushed_seq == len(taken):
                break
            await asyncio.sleep(0.01)
        assert hub.storage.count_events() == len(taken)  # nothing lost
    finally:
        logging.getLogger("ringmon.hub").removeHandler(handler)
        await hub.stop()
