"""The examples of docs/sources/push.md work on a hub started as the README says
(``ringmon hub``, no ``--source``: no simulator, only the push API): each curl example's JSON
body, in the doc's order, gets the answer the doc shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from hub_helpers import auth
from hub_served import TLS

from ringmon.cli import build_parser
from ringmon.hub.server import HubConfig, running_hub

DOC = Path(__file__).resolve().parents[2] / "docs" / "sources" / "push.md"


def doc_examples() -> tuple[list[Any], list[Any]]:
    """The JSON bodies of the doc's ``curl -d '...'`` examples, and its JSON answers."""
    text = DOC.read_text(encoding="utf-8")
    bodies = [json.loads(b) for b in re.findall(r"-d '(.*?)'\n", text, flags=re.S)]
    answers = [json.loads(a) for a in re.findall(r"```json\n(.*?)```", text, flags=re.S)]
    return bodies, answers


async def test_push_doc_examples_on_a_hub_started_as_the_readme_says(tmp_path: Path) -> None:
    args = build_parser().parse_args(["hub", "--port", "0", "--data", str(tmp_path / "d")])
    config = HubConfig.from_args(args)
    assert list(config.sources) == []  # `ringmon hub` runs no simulator
    bodies, answers = doc_examples()
    assert len(bodies) == 5 and len(answers) == 3
    one, array, with_reason, all_or_nothing, with_ids = bodies
    async with running_hub(config) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("crm-bridge", "source")
        reader = server.hub.tokens.add("alice", "analyst")
        assert [s.name for s in server.hub.sources] == []
        async with httpx.AsyncClient(base_url=server.url, verify=TLS, timeout=10) as client:

            async def push(body: Any) -> httpx.Response:
                return await client.post("/v1/ingest", headers=auth(token), json=body)

            first = await push(one)
            assert first.status_code == 200, first.text
            assert first.json()["accepted"] == 1
            second = await push(array)
            assert (second.status_code, second.json()) == (200, answers[0])
            lunch = await push(with_reason)
            assert lunch.status_code == 200, lunch.text
            snapshot = (await client.get("/v1/snapshot", headers=auth(reader))).json()
            app = next(d for d in snapshot["devices"] if d["device"] == "app")
            assert (app["status"], app["reason"]) == ("dnd", "Lunch")
            refused = await push(all_or_nothing)
            assert refused.status_code == 422
            assert refused.json() == answers[1]
            third = await push(with_ids)
            assert third.status_code == 200, third.text
            assert third.json()["accepted"] == 2
            again = await push(with_ids)
            assert (again.status_code, again.json()) == (200, answers[2])
            health = (await client.get("/v1/health", headers=auth(reader))).json()
    assert health["events"] == 6
    assert health["status"] == "ok"
    assert set(health["rejected"]["by_source"]) == {"ingest:crm-bridge"}
