"""No 5xx from input, and no half-applied event (issue 9, items 2, 3 and 11), on a real hub.

Every body a client can send gets a 2xx or a 4xx with a sentence a person understands, and
every refusal is counted in ``/v1/health``: ts in year 1 or 9999 with an offset (was an
``OverflowError``, 500), JSON nested 10,000 deep (was a ``RecursionError``, 500), bodies that
are not JSON at all, bodies over the cap (refused while they stream in, before parsing). A
``call.ring`` in 9999 is refused whole: its leg is not in the snapshot and may ring later.
A bounded hypothesis fuzz of the push API asserts no 5xx, and that a refused request leaves
the hub's state exactly as it was.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.intake.push_api import MAX_BODY, MAX_EVENTS
from ringmon.hub.intake.validate import parse_input
from ringmon.hub.server import HubConfig, running_hub

START = datetime(2026, 3, 24, 9, 0, tzinfo=UTC).timestamp()
SANE = "2026-03-24T09:00:01Z"


@dataclass
class Pushing:
    hub: Hub
    url: str
    client: httpx.AsyncClient
    token: str
    analyst: str

    async def push(self, body: str | bytes, **headers: str) -> httpx.Response:
        return await self.client.post(
            "/v1/ingest",
            content=body,
            headers={"Authorization": f"Bearer {self.token}", **headers},
        )

    def by_kind(self) -> dict[str, int]:
        return dict(self.hub.health()["rejected"]["by_kind"])


@pytest.fixture
async def pushing(tmp_path: Path) -> AsyncIterator[Pushing]:
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="Europe/Warsaw")
    async with running_hub(config, clock=ManualClock(START), sources=[]) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("pbx", "source")
        analyst = server.hub.tokens.add("boss", "analyst")
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            yield Pushing(server.hub, server.url, client, token, analyst)


STAFF = [
    {"type": "employee.upsert", "ts": SANE, "id": "e1", "name": "Anna"},
    {"type": "account.upsert", "ts": SANE, "login": "sip1", "employee": "e1"},
]
RING = {"call": "c1", "leg": "c1/sip1", "account": "sip1", "direction": "in"}
SETUP = [
    *STAFF,
    {"type": "device.status", "ts": SANE, "account": "sip1", "device": "d1", "status": "online"},
    {"type": "call.ring", "ts": SANE, **RING},
]


async def test_bodies_that_are_not_json_are_400_and_counted(pushing: Pushing) -> None:
    cases = {
        "{nope": "not JSON",
        "[" * 10_000 + "]" * 10_000: "nested too deeply",
        '{"a":' * 10_000 + "1" + "}" * 10_000: "nested too deeply",
        "[1" + "0" * 5000 + "]": "not JSON",  # more digits than Python reads
        b"\xff\xfe{}": "not UTF-8",
    }
    for body, words in cases.items():
        answer = await pushing.push(body)
        assert answer.status_code == 400, (body[:20], answer.text)
        assert words in answer.json()["error"], answer.json()
    assert pushing.by_kind() == {"malformed": len(cases)}
    # A JSONL line nested too deeply is that event's error, with its index.
    lines = json.dumps(STAFF[0]) + "\n" + "[" * 10_000 + "]" * 10_000 + "\n"
    answer = await pushing.push(lines)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"index": 1, "message": "the JSON is nested too deeply to read (an event is a flat object)"}
    ]


async def test_a_value_that_is_not_an_object_is_that_events_error(pushing: Pushing) -> None:
    """A JSON string is not an event, even one holding an event's JSON text (a sender that
    encodes twice): it was read again as JSON and stored."""
    twice = json.dumps(json.dumps(STAFF[0]))
    cases = {
        twice: "a string",
        '"x"': "a string",
        "null": "null",
        "[1, true, [], null]": "a number|true or false|an array|null",
    }
    for body, what in cases.items():
        answer = await pushing.push(body)
        assert answer.status_code == 422, (body, answer.text)
        messages = [error["message"] for error in answer.json()["errors"]]
        assert messages == [f"an event is a JSON object, not {w}" for w in what.split("|")]
    assert pushing.hub.seq == 0


@pytest.mark.parametrize(
    "ts",
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T05:00:00+14:00",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31T12:00:00Z",
        "0001-01-01T00:00:00Z",
    ],
)
async def test_times_at_the_ends_of_the_calendar_are_422(pushing: Pushing, ts: str) -> None:
    answer = await pushing.push(json.dumps({**STAFF[0], "ts": ts}))
    assert answer.status_code == 422, answer.text
    message = answer.json()["errors"][0]["message"]
    assert "years" in message or "ahead of the hub's clock" in message, message
    assert sum(pushing.by_kind().values()) == 1


async def test_a_ring_in_9999_is_refused_whole(pushing: Pushing) -> None:
    device = {"type": "device.status", "ts": SANE, "account": "sip1", "device": "d1"}
    setup = [*STAFF, {**device, "status": "online"}]
    assert (await pushing.push(json.dumps(setup))).status_code == 200
    ring = {
        "type": "call.ring",
        "ts": "9999-12-31T12:00:00Z",
        "call": "c1",
        "leg": "c1/sip1",
        "account": "sip1",
        "direction": "in",
    }
    refused = await pushing.push(json.dumps(ring))
    assert refused.status_code == 422 and refused.json()["accepted"] == 0
    snapshot = await pushing.client.get(
        "/v1/snapshot", headers={"Authorization": f"Bearer {pushing.analyst}"}
    )
    assert snapshot.json()["legs"] == []
    # The same leg rings later, at a sane time (it used to be "already in progress").
    again = await pushing.push(json.dumps({**ring, "ts": "2026-03-24T09:00:02Z"}))
    assert again.status_code == 200, again.text


async def test_a_body_over_the_cap_is_refused_before_it_is_read(pushing: Pushing) -> None:
    big = b"[" + b",".join([json.dumps(STAFF[0]).encode()] * 380_000) + b"]"
    assert len(big) > 31 * 1024 * 1024
    answer = await pushing.push(big)
    assert answer.status_code == 413
    assert "MiB" in answer.json()["error"] and "several requests" in answer.json()["error"]

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: refused at the cap
        for start in range(0, len(big), 1 << 20):
            yield big[start : start + (1 << 20)]

    answer = await pushing.client.post(
        "/v1/ingest",
        content=streamed(),
        headers={"Authorization": f"Bearer {pushing.token}"},
    )
    assert answer.status_code == 413
    too_many = json.dumps([STAFF[0]] * (MAX_EVENTS + 1))
    assert len(too_many) < MAX_BODY
    answer = await pushing.push(too_many)
    assert answer.status_code == 413 and f"at most {MAX_EVENTS}" in answer.json()["error"]
    assert pushing.by_kind() == {"too_large": 3}
    assert pushing.hub.seq == 0


# -- the fuzz: a real hub on loopback, in a thread of its own ------------------------------


@dataclass
class ThreadHub:
    url: str
    token: str
    hub: Hub
    client: httpx.Client


@pytest.fixture(scope="module")
def thread_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadHub]:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    ready: list[ThreadHub] = []
    started = threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        config = HubConfig(data=data, port=0, sources=(), tz="Pacific/Kiritimati")
        async with running_hub(config, clock=ManualClock(START), sources=[]) as server:
            assert server.hub.tokens is not None
            token = server.hub.tokens.add("fuzz", "source")
            for event in SETUP:  # something for the fuzz to refer to: a device, a ringing leg
                assert server.hub.accept(parse_input(event), source="setup")
            ready.append(
                ThreadHub(
                    server.url, token, server.hub, httpx.Client(base_url=server.url, timeout=60)
                )
            )
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(60)
    yield ready[0]
    ready[0].client.close()
    loop.call_soon_threadsafe(stop.set)
    thread.join(60)


times = st.sampled_from(
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00-14:00",
        "9999-12-31T12:00:00Z",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31T23:59:59+14:00",
        "2999-01-01T00:00:00Z",
        SANE,
        "2026-03-24T08:50:00Z",
        "2026-03-24T09:00:00",
        "yesterday",
    ]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["e1", "sip1", "d1", "c1", "c1/sip1", "x" * 5000]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
kinds = st.sampled_from(
    ["employee.upsert", "employee.remove", "account.upsert", "account.remove",
     "device.status", "call.ring", "call.answer", "call.end", "nope", 7]
)  # fmt: skip
fields = st.sampled_from(
    ["id", "name", "login", "employee", "account", "device", "status", "dnd_capable",
     "call", "leg", "direction", "remote", "recording", "numbers", "seq", "event_id", "zz"]
)  # fmt: skip


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {"type": draw(kinds), "ts": draw(times)}
    for name in draw(st.lists(fields, max_size=6, unique=True)):
        event[name] = draw(json_values)
    return event


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


bodies = st.one_of(
    events().map(json.dumps),
    st.lists(events(), max_size=5).map(json.dumps),
    st.lists(events(), max_size=5).map(lambda es: "\n".join(map(json.dumps, es))),
    json_values.map(json.dumps),
    st.sampled_from([nested(10_000), nested(500), "", " ", "\n#x\n", "{", "[1,", "NaN"]),
    st.binary(max_size=50).map(lambda b: b.decode("latin-1")),
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=bodies)
def test_no_input_gets_a_5xx(thread_hub: ThreadHub, body: str) -> None:
    """Nor does a refused request change the hub's state, even in part."""
    before = copy.deepcopy(vars(thread_hub.hub.state))
    answer = thread_hub.client.post(
        "/v1/ingest",
        content=body.encode("utf-8", "surrogatepass"),
        headers={"Authorization": f"Bearer {thread_hub.token}"},
    )
    assert answer.status_code < 500, (body[:200], answer.text[:500])
    if answer.status_code >= 400:
        assert copy.deepcopy(vars(thread_hub.hub.state)) == before, body[:200]
        doc = answer.json()
        assert isinstance(doc["error"], str) and doc["error"].strip(), doc
        for error in doc.get("errors", []):
            assert isinstance(error["message"], str) and error["message"].strip(), doc
