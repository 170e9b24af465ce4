"""Bad input is rejected whole, with a reason, counted in /v1/health, never half-applied;
events out of time order follow the documented rule (clamped up to 300 s, else stale)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hub_helpers import (
    account,
    answer,
    at,
    auth,
    calls,
    device,
    employee,
    end,
    feed,
    jsonl,
    read_events,
    ring,
    team,
)
from hub_served import Served

from ringmon.model.schema import dump_event
from ringmon.sources.file import FileSource


async def emit_all(served: Served, events: list) -> None:  # type: ignore[type-arg]
    for event in events:
        assert await served.hub.emit(event, source="test"), event


async def state_of(served: Served) -> dict:  # type: ignore[type-arg]
    doc = (await served.client.get("/v1/snapshot", headers=auth(served.token))).json()
    doc.pop("now")
    return doc  # type: ignore[no-any-return]


def line(event: object) -> str:
    return dump_event(event)  # type: ignore[arg-type]


GOOD = json.loads(dump_event(device(600, "sip201", "c1", "offline")))

RAW_REJECTS = [
    ("{not json", "malformed", "not JSON"),
    ("[1, 2]", "malformed", "JSON object"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "type"}), "malformed", "no 'type'"),
    (json.dumps(GOOD | {"type": "device.explode"}), "unknown_type", "unknown event type"),
    (json.dumps(GOOD | {"sttaus": "online"}), "malformed", "sttaus"),
    (json.dumps(GOOD | {"status": "busy"}), "malformed", "status"),
    (json.dumps(GOOD | {"ts": "2026-03-24T08:00:00"}), "malformed", "ts: "),
    (json.dumps(GOOD | {"account": "nobody"}), "inconsistent", "unknown SIP account"),
    (json.dumps(GOOD | {"status": "dnd"}), "inconsistent", "reports dnd but cannot"),
    (line(account(600, "sip9", "ghost")), "inconsistent", "unknown employee"),
    (line(answer(600, "x/sip101")), "inconsistent", "not in progress"),
    (line(end(600, "x/sip101")), "inconsistent", "not in progress"),
    (line(ring(600, "x/sip101", "sip101", "nodev")), "inconsistent", "unknown device"),
    (line(device(0 - 400, "sip201", "c1", "offline")), "stale", "older than the newest"),
]


@pytest.mark.parametrize(("raw", "kind", "words"), RAW_REJECTS)
async def test_rejected_whole_and_counted(served: Served, raw: str, kind: str, words: str) -> None:
    await emit_all(served, team())
    before = await state_of(served)
    assert not await served.hub.emit_raw(raw, source="wire", where="frame 1")
    assert await state_of(served) == before
    await served.hub.flush()
    assert served.hub.storage is not None and served.hub.storage.count_events() == 8
    health = (await served.client.get("/v1/health", headers=auth(served.token))).json()
    assert health["seq"] == 8
    assert health["rejected"]["total"] == 1
    assert health["rejected"]["by_kind"] == {kind: 1}
    assert health["rejected"]["by_source"] == {"wire": 1}
    reason = health["rejected"]["recent"][0]
    assert reason.startswith("wire: ") and "frame 1: " in reason and words in reason
    # The next good event gets the next seq: nothing was skipped or spent.
    assert await served.hub.emit_raw(json.dumps(GOOD), source="wire")
    assert served.hub.seq == 9


async def test_duplicate_ring_is_rejected_as_duplicate(served: Served) -> None:
    await emit_all(served, [*team(), ring(600, "c/sip101", "sip101", "c1")])
    before = await state_of(served)
    assert not await served.hub.emit(ring(601, "c/sip101", "sip101", "c1"), source="s")
    assert await state_of(served) == before
    health = (await served.client.get("/v1/health", headers=auth(served.token))).json()
    assert health["rejected"]["by_kind"] == {"duplicate": 1}


async def test_account_remove_is_all_or_nothing(served: Served) -> None:
    """An event that would change many things (ends legs, removes devices) applies whole."""
    from ringmon.model.schema import AccountRemove

    await emit_all(
        served, [*team(), ring(600, "c/sip101", "sip101", "c1"), answer(605, "c/sip101")]
    )
    assert await served.hub.emit(AccountRemove(ts=at(700), login="sip101"), source="s")
    doc = await state_of(served)
    assert doc["legs"] == []
    assert {d["account"] for d in doc["devices"]} == {"sip102", "sip201"}
    page = (await served.client.get("/v1/calls", headers=auth(served.token))).json()
    assert page["calls"][0]["end_at"] == "2026-03-24T07:11:40Z"
    assert page["calls"][0]["outcome"] == "answered"


async def test_late_events_are_clamped_and_served_clamped(served: Served) -> None:
    await emit_all(served, team())
    late = device(120 - 250, "sip201", "c1", "offline")  # 250 s older than the newest
    assert await served.hub.emit(late, source="s")
    health = (await served.client.get("/v1/health", headers=auth(served.token))).json()
    assert health["clamped"] == 1 and health["rejected"]["total"] == 0
    async with feed(served.url, served.token, since=8) as ws:
        (served_event,) = await read_events(ws, 9)
    assert served_event["ts"] == "2026-03-24T07:02:00Z"  # the newest time, not its own
    doc = await state_of(served)
    e2 = next(e for e in doc["employees"] if e["id"] == "e2")
    assert e2["status"] == "offline" and e2["since"] == "2026-03-24T07:02:00Z"


async def test_file_source_bad_lines(served: Served, tmp_path: Path) -> None:
    good = [*team(), *calls(1)]
    numbered = json.loads(dump_event(good[3])) | {"seq": 999}
    lines = [
        "# a comment",
        "",
        *[dump_event(e) for e in good[:3]],
        json.dumps(numbered),  # seq on input: ignored, the hub numbers
        "{oops",
        json.dumps({"type": "presence.update", "ts": "2026-03-24T07:00:00Z"}),
        *[dump_event(e) for e in good[4:8]],
        dump_event(account(100, "sip9", "ghost")),
        *[dump_event(e) for e in good[8:]],
        "   ",
        "\xff\xfe not utf-8",
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8").replace("\xff\xfe".encode(), b"\xff\xfe"))
    source = FileSource(path)
    await source.run(served.hub)
    assert served.hub.seq == len(good) == 11
    health = (await served.client.get("/v1/health", headers=auth(served.token))).json()
    name = f"file:{path}"
    assert health["rejected"]["by_source"] == {name: 4}
    assert health["rejected"]["by_kind"] == {"malformed": 2, "unknown_type": 1, "inconsistent": 1}
    recent = health["rejected"]["recent"]
    assert [r.split(": ")[2] for r in recent] == [f"{name} line {n}" for n in (7, 8, 13, 18)]
    assert "unknown event type 'presence.update'" in recent[1]
    assert "ghost" in recent[2]
    assert "not UTF-8" in recent[3]


async def test_file_source_follows_appended_lines(served: Served, tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "live.jsonl"
    events = [*team(), *calls(1)]
    path.write_text(jsonl(events[:5]))
    source = FileSource(path, follow=True, poll=0.01)
    served.hub.add_source(source)
    async with feed(served.url, served.token, since=0) as ws:
        assert len(await read_events(ws, 5)) == 5
        text = jsonl(events[5:])
        with path.open("a") as f:
            f.write(text[:20])  # half a line: not read until it is complete
            f.flush()
            await asyncio.sleep(0.05)
            assert served.hub.seq == 5
            f.write(text[20:])
        rest = await read_events(ws, 11)
    assert [e["seq"] for e in rest] == list(range(6, 12))
    [entry] = served.hub.health()["sources"]
    assert (entry["name"], entry["state"], entry["detail"]) == (source.name, "running", None)
    assert served.hub.counters.rejected_kind == {}


async def test_a_failing_source_is_restarted_not_fatal(served: Served) -> None:
    import asyncio

    class Flaky:
        name = "flaky"
        runs = 0

        async def run(self, sink: object) -> None:
            Flaky.runs += 1
            if Flaky.runs == 1:
                raise RuntimeError("connection refused")
            await served.hub.emit(employee(0, "e9", "Late Starter"), source=self.name)

    served.hub.source_backoff = 0.01
    served.hub.add_source(Flaky())  # type: ignore[arg-type]
    for _ in range(300):
        if served.hub.seq == 1:
            break
        await asyncio.sleep(0.01)
    assert Flaky.runs == 2 and served.hub.seq == 1
    assert (await served.client.get("/v1/health")).status_code == 200
    [entry] = served.hub.health()["sources"]
    assert (entry["name"], entry["state"]) == ("flaky", "done")
