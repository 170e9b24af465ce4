"""When the hub gzips a big answer (the snapshot): the client accepts gzip and is across a
network. Black-box through the app with a client that stands at a remote address."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ringmon.hub.serving.compression import accepts_gzip, maybe_gzipped, worth_gzipping

BODY = '{"seq": 1, "employees": [' + ",".join(['{"id": "e"}'] * 500) + "]}"


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip, deflate", True),
        ("br;q=1.0, GZIP;q=0.5", True),
        ("*", True),
        ("identity", False),
        ("gzip;q=0", False),
        ("gzip;q=0.0, deflate", False),
        ("gzip;q=nonsense", False),
        ("deflate", False),
        ("", False),
    ],
)
def test_accept_encoding(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


@pytest.mark.parametrize(
    ("host", "worth"),
    [("203.0.113.7", True), ("2001:db8::1", True), ("127.0.0.1", False), ("::1", False)],
)
def test_not_to_loopback(host: str, worth: bool) -> None:
    assert worth_gzipping("gzip", host) is worth
    assert not worth_gzipping("identity", host)


async def test_a_remote_client_that_accepts_gzip_gets_it_gzipped() -> None:
    async def answer(request: Request) -> Response:
        return await maybe_gzipped(request, BODY, {"Ringmon-Protocol": "1"})

    app = Starlette(routes=[Route("/doc", answer)])
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        zipped = await client.get("/doc", headers={"Accept-Encoding": "gzip"})
        plain = await client.get("/doc", headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["ringmon-protocol"] == "1"
    assert len(zipped.content) == len(BODY)  # httpx inflated it
    assert int(zipped.headers["content-length"]) < len(BODY) / 10
    assert zipped.text == plain.text == BODY
    assert "content-encoding" not in plain.headers
