"""Today up to now, taken in bulk (``Hub.load_backlog``, hub/backfill.py), is stored exactly
as the same events emitted one by one through the live path: the same events and seqs, the
same history links and the same call-log rows; the feed, the history, the call log and a
replay read those tables, so they cannot tell how the events came."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.tables import DB_FILE
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
