"""Versions that meet (docs/feed-protocol.md, "Versions"): a hub that sends what a newer
version adds (a field, an event type) does not break its clients.

- this client, against the real hub: ignores the unknown field, counts and steps over the
  unknown event type, and needs no new snapshot;
- the client released before versions (the commit before the one marked
  ``Feed-Protocol: versioned``, taken out of git into a temp dir and run in a subprocess):
  keeps showing the hub's state;
- sources and the push API stay strict: an unknown field is still refused there.

The "newer hub" is today's hub with an event's stored body given an extra field (as a later
version's ``Event`` would dump it) and one event of a type no version has yet, numbered and
committed like any other.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feed_fakehub import Recorder

from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Link
from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.intake.validate import BadInput, parse_input
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.model.schema import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    AccountUpsert,
    DeviceStatus,
    EmployeeUpsert,
    Event,
    Registration,
    parse_feed_event,
)
from ringmon.model.status import Status

T0 = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)
MARKER = "Feed-Protocol: versioned"
"""The trailer of the commit that versioned the protocol: its parent is the released client."""


def team() -> list[Event]:
    return [
        EmployeeUpsert(ts=T0, id="e1", name="Anna Nowak"),
        EmployeeUpsert(ts=T0, id="e2", name="Piotr Zieliński"),
        AccountUpsert(ts=T0, login="sip1", employee="e1"),
        AccountUpsert(ts=T0, login="sip2", employee="e2"),
        DeviceStatus(ts=T0, account="sip1", device="c1", status=Registration.ONLINE),
        DeviceStatus(ts=T0, account="sip2", device="c1", status=Registration.ONLINE),
    ]


def device(minutes: int, login: str, status: Registration) -> DeviceStatus:
    return DeviceStatus(
        ts=T0 + timedelta(minutes=minutes), account=login, device="c1", status=status
    )


def emit_with_field(hub: Hub, event: Event, field: str, value: object) -> int:
    """Ingest ``event`` and store it with an extra field, as a newer hub's schema would."""
    assert hub.accept(event, source="test")
    seq, at, kind, body = hub._pending.events[-1]
    data = json.loads(body)
    data[field] = value
    hub._pending.events[-1] = (seq, at, kind, json.dumps(data, separators=(",", ":")))
    return seq


def emit_unknown_type(hub: Hub, kind: str, fields: dict[str, object]) -> int:
    """Number and store an event of a type no version has yet (the state is unchanged)."""
    seq = hub._seq = hub.state.seq = hub._seq + 1
    at = hub.state.clock
    ts = datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
    body = json.dumps({"seq": seq, "type": kind, "ts": ts, **fields}, separators=(",", ":"))
    hub._pending.events.append((seq, at, kind, body))
    return seq


def newer_hub_events(hub: Hub) -> int:
    """A change with a new field, an unknown event type, then a plain change; the last seq."""
    emit_with_field(hub, device(5, "sip1", Registration.OFFLINE), "pause_reason", "lunch")
    emit_unknown_type(hub, "agent.pause", {"employee": "e2", "reason": "training"})
    assert hub.accept(device(6, "sip2", Registration.OFFLINE), source="test")
    assert hub.accept(device(7, "sip2", Registration.ONLINE), source="test")
    return hub.seq


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[HubServer, str]]:
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="Europe/Warsaw")
    clock = ManualClock(T0.timestamp() + 3600)
    async with running_hub(config, clock=clock, sources=[]) as server:
        assert server.hub.tokens is not None
        for event in team():
            assert await server.hub.emit(event, source="test")
        yield server, server.hub.tokens.add("alice", "analyst")


def test_the_hub_side_stays_strict() -> None:
    line = device(1, "sip1", Registration.ONLINE).model_dump(mode="json") | {"pause": "x"}
    with pytest.raises(BadInput, match="pause: unknown field"):
        parse_input(json.dumps(line))
    assert parse_feed_event(line).model_dump(mode="json") == {
        k: v for k, v in line.items() if k != "pause"
    }


