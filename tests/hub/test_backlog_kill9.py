"""A real hub process (``ringmon hub --source sim``) serves today's backlog before it is stored
(hub/intake/backlog.py); killed with SIGKILL while it stores it, the restarted hub finishes the
range with the seqs it had: what a client saw at the snapshot's seq is what storage holds, the same
events, history links and call-log rows as a run that was not interrupted (the simulator's stream
taken through the live path's ledger), and seq order is time order."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hub_helpers import auth
from hub_process import spawn_hub
from hub_served import TLS

from ringmon.hub.intake.backlog import BACKLOG_KEY
from ringmon.hub.intake.ledger import Ledger
from ringmon.hub.serving.tokens import TokenStore
from ringmon.hub.storage.database import WriteBatch
from ringmon.hub.storage.tables import DB_FILE
from ringmon.model.schema import dump_event, with_seq_ts
from ringmon.model.state import State
from ringmon.model.wire import to_dt
from ringmon.sources.sim.roster import build_roster
from ringmon.sources.sim.stream import timed_events

EMPLOYEES = 600
WAIT = 240.0
"""Bound of every wait (s): imports alone take seconds on a loaded machine."""


def _evening_zone() -> str:
    """A fixed-offset zone where it is evening now: today's backlog is most of a day (some
    60,000 events at 600 employees, stored in several transactions), whatever the hour."""
    hour = datetime.now(UTC).hour
    offset = (21 - hour + 12) % 24 - 12  # local hour 21 (or 20 after a wrap)
    # Etc/GMT-N is N hours EAST of UTC (POSIX sign).
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


async def _start(data: Path, tz: str, log: Path) -> tuple[asyncio.subprocess.Process, str]:
    return await spawn_hub(
        data,
        "--tz",
        tz,
        "--source",
        "sim",
        "--employees",
        str(EMPLOYEES),
        "--seed",
        "1",
        "--backfill-days",
        "1",
        log=log,
        wait=WAIT,
    )


def _meta(data: Path) -> dict[str, Any] | None:
    """The range's progress as committed (read-only, as any WAL reader may)."""
    try:
        db = sqlite3.connect(f"file:{data / DB_FILE}?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (BACKLOG_KEY,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    saved: dict[str, Any] | None = None if row is None else json.loads(row[0])
    return saved


def _expected(tz: str, start: float, items: int, first: int) -> dict[str, list[Any]]:
    """The rows an uninterrupted hub stores for the range: the simulator's stream from
    ``start`` through the live path's ledger, numbered from ``first``."""
    state, ledger, batch = State(ZoneInfo(tz)), Ledger(), WriteBatch()
    stream = timed_events(
        build_roster(EMPLOYEES, 1), 1, ZoneInfo(tz), start=start, condense_offline=True
    )
    seq = first - 1
    for _, event in stream:
        if seq - first + 1 >= items:
            break
        pre = ledger.before(state, event)
        at = state.apply(event)
        seq += 1
        body = dump_event(with_seq_ts(event, seq, to_dt(at)))
        batch.events.append((seq, at, event.type, body))
        ledger.after(state, event, seq, pre, batch)
        if len(batch.legs) > 5000:
            batch.seal()
    batch.seal()
    return {
        "events": [(s, ts, body) for s, ts, _, body in batch.events],
        "links": sorted((s, e) for e, s in batch.links),
        # What a leg's row is from its ring on (its answer and end may come after the range).
        "calls": sorted((*row[:4], *row[5:9]) for row in batch.calls.values()),
    }


def _stored(data: Path, first: int, last: int) -> dict[str, list[Any]]:
    db = sqlite3.connect(data / DB_FILE)
    try:
        events = db.execute(
            "SELECT seq, ts, body FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq",
            (first, last),
        ).fetchall()
        links = db.execute(
            "SELECT seq, employee FROM event_employee WHERE seq BETWEEN ? AND ? ORDER BY 1, 2",
            (first, last),
        ).fetchall()
        times = [ts for (ts,) in db.execute("SELECT ts FROM events ORDER BY seq")]
        calls = db.execute(
            "SELECT id, leg, call, account, employee, direction, remote, ring_at FROM calls "
            "ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    assert times == sorted(times)  # seq order is time order, past days and today
    return {
        "events": [(s, ts, body) for s, ts, body in events],
        "links": [(s, e) for s, e in links],
        "calls": [tuple(row) for row in calls],
    }


async def test_kill_9_while_the_served_backlog_is_stored_then_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    log = tmp_path / "hub.log"
    tz = _evening_zone()
    token = TokenStore(data).add("alice", "analyst")
    process, url = await _start(data, tz, log)
    try:
        async with httpx.AsyncClient(
            base_url=url, verify=TLS, headers=auth(token), timeout=60
        ) as client:
            snapshot: dict[str, Any] = {}
            for _ in range(int(WAIT / 0.05)):
                answer = await client.get("/v1/snapshot")
                if answer.status_code == 200:
                    snapshot = answer.json()
                    break
                await asyncio.sleep(0.05)
            assert len(snapshot.get("employees", ())) == EMPLOYEES, log.read_text()
            health = (await client.get("/v1/health")).json()
            assert "loading" in health  # stored behind the rows
        # Killed as soon as a part of the range is committed, not all.
        cut: dict[str, Any] | None = None
        for _ in range(int(WAIT / 0.02)):
            cut = _meta(data)
            if cut is not None and cut["next"] > cut["first"]:
                break
            await asyncio.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 30)
    assert cut is not None, log.read_text()
    assert not cut["done"], "the range was stored before the kill: nothing to resume"
    assert cut["last"] == snapshot["seq"]  # the range is what the snapshot showed

    process, url = await _start(data, tz, log)
    try:
        async with httpx.AsyncClient(
            base_url=url, verify=TLS, headers=auth(token), timeout=60
        ) as client:
            health = {}
            for _ in range(int(WAIT / 0.1)):
                health = (await client.get("/v1/health")).json()
                if health["status"] == "ok" and "loading" not in health:
                    break
                await asyncio.sleep(0.1)
            assert health["status"] == "ok" and "loading" not in health, health
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), WAIT) == 0

    saved = _meta(data)
    assert saved is not None and saved["done"] is True, saved
    first, last = saved["first"], saved["last"]
    stored = _stored(data, first, last)
    day_start = float(_key_start(saved["key"]))
    expected = _expected(tz, day_start, saved["items"], first)
    assert len(stored["events"]) == last - first + 1 == len(expected["events"])
    assert stored["events"] == expected["events"]  # the seqs the snapshot showed, the same events
    assert stored["links"] == expected["links"]  # every employee's history
    # The call log: the range's legs first (the past days' rows are numbered after them).
    assert stored["calls"][: len(expected["calls"])] == expected["calls"]


def _key_start(key: str) -> str:
    """The range's start in its key (``employees/seed/tz/start/condensed``)."""
    return key.split("/")[-2]
