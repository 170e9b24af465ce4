"""How export reads a hub's answers, with a scripted transport: odd answers give one clear
error, never a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from ringmon.export.inputs import ExportError, Subject, from_hub
from ringmon.hub_client import HubClient

Handler = Callable[[httpx.Request], httpx.Response]


def export_from(handler: Handler, employee: str) -> Subject:
    async def run() -> Subject:
        transport = httpx.MockTransport(handler)
        async with HubClient("http://hub.test", "t0ken", transport=transport) as hub:
            return await from_hub(hub, employee, "today", None)

    return asyncio.run(run())


def test_an_answer_that_is_not_a_history_document() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer t0ken"
        return httpx.Response(200, json={"hello": "world"})

    with pytest.raises(ExportError, match="sent a history that this version of ringmon") as info:
        export_from(handler, "e1")
    assert info.value.code == 1


def test_a_server_error_gives_the_hubs_own_words() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": "the storage is gone"})

    with pytest.raises(ExportError, match="the hub answered 500: the storage is gone"):
        export_from(handler, "e1")


def test_a_refusal_gives_the_hubs_own_words() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"error": "Only analysts and administrators may."})

    with pytest.raises(ExportError, match=r"the hub refused the token \(403\): Only analysts"):
        export_from(handler, "e1")


def test_a_name_is_looked_up_in_the_snapshot() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/v1/snapshot":
            return httpx.Response(
                200,
                json={
                    "seq": 1,
                    "now": "2026-03-24T12:00:00Z",
                    "employees": [{"id": "e7", "name": "Ewa Lis"}],
                    "today": {"day": "2026-03-24"},
                },
            )
        return httpx.Response(404, json={"error": "there is no employee with that id"})

    with pytest.raises(ExportError, match="knows no employee 'ewa lis'"):
        export_from(handler, "ewa lis")
    assert asked == ["/v1/employees/ewa lis/history", "/v1/snapshot", "/v1/employees/e7/history"]
