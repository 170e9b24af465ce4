"""The push API under concurrent requests, and its event ids (issue 9, items 5 and 15).

- ``first_seq``/``last_seq`` of each answer are that request's own events, however many
  requests run at once (they were read after the flush, when others had stored theirs).
- ``event_id`` keys do not collide across tokens (``a:b`` + ``c`` is not ``a`` + ``b:c``);
  ids kept the old way (meta keys) are moved to their table in place.
- A batch valid as two requests is valid as one (a ring without a device, then an answer
  naming the device).
- Event ids are forgotten by retention with the events they belong to.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.server import HubConfig, running_hub
from ringmon.hub.storage.database import Storage

START = datetime(2026, 3, 24, 9, 0, tzinfo=UTC).timestamp()


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Pushing:
    hub: Hub
    client: httpx.AsyncClient
    clock: ManualClock

    async def push(self, token: str, body: Any) -> httpx.Response:
        return await self.client.post(
            "/v1/ingest", content=json.dumps(body), headers={"Authorization": f"Bearer {token}"}
        )

    def token(self, name: str) -> str:
        assert self.hub.tokens is not None
        return self.hub.tokens.add(name, "source")


async def _pushing(data: Path, clock: ManualClock) -> AsyncIterator[Pushing]:
    config = HubConfig(data=data, port=0, sources=(), tz="UTC")
    async with running_hub(config, clock=clock, sources=[]) as server:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
            yield Pushing(server.hub, client, clock)


@pytest.fixture
async def pushing(tmp_path: Path) -> AsyncIterator[Pushing]:
    async for p in _pushing(tmp_path / "data", ManualClock(START)):
        yield p


def staff(n: int, at: float = START) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i in range(n):
        events.append({"type": "employee.upsert", "ts": iso(at), "id": f"e{i}", "name": f"P{i}"})
        events.append(
            {"type": "account.upsert", "ts": iso(at), "login": f"sip{i}", "employee": f"e{i}"}
        )
    return events


def status(i: int, state: str, device: str = "d1", at: float = START) -> dict[str, Any]:
    return {
        "type": "device.status",
        "ts": iso(at),
        "account": f"sip{i}",
        "device": device,
        "status": state,
    }


async def test_concurrent_answers_carry_their_own_seqs(pushing: Pushing) -> None:
    token = pushing.token("pbx")
    others = pushing.token("crm")
    requests = 60
    assert (await pushing.push(token, staff(requests))).status_code == 200

    async def one(i: int) -> tuple[int, dict[str, Any]]:
        batch = [status(i, "online", f"r{i}-{k}") for k in range(5)]
        answer = await pushing.push(token if i % 2 else others, batch)
        assert answer.status_code == 200, answer.text
        return i, answer.json()

    answers = await asyncio.gather(*(one(i) for i in range(requests)))
    storage = pushing.hub.storage
    assert storage is not None
    for i, doc in answers:
        assert doc["accepted"] == 5
        assert doc["last_seq"] - doc["first_seq"] == 4, doc
        rows = storage.events_batch(doc["first_seq"] - 1, doc["last_seq"], 100)
        devices = [json.loads(body)["device"] for _, body in rows]
        assert devices == [f"r{i}-{k}" for k in range(5)], (i, doc)


async def test_event_ids_of_two_tokens_never_collide(pushing: Pushing) -> None:
    ab, a = pushing.token("a:b"), pushing.token("a")
    assert (await pushing.push(ab, staff(1))).status_code == 200
    # Token "a:b" with ids "c0".., and token "a" with ids "b:c0"..: concurrently.
    pushes = [(ab, f"c{k}") for k in range(20)] + [(a, f"b:c{k}") for k in range(20)]

    async def send(token: str, event_id: str) -> tuple[int, int]:
        answer = (await pushing.push(token, {**status(0, "online"), "event_id": event_id})).json()
        return answer["accepted"], answer["duplicates"]

    assert await asyncio.gather(*(send(*p) for p in pushes)) == [(1, 0)] * 40
    assert await asyncio.gather(*(send(*p) for p in pushes)) == [(0, 1)] * 40


async def test_old_event_ids_are_migrated_in_place(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async for p in _pushing(data, ManualClock(START)):
        for name in ("a:b", "a", "crm"):
            p.token(name)
    # Ids as an older hub kept them: meta keys "source:ingest:TOKEN:ID" = seq.
    storage = Storage(data)
    old = {
        "source:ingest:crm:x:y": "3",  # token crm, id "x:y"
        "source:ingest:a:b:c": "4",  # token "a:b" id "c", or token "a" id "b:c": both kept
    }
    storage._writer.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", old.items())
    storage.close()
    async for p in _pushing(data, ManualClock(START)):
        assert p.hub.storage is not None
        assert p.hub.storage.meta("source:ingest:crm:x:y") is None
        assert p.hub.storage.known_event_ids("crm", ["x:y", "x"]) == {"x:y"}
        assert p.hub.storage.known_event_ids("a:b", ["c"]) == {"c"}
        assert p.hub.storage.known_event_ids("a", ["b:c"]) == {"b:c"}
        assert p.hub.storage.count_ingest_ids() == 3


async def test_a_batch_valid_as_two_requests_is_valid_as_one(pushing: Pushing) -> None:
    token = pushing.token("pbx")
    setup = [*staff(20)]
    for i in range(20):
        setup += [status(i, "online", "d1"), status(i, "online", "d2")]
    assert (await pushing.push(token, setup)).status_code == 200

    def ring(i: int, call: str) -> dict[str, Any]:  # no device: the answer names it
        return {
            "type": "call.ring",
            "ts": iso(START + 1),
            "call": call,
            "leg": f"{call}/sip{i}",
            "account": f"sip{i}",
            "direction": "in",
        }

    def answer(i: int, call: str, device: str) -> dict[str, Any]:
        return {
            "type": "call.answer",
            "ts": iso(START + 3),
            "call": call,
            "leg": f"{call}/sip{i}",
            "device": device,
        }

    # Twenty such requests at once, each ring + answer in one batch.
    answers = await asyncio.gather(
        *(pushing.push(token, [ring(i, "c1"), answer(i, "c1", "d2")]) for i in range(20))
    )
    assert [a.status_code for a in answers] == [200] * 20, answers[0].text
    assert {pushing.hub.state.legs[f"c1/sip{i}"].device for i in range(20)} == {"d2"}
    # And an answer naming a device the account does not have is still refused.
    bad = await pushing.push(token, [ring(0, "c2"), answer(0, "c2", "d9")])
    assert bad.status_code == 422 and bad.json()["errors"][0]["index"] == 1
    assert "c2/sip0" not in pushing.hub.state.legs


async def test_event_ids_are_pruned_with_their_events(pushing: Pushing) -> None:
    token = pushing.token("pbx")
    hub = pushing.hub
    storage = hub.storage
    assert storage is not None
    old = [{**e, "event_id": f"old-{i}"} for i, e in enumerate(staff(50))]
    assert (await pushing.push(token, old)).json()["accepted"] == 100
    pushing.clock.advance(40 * 86_400.0)  # past the 35 days of retention
    new_at = pushing.clock.now()
    recent = [{**status(i, "online", at=new_at), "event_id": f"new-{i}"} for i in range(50)]
    assert (await pushing.push(token, recent)).json()["accepted"] == 50
    await hub.flush()
    assert storage.count_ingest_ids() == 150
    assert await hub.prune() == 100
    assert storage.count_ingest_ids() == 50
    assert storage.known_event_ids("pbx", ["old-1", "new-1"]) == {"new-1"}
