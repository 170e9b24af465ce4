"""The push API, POST /v1/ingest, on a hub served on a real loopback port."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from ringmon.hub.core import Hub
from ringmon.hub.intake.push_api import MAX_EVENTS
from ringmon.hub.server import HubConfig, running_hub

NOW = time.time()


def ts(offset: float = 0.0) -> str:
    return datetime.fromtimestamp(NOW + offset, UTC).isoformat()


@dataclass
class Hubbed:
    hub: Hub
    url: str
    client: httpx.AsyncClient
    tokens: dict[str, str]

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def push(self, body: Any, role: str = "source", raw: bool = False) -> httpx.Response:
        content = body if raw else json.dumps(body)
        return await self.client.post("/v1/ingest", content=content, headers=self.auth(role))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


async def _served(data: Path) -> AsyncIterator[Hubbed]:
    config = HubConfig(data=data, port=0, sources=(), tz="UTC")
    async with running_hub(config, sources=[]) as server:
        store = server.hub.tokens
        assert store is not None
        tokens = {}
        for role in ("source", "analyst", "administrator", "employee"):
            name = f"t-{role}"
            if name not in {t.name for t in store.list()}:
                tokens[role] = store.add(name, role)
            else:
                store.revoke(name)
                tokens[role] = store.add(name, role)
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            yield Hubbed(server.hub, server.url, client, tokens)


@pytest.fixture
async def hubbed(data: Path) -> AsyncIterator[Hubbed]:
    async for h in _served(data):
        yield h


def directory(n: int = 1) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i in range(n):
        events.append({"type": "employee.upsert", "ts": ts(), "id": f"e{i}", "name": f"Person {i}"})
        events.append(
            {"type": "account.upsert", "ts": ts(), "login": f"sip{i}", "employee": f"e{i}"}
        )
    return events


def online(i: int, offset: float = 1.0) -> dict[str, Any]:
    return {
        "type": "device.status",
        "ts": ts(offset),
        "account": f"sip{i}",
        "device": "d1",
        "user_agent": "Cloud PBX 2.0",
        "status": "online",
    }


async def test_roles(hubbed: Hubbed) -> None:
    assert (await hubbed.client.post("/v1/ingest", content="{}")).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await hubbed.client.post("/v1/ingest", content="{}", headers=bad)).status_code == 401
    for role in ("analyst", "administrator", "employee"):
        answer = await hubbed.push(directory(), role=role)
        assert answer.status_code == 403, role
        assert "source" in answer.json()["error"]
    assert hubbed.hub.seq == 0
    # A source token may write...
    assert (await hubbed.push(directory())).status_code == 200
    # ...and nothing else: 403 on every read route, the WebSocket feed included.
    for path in (
        "/v1/whoami",
        "/v1/snapshot",
        "/v1/employees/e0/history?period=today",
        "/v1/calls",
        "/v1/calls/x/recording",
    ):
        answer = await hubbed.client.get(path, headers=hubbed.auth("source"))
        assert answer.status_code == 403, path
    ws_url = hubbed.url.replace("http://", "ws://") + "/v1/feed"
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with websockets.connect(ws_url, additional_headers=hubbed.auth("source")):
            pass
    assert refused.value.response.status_code == 403
    # The analyst reads what the source pushed.
    snap = (await hubbed.client.get("/v1/snapshot", headers=hubbed.auth("analyst"))).json()
    assert [e["id"] for e in snap["employees"]] == ["e0"]


async def test_one_event_an_array_and_jsonl(hubbed: Hubbed) -> None:
    first, second = directory()
    assert (await hubbed.push(first)).json()["accepted"] == 1
    assert (await hubbed.push([second])).json()["accepted"] == 1
    lines = "# a comment\n" + json.dumps(online(0)) + "\n\n" + json.dumps(online(0, 2)) + "\n"
    answer = await hubbed.push(lines, raw=True)
    assert answer.status_code == 200
    assert answer.json() == {"accepted": 2, "duplicates": 0, "first_seq": 3, "last_seq": 4}
    snap = (await hubbed.client.get("/v1/snapshot", headers=hubbed.auth("analyst"))).json()
    assert snap["employees"][0]["status"] == "online"
    assert snap["devices"][0]["user_agent"] == "Cloud PBX 2.0"


async def test_a_batch_with_bad_events_stores_nothing(hubbed: Hubbed) -> None:
    batch = [*directory(2), online(0), online(1)]
    batch[4] = {**batch[4], "nmae": "typo"}  # malformed: unknown field
    batch[5] = {**online(1), "account": "nobody"}  # inconsistent: unknown account
    batch.append({**online(1, 3), "status": "dnd"})  # inconsistent: dnd without capability
    answer = await hubbed.push(batch)
    assert answer.status_code == 422
    doc = answer.json()
    assert doc["accepted"] == 0 and "nothing of this batch was stored" in doc["error"]
    assert [e["index"] for e in doc["errors"]] == [4, 5, 6]
    assert "nmae" in doc["errors"][0]["message"]
    assert "nobody" in doc["errors"][1]["message"]
    assert "dnd" in doc["errors"][2]["message"]
    assert hubbed.hub.seq == 0
    health = (await hubbed.client.get("/v1/health", headers=hubbed.auth("analyst"))).json()
    assert health["rejected"]["total"] == 3
    assert health["rejected"]["by_source"] == {"ingest:t-source": 3}
    # An event made invalid by an earlier event of the same batch is found too.
    chained = [*directory(1), {"type": "employee.remove", "ts": ts(), "id": "e0"}]
    chained.append({"type": "account.upsert", "ts": ts(), "login": "sip9", "employee": "e0"})
    answer = await hubbed.push(chained)
    assert answer.status_code == 422
    assert [e["index"] for e in answer.json()["errors"]] == [3]
    assert hubbed.hub.seq == 0
    # A lone bad event: 422 with its reason.
    answer = await hubbed.push(online(5))
    assert answer.status_code == 422 and answer.json()["errors"][0]["index"] == 0
    assert "sip5" in answer.json()["errors"][0]["message"]
    # Bodies that are not events at all.
    assert (await hubbed.push("", raw=True)).status_code == 400
    assert (await hubbed.push("{nope", raw=True)).status_code == 400
    bad_id = {**directory()[0], "event_id": 17}
    assert (await hubbed.push(bad_id)).status_code == 422


async def test_event_ids_make_retries_idempotent(data: Path) -> None:
    batch = [{**event, "event_id": f"crm-{i}"} for i, event in enumerate(directory(3))]
    async for hubbed in _served(data):
        first = (await hubbed.push(batch)).json()
        assert (first["accepted"], first["duplicates"]) == (6, 0)
        again = (await hubbed.push(batch)).json()
        assert (again["accepted"], again["duplicates"]) == (0, 6)
        # Half old, half new, one repeated inside the batch: only the new one is stored.
        mixed = [*batch[:3], {**online(0), "event_id": "crm-new"}]
        mixed.append({**online(0, 2), "event_id": "crm-new"})
        answer = (await hubbed.push(mixed)).json()
        assert (answer["accepted"], answer["duplicates"]) == (1, 4)
        # Without an id an event is always taken.
        assert (await hubbed.push(online(1))).json()["accepted"] == 1
        seq = hubbed.hub.seq
    # A hub restarted on the same data still knows the ids.
    async for hubbed in _served(data):
        assert hubbed.hub.seq == seq
        again = (await hubbed.push(batch)).json()
        assert (again["accepted"], again["duplicates"]) == (0, 6)
        assert hubbed.hub.seq == seq


def big_batch(employees: int, with_ids: bool) -> list[dict[str, Any]]:
    """``employees`` employees with an account each, a device online, one answered call."""
    events = directory(employees)
    for i in range(employees):
        events.append(online(i))
        call = f"c{i}"
        leg = f"c{i}/sip{i}"
        common = {"call": call, "leg": leg}
        events.append(
            {
                "type": "call.ring",
                "ts": ts(2),
                **common,
                "account": f"sip{i}",
                "device": "d1",
                "direction": "in",
                "remote": "+48600000000",
            }
        )
        events.append({"type": "call.answer", "ts": ts(5), **common})
        events.append({"type": "call.end", "ts": ts(65), **common})
    events.sort(key=lambda e: e["ts"])
    if with_ids:
        events = [{**e, "event_id": f"b-{i}"} for i, e in enumerate(events)]
    return events


@pytest.mark.parametrize("with_ids", [False, True], ids=["plain", "event_ids"])
async def test_the_biggest_batch_in_one_request(
    hubbed: Hubbed, with_ids: bool, record_property: Callable[[str, object], None]
) -> None:
    batch = big_batch(MAX_EVENTS // 6 + 1, with_ids)[:MAX_EVENTS]
    assert len(batch) == MAX_EVENTS
    body = json.dumps(batch)
    started = time.perf_counter()
    answer = await hubbed.push(body, raw=True)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json()["accepted"] == MAX_EVENTS
    assert hubbed.hub.seq == MAX_EVENTS and hubbed.hub.flushed_seq == MAX_EVENTS
    record_property("ingest_biggest_batch_seconds", round(elapsed, 3))
    print(f"\n{MAX_EVENTS}-event batch ({len(body) / 1e6:.1f} MB, {with_ids=}): {elapsed:.2f} s")
    assert elapsed < 60  # generous: a benchmark is printed, this only catches a collapse


async def test_a_batch_is_checked_against_what_the_hub_already_holds(hubbed: Hubbed) -> None:
    """Legs in progress, devices and owners already in the hub count in the check."""
    ring = {
        "type": "call.ring",
        "ts": ts(2),
        "call": "c1",
        "leg": "c1/sip0",
        "account": "sip0",
        "device": "d1",
        "direction": "in",
        "remote": "+48600000000",
    }
    assert (await hubbed.push([*directory(1), online(0), ring])).status_code == 200
    again = await hubbed.push([online(0, 3), {**ring, "ts": ts(3)}])
    assert again.status_code == 422
    assert [e["index"] for e in again.json()["errors"]] == [1]
    assert "already in progress" in again.json()["errors"][0]["message"]
    answer = {"type": "call.answer", "ts": ts(4), "call": "c1", "leg": "c1/sip0", "device": "d1"}
    end = {"type": "call.end", "ts": ts(9), "call": "c1", "leg": "c1/sip0"}
    wrong_device = {**answer, "device": "nope"}
    assert (await hubbed.push([wrong_device, end])).status_code == 422
    assert (await hubbed.push([answer, end])).json()["accepted"] == 2
    late = {**online(0), "ts": ts(-400)}  # older than the newest event by more than 300 s
    refused = await hubbed.push([online(0, 10), late])
    assert refused.status_code == 422 and "older" in refused.json()["errors"][0]["message"]
    # A big hub: the check's cost follows the batch, not the hub.
    assert (await hubbed.push(directory(2500))).status_code == 200
    started = time.perf_counter()
    assert (await hubbed.push([online(1, 11), online(2, 11)])).status_code == 200
    assert time.perf_counter() - started < 1.0
