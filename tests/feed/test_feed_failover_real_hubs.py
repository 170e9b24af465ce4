"""``--url A,B`` against two real hub processes fed the same events (two SQLite hubs reading one
JSONL file stand in for hubs on one shared log: the same events in the same order, so the
same seqs): hub A is killed (SIGKILL) mid-stream, the client moves on to B and resumes with
``since``, with no gap, no repeat, no new snapshot, and B's board."""

from __future__ import annotations

import asyncio
import shutil
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from test_feed_real_hub import (
    call,
    comparable,
    following,
    hub_snapshot,
    start_hub_process,
    stop,
    team,
)
from waiting import until

from ringmon.feed.connection import Link
from ringmon.hub.serving.tokens import TOKEN_FILE, TokenStore
from ringmon.model.schema import dump_event


async def hub_seq(url: str) -> int:
    async with httpx.AsyncClient(base_url=url) as http:
        seq: int = (await http.get("/v1/health")).json()["seq"]
        return seq


async def test_killed_hub_hands_its_client_over_to_the_next(tmp_path: Path) -> None:
    data_a, data_b = tmp_path / "a", tmp_path / "b"
    data_a.mkdir()
    data_b.mkdir()
    store = TokenStore(data_a)
    token = store.add("alice", "analyst")
    store.close()
    shutil.copy(data_a / TOKEN_FILE, data_b / TOKEN_FILE)  # one token for both (shared in NATS)
    source = tmp_path / "events.jsonl"
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    source.write_text("".join(dump_event(e) + "\n" for e in team(t0)))
    calls_written = 0

    def write_calls(count: int) -> None:
        nonlocal calls_written
        with source.open("a") as f:
            for _ in range(count):
                start = t0 + timedelta(seconds=10 + 3 * calls_written)
                f.writelines(dump_event(e) + "\n" for e in call(start, calls_written))
                calls_written += 1

    (a, url_a), (b, url_b) = await asyncio.gather(
        start_hub_process(data_a, source, tmp_path / "a.log"),
        start_hub_process(data_b, source, tmp_path / "b.log"),
    )
    try:
        async with following(f"{url_a},{url_b}", token) as (client, rec):
            await rec.wait_for(lambda: client.state is not None and client.state.seq >= 9, 60)
            assert client.url == url_a
            write_calls(20)
            total = 9 + 3 * calls_written
            await rec.wait_for(lambda: client.state is not None and client.state.seq == total, 60)
            await until(lambda: _at(url_b, total), "hub B has the same events", 60)
            a.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            await asyncio.wait_for(a.wait(), 30)
            write_calls(20)  # only B reads these
            total = 9 + 3 * calls_written
            await rec.wait_for(lambda: client.state is not None and client.state.seq > 9 + 60, 60)
            first_live = time.monotonic()
            await rec.wait_for(lambda: client.state is not None and client.state.seq == total, 60)
            print(
                f"\nfailover: first event from hub B {first_live - killed_at:.2f} s after the kill"
            )
            assert client.url == url_b and client.connection.link is Link.CONNECTED
            assert len(rec.snapshots) == 1, client.counters  # resumed with since, no snapshot
            assert rec.applied_seqs == list(range(10, total + 1))  # no gap, no repeat
            assert client.counters.duplicates == client.counters.gaps == 0
            assert comparable(client.state, client.hub_time.now()) == await hub_snapshot(
                url_b, token
            )
    finally:
        await stop(a)
        await stop(b)


async def _at(url: str, seq: int) -> bool:
    return await hub_seq(url) >= seq
