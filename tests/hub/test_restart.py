"""A hub restarted on the same data folder continues with the same state and seq: a client
that resumes loses nothing and gets nothing twice (an instance, and a real process)."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import httpx
from hub_helpers import auth, calls, device, feed, jsonl, read_events, team
from hub_process import spawn_hub
from hub_served import TLS
from waiting import until

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, running_hub
from ringmon.hub.serving.tokens import TokenStore


def seqs(events: list[dict]) -> list[int]:  # type: ignore[type-arg]
    return [e["seq"] for e in events]


def without_now(doc: dict) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in doc.items() if k != "now"}


async def test_restart_mid_stream(config: HubConfig, clock: ManualClock) -> None:
    events = [*team(), *calls(4)]  # 8 + 12 events
    async with running_hub(config, clock=clock, sources=[]) as first:
        assert first.hub.tokens is not None
        token = first.hub.tokens.add("alice", "analyst")
        for event in events[:15]:
            assert await first.hub.emit(event, source="t")
        async with feed(first.url, token, since=0) as ws:
            got = await read_events(ws, 15)
        async with httpx.AsyncClient(base_url=first.url, verify=TLS) as client:
            before = (await client.get("/v1/snapshot", headers=auth(token))).json()
    assert seqs(got) == list(range(1, 16))
    resume_from = got[-1]["seq"]

    async with running_hub(config, clock=clock, sources=[]) as second:
        assert second.url != "" and second.hub.seq == 15
        async with httpx.AsyncClient(base_url=second.url, verify=TLS) as client:
            after = (await client.get("/v1/snapshot", headers=auth(token))).json()
            assert without_now(after) == without_now(before)
            async with feed(second.url, token, since=resume_from) as ws:
                for event in events[15:]:
                    assert await second.hub.emit(event, source="t")
                rest = await read_events(ws, 20)
            calls_page = (await client.get("/v1/calls", headers=auth(token))).json()
    assert seqs(rest) == list(range(16, 21))
    assert [c["outcome"] for c in calls_page["calls"]] == ["answered"] * 4


async def test_restart_keeps_the_wall_clock_whatever_an_event_says(config: HubConfig) -> None:
    """An event ten years ahead is refused as ``future``; the restarted hub's clock is the
    wall clock, not the newest event's time (issue 9, item 1)."""
    async with running_hub(config, sources=[]) as first:
        for event in team():
            assert await first.hub.emit(event, source="t")
        late = device(10 * 365 * 86400.0, "sip201", "c1", "online")  # ten years ahead
        assert not await first.hub.emit(late, source="t")
        assert first.hub.health()["rejected"]["by_kind"] == {"future": 1}
        last = first.hub.last_ts()
    async with running_hub(config, sources=[]) as second:
        assert second.hub.last_ts() == last
        assert abs(second.hub.clock_now() - time.time()) < 60


async def test_an_accelerated_clock_resumes_where_it_was(config: HubConfig) -> None:
    """A demo's clock (``--speed``) is stored with the events and resumes from there; it is
    not the wall clock (which it has run ahead of) nor the newest event's time."""
    config.speed = 3600.0
    async with running_hub(config, sources=[]) as first:
        for event in team():
            assert await first.hub.emit(event, source="t")
        stopped_at = first.hub.clock_now()
        assert stopped_at > time.time()
    async with running_hub(config, sources=[]) as second:
        resumed_at = second.hub.clock_now()
    assert stopped_at <= resumed_at < stopped_at + 3600 * 60


STARTUP_SECONDS = 120.0
"""A generous bound for a hub process's start (imports alone take 15 s on a loaded machine)
and for it to read its file: the test waits for the condition, this only ends a hung run."""


async def _line(stream: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(stream.readline(), STARTUP_SECONDS)).decode()


async def _start(data: Path, source: Path) -> tuple[asyncio.subprocess.Process, str]:
    options = ("--source", f"file:{source}", "--tz", "Europe/Warsaw")
    return await spawn_hub(data, *options, wait=STARTUP_SECONDS)


async def _wait_seq(client: httpx.AsyncClient, seq: int) -> dict:  # type: ignore[type-arg]
    seen: list[dict] = [{}]  # type: ignore[type-arg]

    async def reached() -> dict | None:  # type: ignore[type-arg]
        seen[0] = (await client.get("/v1/health")).json()  # the client carries a token
        done = seen[0]["seq"] >= seq and seen[0]["sources"][0]["state"] == "done"
        return seen[0] if done else None

    try:
        return await until(reached, f"seq {seq} with the file read", STARTUP_SECONDS)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {seen[0]}") from None


async def test_process_restart(tmp_path: Path) -> None:
    """SIGTERM, start again on the same folder and file: the file source continues after
    the last line it stored, seq continues, and a client resumes without gap or repeat."""
    data = tmp_path / "data"
    data.mkdir()
    token = TokenStore(data).add("alice", "analyst")
    source = tmp_path / "events.jsonl"
    events = [*team(), *calls(4)]
    source.write_text(jsonl(events[:12]))

    process, url = await _start(data, source)
    async with httpx.AsyncClient(
        base_url=url, verify=TLS, headers=auth(token), timeout=60
    ) as client:
        await _wait_seq(client, 12)
        async with feed(url, token, since=0) as ws:
            first = await read_events(ws, 12, STARTUP_SECONDS)
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), STARTUP_SECONDS) == 0

    with source.open("a") as f:
        f.write(jsonl(events[12:]))
    process, url = await _start(data, source)
    try:
        async with httpx.AsyncClient(
            base_url=url, verify=TLS, headers=auth(token), timeout=60
        ) as client:
            health = await _wait_seq(client, 20)
            assert health["seq"] == 20
            assert health["rejected"]["total"] == 0  # nothing of the file was read twice
            async with feed(url, token, since=first[-1]["seq"]) as ws:
                rest = await read_events(ws, 20, STARTUP_SECONDS)
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), STARTUP_SECONDS) == 0
    assert seqs(first) + seqs(rest) == list(range(1, 21))
    assert json.loads(json.dumps(rest[-1]))["type"] == "call.end"