async def test_this_client_ignores_what_a_newer_hub_adds(
    served: tuple[HubServer, str],
) -> None:
    server, token = served
    recorder = Recorder()
    client = FeedClient(server.url, token, None, recorder, first_delay=0.05, max_delay=1.0)
    task = asyncio.create_task(client.run())
    try:
        await recorder.wait_for(lambda: client.connection.link is Link.CONNECTED)
        last = newer_hub_events(server.hub)
        await recorder.wait_for(lambda: client.state is not None and client.state.seq == last)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    state = client.state
    assert state is not None
    assert state.employees["e1"].status is Status.OFFLINE  # the event with a new field
    assert state.employees["e2"].status is Status.ONLINE
    counters = client.counters
    assert counters.unknown_types == 1
    assert counters.malformed == counters.rejected == counters.gaps == 0
    assert counters.snapshots == 1  # nothing made it start over


async def test_the_hub_answers_the_version(served: tuple[HubServer, str]) -> None:
    server, token = served
    headers = {"Authorization": f"Bearer {token}", PROTOCOL_HEADER: "7"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        response = await http.get("/v1/snapshot")
    assert response.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION)
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    url = server.url.replace("http://", "ws://") + "/v1/feed?v=latest"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}):
            pass
    assert refused.value.response.status_code == 400
    assert b"is not a protocol version" in refused.value.response.body


# -- the client released before versions --------------------------------------------------

RELEASED_CLIENT = """
import asyncio, json, sys
from ringmon.feed.client import FeedClient


class Listener:
    def feed_snapshot(self, state): pass
    def feed_events(self, events, employees): pass
    def feed_connection(self, connection): pass


async def main(url, token):
    client = FeedClient(url, token, None, Listener(), first_delay=0.05, max_delay=1.0)
    task = asyncio.create_task(client.run())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    said_ready = False
    target = 0
    while loop.time() < deadline and not task.done():
        state = client.state
        if state is not None and not said_ready:
            print("ready", flush=True)
            said_ready = True
        if state is not None and state.seq >= target and target > 0:
            break
        if said_ready and target == 0:
            target = int(await loop.run_in_executor(None, sys.stdin.readline))
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    state = client.state
    print(json.dumps({
        "seq": state.seq if state else None,
        "status": {e.id: str(e.status) for e in state.employees.values()} if state else {},
        "snapshots": client.counters.snapshots,
        "malformed": client.counters.malformed,
    }), flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def released_tree(dest: Path) -> Path:
    """The ``ringmon`` package as of the commit before versions, extracted under ``dest``."""
    repo = Path(__file__).resolve().parents[2]
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot take the released client out of history")
    probe = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip("not a git checkout: there is no released client to run")
    if probe.stdout.strip() == "true":
        pytest.skip("a shallow clone: the commit before versions is not in its history")
    found = subprocess.run(
        ["git", "-C", str(repo), "log", "--format=%H", f"--grep=^{MARKER}$", "-n", "1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not found:
        pytest.skip(f"no commit in this history carries {MARKER!r} (not committed yet?)")
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", f"{found}~1", "ringmon"],
        capture_output=True,
        check=True,
    ).stdout
    dest.mkdir()
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


async def test_the_released_client_keeps_working(
    served: tuple[HubServer, str], tmp_path: Path
) -> None:
    tree = released_tree(tmp_path / "released")
    server, token = served
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        RELEASED_CLIENT,
        server.url,
        token,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        ready = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert ready == b"ready\n", ready
        last = newer_hub_events(server.hub)
        proc.stdin.write(f"{last}\n".encode())
        await proc.stdin.drain()
        out, err = await asyncio.wait_for(proc.communicate(), 40)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err, err.decode()
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert result["seq"] == last, (result, err.decode())
    assert result["status"] == {"e1": "offline", "e2": "online"}
    # It could not read the event with the new field: it said so, and started over.
    assert result["malformed"] >= 1 and result["snapshots"] >= 2
    assert b"ignored an invalid event" in err
