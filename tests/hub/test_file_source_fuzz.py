"""The ``file:`` source never dies on a line: garbage mixed with valid lines, tailed by a real
hub (served on loopback, read over REST); every valid line is stored at once, every bad one is
a counted rejection naming the file and line, and the source keeps running."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hub_helpers import T0, auth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubThread
from ringmon.sources.file import MAX_LINE, FileSource

TS = T0.isoformat().replace("+00:00", "Z")

NASTY = [
    "[" * 10_000,  # JSON nested deeper than the parser's recursion limit
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    '{"type":"employee.upsert","ts":"9999-12-31T23:59:59-23:59","id":"x","name":"X"}',
    '{"type":"employee.upsert","ts":"0001-01-01T00:00:00+23:59","id":"x","name":"X"}',
    '{"type":"call.ring","ts":"' + TS + '","call":"c","leg":"c/1","account":"nobody",'
    '"direction":"sideways","remote":"1"}',
    '{"type":"employee.upsert","ts":1e999999,"id":"x","name":"X"}',
    '{"type":"employee.upsert","ts":"' + TS + '","id":"x","name":"' + "n" * 100_000 + '"}',
    '{"type":"no.such.kind","ts":"' + TS + '"}',
    "null",
    "[1, 2, 3]",
    '"just a string"',
    "{not json",
    "\x00\x01\x02",
    "NaN",
]

garbage_line = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=200).map(lambda t: t.replace("\n", " ")),
    st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")),
    st.dictionaries(
        st.sampled_from(["type", "ts", "id", "name", "call", "leg", "seq"]),
        st.one_of(st.integers(), st.floats(), st.text(max_size=20), st.none()),
        max_size=5,
    ).map(json.dumps),
)


def valid_line(n: int) -> bytes:
    event = {"type": "employee.upsert", "ts": TS, "id": f"fz{n}", "name": f"Fuzz {n}"}
    return json.dumps(event).encode() + b"\n"


class Tailed:
    """A real hub tailing one file; lines are appended and the hub is asked over REST."""

    def __init__(self, thread: HubThread, path: Path, token: str) -> None:
        self.thread = thread
        self.path = path
        self.client = httpx.Client(base_url=thread.url, headers=auth(token), timeout=10)
        self.valid = 0
        self.lines = 0

    def append(self, lines: list[bytes | str]) -> int:
        """Append ``lines``; returns the line number of the last one."""
        with self.path.open("ab") as f:
            for line in lines:
                f.write(line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line)
                if not (line.endswith(b"\n") if isinstance(line, bytes) else False):
                    f.write(b"\n")
        self.lines += len(lines)
        return self.lines

    def wait_for_events(self, count: int, timeout: float = 20.0) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while True:
            health = self.client.get("/v1/health").json()
            if health["events"] >= count:
                return dict(health)
            if time.monotonic() > deadline:
                raise AssertionError(f"{health['events']} events stored, wanted {count}: {health}")
            time.sleep(0.01)


@pytest.fixture
def tailed(tmp_path: Path) -> Iterator[Tailed]:
    path = tmp_path / "live.jsonl"
    path.write_bytes(b"")
    source = FileSource(path, follow=True, poll=0.01)
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="Europe/Warsaw")
    clock = ManualClock(T0.timestamp())
    with HubThread(config, clock=clock, sources=[source]) as thread:
        assert thread.server is not None and thread.server.hub.tokens is not None
        token = thread.server.hub.tokens.add("fuzz", "analyst")
        tailed = Tailed(thread, path, token)
        yield tailed
        tailed.client.close()


def test_the_issue_lines_are_rejected_and_the_next_line_is_stored(tailed: Tailed) -> None:
    last_bad = tailed.append([*NASTY])
    tailed.append([valid_line(0)])
    health = tailed.wait_for_events(1)
    assert health["status"] == "ok"
    [source] = health["sources"]  # type: ignore[misc]
    assert source["state"] == "running"
    rejected = health["rejected"]
    assert rejected["total"] == len(NASTY)  # type: ignore[index]
    name = f"file:{tailed.path}"
    assert rejected["by_source"] == {name: len(NASTY)}  # type: ignore[index]
    assert any(f"{name} line {last_bad}:" in r for r in rejected["recent"])  # type: ignore[index]


def test_an_overlong_line_is_skipped_without_holding_it(tailed: Tailed) -> None:
    tailed.append([b'{"type":"employee.upsert","name":"' + b"x" * (MAX_LINE + 10) + b'"}'])
    tailed.append([valid_line(1)])
    health = tailed.wait_for_events(1)
    assert "longer than" in health["rejected"]["recent"][-1]  # type: ignore[index]
    assert "line 1:" in health["rejected"]["recent"][-1]  # type: ignore[index]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(garbage_line, st.just(None)), min_size=1, max_size=12))
def test_garbage_never_stops_the_file_source(
    tailed: Tailed, lines: list[str | bytes | None]
) -> None:
    """``None`` marks a valid line; everything valid is stored, in order, and nothing else."""
    written: list[bytes | str] = []
    for line in lines:
        if line is None:
            written.append(valid_line(tailed.valid))
            tailed.valid += 1
        else:
            written.append(line)
    tailed.append(written)
    tailed.append([valid_line(tailed.valid)])  # one more: stored at once after the garbage
    tailed.valid += 1
    health = tailed.wait_for_events(tailed.valid)
    assert health["events"] == tailed.valid  # no garbage was stored
    assert health["sources"][0]["state"] == "running"  # type: ignore[index]
    snapshot = tailed.client.get("/v1/snapshot").json()
    ids = {e["id"] for e in snapshot["employees"]}
    assert {f"fz{n}" for n in range(tailed.valid)} <= ids
