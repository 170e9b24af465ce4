"""FeedClient against the real hub on a loopback port: snapshot + live, refusal (R1), and a
hub process killed and restarted mid-stream with nothing lost and nothing applied twice."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feed_fakehub import Recorder
from hub_process import spawn_hub

from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Link
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.hub.serving.tokens import TokenStore
from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    EmployeeUpsert,
    Event,
    dump_event,
)
from ringmon.model.state import State
from ringmon.model.wire import snapshot_doc

T0 = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)


def team(t0: datetime, people: int = 3) -> list[Event]:
    out: list[Event] = []
    for i in range(people):
        out += [
            EmployeeUpsert(ts=t0, id=f"e{i}", name=f"Person {i}", department="Sales"),
            AccountUpsert(ts=t0, login=f"sip{i}", number=f"10{i}", employee=f"e{i}"),
            DeviceStatus(
                ts=t0, account=f"sip{i}", device="c1", user_agent="MicroSIP", status="online"
            ),
        ]
    return out


def call(t0: datetime, n: int, people: int = 3) -> list[Event]:
    """Call ``n`` on person ``n % people``: ring, answer, end (3 events, 1 s apart)."""
    login = f"sip{n % people}"
    leg = f"c{n}/{login}"

    def ts(k: int) -> datetime:
        return t0 + timedelta(seconds=k)

    return [
        CallRing(ts=ts(0), call=f"c{n}", leg=leg, account=login, device="c1", direction="in"),
        CallAnswer(ts=ts(1), call=f"c{n}", leg=leg),
        CallEnd(ts=ts(2), call=f"c{n}", leg=leg),
    ]


@asynccontextmanager
async def following(
    url: str, token: str, **options: float
) -> AsyncIterator[tuple[FeedClient, Recorder]]:
    recorder = Recorder()
    client = FeedClient(url, token, None, recorder, first_delay=0.05, max_delay=1.0, **options)
    task = asyncio.create_task(client.run())
    try:
        yield client, recorder
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def comparable(state: State, now: float) -> dict[str, object]:
    doc = snapshot_doc(state, now, 1.0, "Europe/Warsaw").model_dump(mode="json")
    doc.pop("now")
    return doc


async def hub_snapshot(url: str, token: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=url, verify=False) as http:
        response = await http.get("/v1/snapshot", headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        doc: dict[str, object] = response.json()
    doc.pop("now")
    return doc


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[HubServer, str]]:
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="Europe/Warsaw")
    clock = ManualClock(T0.timestamp() + 3600)
    async with running_hub(config, clock=clock, sources=[]) as server:
        assert server.hub.tokens is not None
        yield server, server.hub.tokens.add("alice", "analyst")


async def test_snapshot_then_live_equals_the_hubs_state(served: tuple[HubServer, str]) -> None:
    server, token = served
    for event in team(T0):
        assert await server.hub.emit(event, source="t")
    async with following(server.url, token) as (client, rec):
        await rec.wait_for(lambda: client.connection.link is Link.CONNECTED)
        assert client.state is not None and client.state.seq == 9
        assert set(client.state.employees) == {"e0", "e1", "e2"}
        for n in range(5):
            for event in call(T0 + timedelta(minutes=10 + n), n):
                assert await server.hub.emit(event, source="t")
        await rec.wait_for(lambda: client.state is not None and client.state.seq == 24)
        assert rec.applied_seqs == list(range(10, 25))
        assert {"e0", "e1", "e2"} == set().union(*(ids for _, ids in rec.batches))
        assert comparable(client.state, client.hub_time.now()) == await hub_snapshot(
            server.url, token
        )
        assert client.counters.malformed == client.counters.rejected == 0
        assert str(client.state.tz) == "Europe/Warsaw"


async def test_heartbeats_carry_the_hubs_clock(tmp_path: Path) -> None:
    config = HubConfig(data=tmp_path / "d", port=0, sources=(), tz="UTC", heartbeat=0.1)
    clock = ManualClock(T0.timestamp(), speed=60.0)
    async with running_hub(config, clock=clock, sources=[]) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("alice", "analyst")
        async with following(server.url, token) as (client, rec):
            await rec.wait_for(lambda: client.connection.link is Link.CONNECTED)
            clock.advance(3600)
            await rec.wait_for(lambda: (client.connection.last_frame_at or 0) >= clock.now())
            assert client.hub_time.speed == 60.0


@pytest.mark.parametrize(("role", "status_word"), [("employee", "'employee'"), (None, "token")])
async def test_refused_tokens(
    served: tuple[HubServer, str], role: str | None, status_word: str
) -> None:
    server, _ = served
    assert server.hub.tokens is not None
    token = server.hub.tokens.add("bob", role) if role else "no-such-token"
    async with following(server.url, token) as (client, rec):
        await rec.wait_for(lambda: client.connection.link is Link.REFUSED)
        assert status_word in client.connection.message.lower()
        assert client.state is None and rec.links == [Link.REFUSED]


# -- a real hub process, killed and restarted --------------------------------------------


async def start_hub_process(
    data: Path, source: Path, log: Path, port: int = 0
) -> tuple[asyncio.subprocess.Process, str]:
    """A hub following the file ``source``, in Warsaw time, its stderr in ``log``."""
    options = ("--source", f"file:{source}", "--follow", "--tz", "Europe/Warsaw")
    return await spawn_hub(data, *options, port=port, log=log, wait=30)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
async def test_hub_process_restarted_mid_stream_nothing_lost_or_doubled(
    tmp_path: Path, how: signal.Signals
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = TokenStore(data).add("alice", "analyst")
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

    hub_log = tmp_path / "hub.log"
    process, url = await start_hub_process(data, source, hub_log)
    port = int(url.rsplit(":", 1)[1])
    try:
        async with following(url, token) as (client, rec):
            await rec.wait_for(lambda: client.state is not None and client.state.seq >= 9, 30)
            write_calls(20)  # the file source tails these in while we kill it
            await rec.wait_for(lambda: client.state is not None and client.state.seq >= 20, 30)
            process.send_signal(how)
            await asyncio.wait_for(process.wait(), 30)
            killed_at = time.monotonic()
            await rec.wait_for(lambda: client.connection.link is Link.RECONNECTING, 10)
            write_calls(20)  # written while the hub is down
            process, url = await start_hub_process(data, source, hub_log, port)
            started_at = time.monotonic()
            write_calls(20)  # and while it is back
            total = 9 + 3 * calls_written
            await rec.wait_for(lambda: client.connection.link is Link.CONNECTED, 30)
            reconnected = time.monotonic()
            await rec.wait_for(lambda: client.state is not None and client.state.seq == total, 30)
            print(
                f"\n{how.name}: reconnected {reconnected - killed_at:.2f} s after the hub died, "
                f"{reconnected - started_at:.2f} s after it listened again"
            )
            # After each snapshot, the applied seqs run on from it with no gap and no repeat.
            for start, seqs in zip(rec.snapshot_seqs, rec.lineages, strict=True):
                assert seqs == list(range(start + 1, start + 1 + len(seqs))), client.counters
            assert rec.snapshot_seqs[-1] + len(rec.lineages[-1]) == total
            assert client.counters.duplicates == 0 and client.counters.gaps == 0
            if how is signal.SIGTERM:
                assert len(rec.snapshots) == 1, client.counters  # resumed, never re-snapshotted
            elif len(rec.snapshots) > 1:
                # A SIGKILLed hub can lose events it had already sent (it writes behind):
                # it restarts below our seq and says "resync"; we must have re-snapshotted.
                assert client.counters.resyncs == len(rec.snapshots) - 1, client.counters
                print(f"hub lost events it had sent: resynced from {rec.snapshot_seqs}")
            assert comparable(client.state, client.hub_time.now()) == await hub_snapshot(url, token)
    finally:
        await stop(process)
