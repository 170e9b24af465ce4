"""Exactly once from files: a real hub process (``ringmon hub --source file:PATH --follow``)
killed with SIGKILL again and again while it reads stores every line of the file once: none
twice, none lost (the source's position is committed with the events it produced)."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
from hub_process import spawn_hub
from hub_served import TLS

LINES = 16_000
KILLS = 8
BAD_EVERY = 97  # a garbage line now and then: rejected lines are also read once


async def _start(data: Path, source: Path) -> tuple[asyncio.subprocess.Process, str]:
    return await spawn_hub(data, "--source", f"file:{source}", "--follow", "--tz", "UTC", wait=60)


async def _seq(client: httpx.AsyncClient) -> int:
    return int((await client.get("/v1/health")).json()["seq"])


def _stored_ids(data: Path) -> Counter[str]:
    db = sqlite3.connect(data / "events.sqlite3")
    try:
        rows = db.execute("SELECT body FROM events ORDER BY seq").fetchall()
    finally:
        db.close()
    return Counter(json.loads(body)["id"] for (body,) in rows)


async def test_kill_9_while_reading_stores_every_line_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    source = tmp_path / "events.jsonl"
    ts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    valid: list[str] = []
    with source.open("w") as f:
        for n in range(LINES):
            if n % BAD_EVERY == 0:
                f.write('{"type": "employee.upsert", "broken\n')
            ident = f"k{n}"
            valid.append(ident)
            event = {"type": "employee.upsert", "ts": ts, "id": ident, "name": f"Kill {n}"}
            f.write(json.dumps(event) + "\n")

    kills = 0
    for _ in range(KILLS):
        process, url = await _start(data, source)
        try:
            async with httpx.AsyncClient(base_url=url, verify=TLS, timeout=10) as client:
                start = await _seq(client)
                if start >= LINES:
                    break
                # Kill it in the middle of reading: as soon as it has committed more lines
                # (it takes them in runs of up to 500: file.RUN_LINES).
                for _ in range(5000):
                    if await _seq(client) >= min(start + 1, LINES - 1):
                        break
                    await asyncio.sleep(0.002)
        finally:
            process.send_signal(signal.SIGKILL)
            await asyncio.wait_for(process.wait(), 30)
        kills += 1
    assert kills >= KILLS - 1

    process, url = await _start(data, source)
    try:
        async with httpx.AsyncClient(base_url=url, verify=TLS, timeout=10) as client:
            for _ in range(3000):
                if await _seq(client) >= LINES:
                    break
                await asyncio.sleep(0.01)
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    stored = _stored_ids(data)
    twice = {ident: n for ident, n in stored.items() if n > 1}
    print(f"{kills} kills; lines stored twice: {sum(twice.values()) - len(twice)}")
    assert twice == {}
    assert sorted(stored) == sorted(valid)  # none lost, none invented
