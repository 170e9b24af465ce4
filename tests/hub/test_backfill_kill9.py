"""A real hub process (``ringmon hub --source sim``) killed with SIGKILL while it writes the
past days in bulk (hub/intake/backfill.py) finishes them after a restart: every past day is there,
each call once, and seq order is time order."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hub_helpers import auth
from hub_process import spawn_hub
from hub_served import TLS

from ringmon.hub.intake.backfill import HISTORY_KEY
from ringmon.hub.serving.tokens import TokenStore
from ringmon.hub.storage.tables import DB_FILE
from ringmon.model.schema import parse_event
from ringmon.sources.sim.roster import build_roster
from ringmon.sources.sim.stream import timed_events

TZ = "Europe/Warsaw"
EMPLOYEES = 300
DAYS = 3
WAIT = 240.0
"""Bound of every wait (s): imports alone take seconds on a loaded machine."""


async def _start(data: Path) -> tuple[asyncio.subprocess.Process, str]:
    return await spawn_hub(
        data,
        "--tz",
        TZ,
        "--source",
        "sim",
        "--employees",
        str(EMPLOYEES),
        "--seed",
        "1",
        "--backfill-days",
        str(DAYS),
        wait=WAIT,
    )


def _history_meta(data: Path) -> dict[str, Any] | None:
    """The load's progress as committed (read-only, as any WAL reader may)."""
    try:
        db = sqlite3.connect(f"file:{data / DB_FILE}?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (HISTORY_KEY,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    saved: dict[str, Any] | None = None if row is None else json.loads(row[0])
    return saved


async def test_kill_9_mid_history_then_restart_finishes_every_day(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = TokenStore(data).add("alice", "analyst")
    process, _ = await _start(data)
    try:
        # Killed as soon as a part of the past days is committed, not all.
        for _ in range(int(WAIT / 0.02)):
            saved = _history_meta(data)
            if saved is not None and saved["next"] > 1:
                break
            await asyncio.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 30)
    cut = _history_meta(data)
    assert cut is not None and cut["next"] > 1
    assert not cut["done"], "the load ended before the kill: nothing to resume"

    process, url = await _start(data)
    try:
        async with httpx.AsyncClient(
            base_url=url, verify=TLS, headers=auth(token), timeout=60
        ) as client:
            health: dict[str, Any] = {}
            for _ in range(int(WAIT / 0.1)):
                health = (await client.get("/v1/health")).json()
                if health["status"] == "ok" and "loading" not in health:
                    break
                await asyncio.sleep(0.1)
            assert health["status"] == "ok" and "loading" not in health, health
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), WAIT) == 0

    saved = _history_meta(data)
    assert saved is not None and saved["done"] is True
    db = sqlite3.connect(data / DB_FILE)
    try:
        rows = db.execute("SELECT seq, ts, body FROM events ORDER BY seq").fetchall()
        calls = db.execute("SELECT leg FROM calls WHERE ring_at < ?", (saved["end"],)).fetchall()
    finally:
        db.close()
    times = [ts for _, ts, _ in rows]
    assert times == sorted(times)  # seq order is time order
    tz = ZoneInfo(TZ)
    past = [parse_event(body) for _, ts, body in rows if ts < saved["end"]]
    assert all(seq <= saved["upto"] for seq, ts, _ in rows if ts < saved["end"])
    days = {datetime.fromtimestamp(e.ts.timestamp(), tz).date() for e in past}
    assert len(days) == DAYS
    expected = Counter(
        (e.type, getattr(e, "leg", None), e.ts)
        for _, e in timed_events(
            build_roster(EMPLOYEES, 1), 1, tz, start=saved["start"], end=saved["end"]
        )
        if e.type.startswith("call.")
    )
    got = Counter(
        (e.type, getattr(e, "leg", None), e.ts) for e in past if e.type.startswith("call.")
    )
    assert got == expected  # every call of every past day, once
    rings = sum(n for (kind, _, _), n in expected.items() if kind == "call.ring")
    legs = [leg for (leg,) in calls]
    assert len(legs) == len(set(legs)) == rings  # the call log too
