"""Upgrades keep data: a data folder written by the version before the hub's split into rooms
(commit 5abb02b) opens with this version, schema migrated in place, every event, token and
call still there.

The old folder is made by the old code itself: ``git archive`` of that commit's ``ringmon``
package into a temporary folder, its hub run in a subprocess (``PYTHONPATH`` pointing there)
with the simulator until it has caught up, then stopped gracefully."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_helpers import auth

from ringmon.hub.server import HubConfig, running_hub

OLD = "5abb02b"
REPO = Path(__file__).resolve().parents[2]

OLD_HUB = """
import asyncio, json, sys
from ringmon.hub.serve import HubConfig, running_hub

async def main() -> None:
    config = HubConfig(
        data=sys.argv[1], port=0, sources=["sim"], employees=8, backfill_days=1, seed=7
    )
    async with running_hub(config) as server:
        hub = server.hub
        analyst = hub.tokens.add("old-analyst", "analyst")
        pusher = hub.tokens.add("old-pusher", "source")
        if not await hub.wait_caught_up(120):
            raise SystemExit("the old hub did not catch up in 120 s")
        await hub.flush()
    print(json.dumps({"analyst": analyst, "pusher": pusher}))

asyncio.run(main())
"""


def _old_tree(into: Path) -> Path:
    """The ``ringmon`` package as it was at ``OLD``; skips when git history is missing."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot rebuild the previous version to upgrade from")
    known = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{OLD}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if known.returncode != 0:
        pytest.skip(f"commit {OLD} is not in this checkout's git history (shallow clone?)")
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", OLD, "ringmon"],
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def _rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _contents(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    events = folder / "events.sqlite3"
    return {
        "events": _rows(events, "SELECT seq, body FROM events ORDER BY seq"),
        "calls": _rows(events, "SELECT * FROM calls ORDER BY id"),
        "links": _rows(events, "SELECT * FROM event_employee ORDER BY 1, 2"),
        "tokens": _rows(folder / "tokens.sqlite3", "SELECT name, role, hash FROM tokens"),
    }


async def test_a_folder_written_by_the_previous_version_opens_with_everything(
    tmp_path: Path,
) -> None:
    old_code = _old_tree(tmp_path / "old")
    folder = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(old_code)}
    made = subprocess.run(
        [sys.executable, "-c", OLD_HUB, str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=old_code,  # -c puts the working folder first on sys.path
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    tokens = json.loads(made.stdout.strip().splitlines()[-1])
    before = _contents(folder)
    assert len(before["events"]) > 100 and before["calls"] and len(before["tokens"]) == 2
    last_seq = before["events"][-1][0]

    config = HubConfig(data=folder, port=0, sources=[])
    async with running_hub(config) as server, httpx.AsyncClient(base_url=server.url) as client:
        assert server.hub.seq == last_seq  # the state was rebuilt up to the last old event
        answer = await client.get("/v1/snapshot", headers=auth(tokens["analyst"]))
        assert answer.status_code == 200, answer.text
        assert answer.json()["seq"] == last_seq
        health = await client.get("/v1/health", headers=auth(tokens["analyst"]))
        assert health.json()["retained_from_seq"] == 1
        # The old push token still writes (the ingest schema was added in place).
        pushed = await client.post(
            "/v1/ingest",
            headers=auth(tokens["pusher"]),
            json={
                "type": "employee.upsert",
                "ts": answer.json()["now"],
                "id": "upgrade-check",
                "name": "Upgrade Check",
                "event_id": "after-upgrade-1",
            },
        )
        assert pushed.status_code == 200, pushed.text
    after = _contents(folder)
    assert after["events"][: len(before["events"])] == before["events"]
    assert len(after["events"]) == len(before["events"]) + 1
    # The call log gained the caller's name in place: the old rows, with no name known.
    assert after["calls"] == [(*row, "") for row in before["calls"]]
    assert set(before["links"]) <= set(after["links"])
    assert after["tokens"] == before["tokens"]
