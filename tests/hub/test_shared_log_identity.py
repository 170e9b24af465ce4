"""Health says which shared log a hub serves (``log.stream``: the stream's name and creation
time): the same on every hub of one stream, different on another NATS server's stream, so a
client failing over between hubs resumes with ``since`` only on the same log (REQUESTS #3)."""

from __future__ import annotations

from pathlib import Path

import httpx
from hub_helpers import T0
from shared_log_helpers import clustered_hub, needs_nats

from ringmon.bench.nats_cluster import nats_cluster
from ringmon.feed.hub_health import parse_hub_health
from ringmon.hub.clock import ManualClock
from ringmon.hub.log import STREAM

pytestmark = needs_nats


async def test_hubs_of_one_stream_say_the_same_log_and_another_stream_another(
    tmp_path: Path,
) -> None:
    clock = ManualClock(T0.timestamp() + 4 * 3600)
    async with (
        nats_cluster(tmp_path / "nats1", 1) as one,
        nats_cluster(tmp_path / "nats2", 1) as two,
        clustered_hub(tmp_path / "a", one.urls, clock) as a,
        clustered_hub(tmp_path / "b", one.urls, clock) as b,
        clustered_hub(tmp_path / "c", two.urls, clock) as c,
    ):
        said = []
        async with httpx.AsyncClient() as http:
            for server in (a, b, c):
                token = server.hub.tokens.add("alice", "analyst")  # type: ignore[union-attr]
                answer = await http.get(
                    f"{server.url}/v1/health", headers={"Authorization": f"Bearer {token}"}
                )
                assert answer.status_code == 200
                said.append(answer.json()["log"])
        assert said[0]["hub"] != said[1]["hub"]
        assert said[0]["stream"].startswith(f"{STREAM}@")
        assert said[0]["stream"] == said[1]["stream"] != said[2]["stream"]
        # as the client reads it
        logs = [parse_hub_health({"status": "ok", "log": doc}).log for doc in said]
        assert logs[0] == logs[1] == said[0]["stream"] and logs[2] == said[2]["stream"]
        # an employee's client (no report) and no token at all learn it too
        token = a.hub.tokens.add("bob", "employee")  # type: ignore[union-attr]
        async with httpx.AsyncClient() as http:
            for headers in ({"Authorization": f"Bearer {token}"}, {}):
                doc = (await http.get(f"{a.url}/v1/health", headers=headers)).json()
                assert doc["log"] == {"stream": said[0]["stream"]}, doc
                assert parse_hub_health(doc).shared_log
