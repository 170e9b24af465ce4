"""The REST side of the hub over a real loopback port: access (R1), documents, errors."""

from __future__ import annotations

import pytest
from hub_helpers import T0, account, auth, calls, device, employee, end, ring, team
from hub_helpers import answer as answer_ev
from hub_served import Served
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

import ringmon

ROUTES = [
    "/v1/whoami",
    "/v1/snapshot",
    "/v1/employees/e1/history",
    "/v1/employees/e1/history?period=7d",
    "/v1/calls",
    "/v1/calls?employee=e1&limit=5",
    "/v1/calls/c0/sip101/recording",
]


async def emit_all(served: Served, events: list) -> None:  # type: ignore[type-arg]
    for event in events:  # the hub's clock moves on with them (events ahead of it are refused)
        served.clock.set(max(served.clock.now(), event.ts.timestamp()))
        assert await served.hub.emit(event, source="test"), event


async def test_health_without_a_token_says_only_status_seq_version(served: Served) -> None:
    """Issue 9 item 12: the details named tokens (``ingest:crm-bridge-prod``) and logins
    taken from rejected events; without a token, only whether the hub is up and how far."""
    await emit_all(served, team())
    served.hub.reject("unknown_account", "device.status: no account 'sip-secret-login'", "crm")
    answer = await served.client.get("/v1/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "seq": 8, "version": ringmon.__version__}
    assert "sip-secret-login" not in answer.text and "crm" not in answer.text


@pytest.mark.parametrize("role", ["analyst", "administrator"])
async def test_health_details_need_a_reading_token(served: Served, role: str) -> None:
    assert served.hub.tokens is not None
    token = served.hub.tokens.add(f"t-{role}", role)
    served.hub.reject("unknown_account", "device.status: no account 'sip-secret-login'", "crm")
    answer = await served.client.get("/v1/health", headers=auth(token))
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["seq"] == 0 and body["version"] == ringmon.__version__
    assert body["rejected"]["total"] == 1 and body["rejected"]["by_source"] == {"crm": 1}
    assert "sip-secret-login" in body["rejected"]["recent"][0]
    assert body["speed"] == 1.0 and body["now"].endswith("Z")


@pytest.mark.parametrize("role", ["employee", "source"])
async def test_health_for_roles_that_may_not_read_is_the_public_part(
    served: Served, role: str
) -> None:
    assert served.hub.tokens is not None
    token = served.hub.tokens.add(f"t-{role}", role)
    answer = await served.client.get("/v1/health", headers=auth(token))
    assert answer.status_code == 200
    assert set(answer.json()) == {"status", "seq", "version"}


async def test_health_with_an_unknown_token_is_401(served: Served) -> None:
    answer = await served.client.get("/v1/health", headers=auth("not-a-token"))
    assert answer.status_code == 401 and "not known" in answer.json()["error"]


@pytest.mark.parametrize("route", ROUTES)
async def test_no_token_is_401(served: Served, route: str) -> None:
    answer = await served.client.get(route)
    assert answer.status_code == 401
    assert "Bearer" in answer.json()["error"]
    assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic YWxpY2U6eA==", "Bearer"])
async def test_unknown_token_is_401(served: Served, route: str, header: str) -> None:
    answer = await served.client.get(route, headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.json()["error"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["employee", "source"])
async def test_other_roles_are_403_with_a_sentence(served: Served, route: str, role: str) -> None:
    assert served.hub.tokens is not None
    token = served.hub.tokens.add("bob", role)
    answer = await served.client.get(route, headers=auth(token))
    assert answer.status_code == 403
    message = answer.json()["error"]
    assert f"'{role}'" in message and "Analyst" in message and "Administrator" in message


@pytest.mark.parametrize("role", ["analyst", "administrator"])
async def test_readers_may_read(served: Served, role: str) -> None:
    assert served.hub.tokens is not None
    token = served.hub.tokens.add("reader", role)
    answer = await served.client.get("/v1/whoami", headers=auth(token))
    assert answer.status_code == 200
    assert answer.json() == {"name": "reader", "role": role}


async def test_revoked_token_is_refused_at_once(served: Served) -> None:
    assert served.hub.tokens is not None
    token = served.hub.tokens.add("carol", "analyst")
    assert (await served.client.get("/v1/whoami", headers=auth(token))).status_code == 200
    assert served.hub.tokens.revoke("carol")
    assert (await served.client.get("/v1/whoami", headers=auth(token))).status_code == 401


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("bad", 401), ("employee", 403), ("source", 403)]
)
async def test_feed_refuses_the_handshake(served: Served, role: str | None, status: int) -> None:
    headers: dict[str, str] = {}
    if role == "bad":
        headers = auth("nope")
    elif role is not None:
        assert served.hub.tokens is not None
        headers = auth(served.hub.tokens.add("bob", role))
    url = served.url.replace("http://", "ws://") + "/v1/feed?since=0"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, additional_headers=headers):
            pass
    response = refused.value.response
    assert response.status_code == status
    assert b'"error"' in response.body


async def test_feed_bad_since_is_400(served: Served) -> None:
    url = served.url.replace("http://", "ws://") + "/v1/feed?since=abc"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, additional_headers=auth(served.token)):
            pass
    assert refused.value.response.status_code == 400


async def test_unknown_route_is_json_404(served: Served) -> None:
    answer = await served.client.get("/v1/nothing", headers=auth(served.token))
    assert answer.status_code == 404
    assert answer.json()["error"]


async def test_snapshot(served: Served) -> None:
    await emit_all(served, [*team(), ring(900, "c1/sip201", "sip201", "c1")])
    answer = await served.client.get("/v1/snapshot", headers=auth(served.token))
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["seq"] == 9 == served.hub.seq
    assert doc["tz"] == "Europe/Warsaw"
    assert doc["now"] == "2026-03-24T11:00:00Z"  # the manual clock, not the wall clock
    statuses = {e["id"]: e["status"] for e in doc["employees"]}
    assert statuses == {"e1": "online", "e2": "online"}
    assert [leg["leg"] for leg in doc["legs"]] == ["c1/sip201"]
    assert doc["legs"][0]["outcome"] == "ringing"
    assert doc["today"]["calls"] == 1


async def test_snapshot_to_a_loopback_client_is_plain(served: Served) -> None:
    """gzip would only add time where moving the bytes costs nothing (compression.py)."""
    await emit_all(served, [*team(), ring(900, "c1/sip201", "sip201", "c1")])
    answer = await served.client.get(
        "/v1/snapshot", headers={**auth(served.token), "Accept-Encoding": "gzip"}
    )
    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
    assert answer.json()["seq"] == 9


async def test_history_follows_r17(served: Served) -> None:
    """R17 through the hub: account A online 08-18, B online/dnd/offline; talking on A."""
    h = 3600.0
    events = [
        employee(0, "e1", "Anna Nowak", "Sales"),
        account(0, "sipA", "e1"),
        account(0, "sipB", "e1"),
        device(0, "sipA", "micro", "online"),
        device(0, "sipB", "app", "online", app=True),
        ring(1 * h - 10, "x/sipA", "sipA", "micro"),
        answer_ev(1 * h, "x/sipA"),
        end(1 * h + 900, "x/sipA"),
        device(4 * h, "sipB", "app", "dnd", app=True),
        device(4 * h + 600, "sipB", "app", "offline", app=True),
        device(5 * h, "sipB", "app", "online", app=True),
        device(9 * h, "sipB", "app", "offline", app=True),
        device(10 * h, "sipA", "micro", "offline"),
    ]
    await emit_all(served, events)
    served.clock.set(T0.timestamp() + 15 * h)  # 23:00 local
    answer = await served.client.get(
        "/v1/employees/e1/history?period=today", headers=auth(served.token)
    )
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    day = doc["days"][0]
    assert day["day"] == "2026-03-24"
    timeline = [(i["start"][11:16], i["end"][11:16], i["status"]) for i in day["timeline"]]
    assert timeline == [
        ("23:00", "07:00", "offline"),  # 00:00-08:00 local
        ("07:00", "08:00", "online"),
        ("08:00", "08:15", "talking"),
        ("08:15", "17:00", "online"),
        ("17:00", "22:00", "offline"),  # until now (23:00 local)
    ]
    assert day["stats"]["handled"] == 1 and day["stats"]["incoming"] == 1
    assert day["stats"]["average_answer"] == 10.0
    assert doc["total"]["in_status"]["talking"] == 900.0
    assert [a["login"] for a in doc["accounts"]] == ["sipA", "sipB"]
    same = await served.client.get(
        "/v1/employees/e1/history?from=2026-03-24&to=2026-03-24", headers=auth(served.token)
    )
    assert same.json()["days"] == doc["days"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("period=9x", 400),
        ("period=2026-03-25..2026-03-01", 400),
        ("from=2026-13-01", 400),
        ("to=2026-03-01", 400),
        ("period=7d&from=2026-03-01", 400),
        ("from=2026-01-01&to=2027-06-01", 400),
    ],
)
async def test_history_bad_periods(served: Served, query: str, status: int) -> None:
    await emit_all(served, team())
    answer = await served.client.get(
        f"/v1/employees/e1/history?{query}", headers=auth(served.token)
    )
    assert answer.status_code == status
    assert answer.json()["error"]


async def test_history_unknown_employee_is_404(served: Served) -> None:
    await emit_all(served, team())
    answer = await served.client.get("/v1/employees/zz/history", headers=auth(served.token))
    assert answer.status_code == 404
    assert "'zz'" in answer.json()["error"]


async def test_call_log_pages_newest_first(served: Served) -> None:
    await emit_all(served, [*team(), *calls(7), ring(9000, "c2/sip201", "sip201")])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "/v1/calls?employee=e1&limit=3" + (f"&cursor={cursor}" if cursor else "")
        answer = await served.client.get(query, headers=auth(served.token))
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen += [c["leg"] for c in page["calls"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [f"c{i}/sip101" for i in reversed(range(7))]
    assert pages == 3
    everyone = (await served.client.get("/v1/calls", headers=auth(served.token))).json()
    assert everyone["calls"][0]["leg"] == "c2/sip201"
    assert everyone["calls"][0]["outcome"] == "ringing"
    assert everyone["calls"][1]["outcome"] == "answered"
    assert everyone["calls"][1]["talk_seconds"] == 60.0
    other_day = await served.client.get(
        "/v1/calls?from=2026-03-25&to=2026-03-26", headers=auth(served.token)
    )
    assert other_day.json() == {"calls": [], "next": None}
    same_day = await served.client.get(
        "/v1/calls?from=2026-03-24&to=2026-03-24&limit=1000", headers=auth(served.token)
    )
    assert len(same_day.json()["calls"]) == 8


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1001", "limit=x", "cursor=%%%", "cursor=WzFd", "from=24.03.2026"]
)
async def test_call_log_bad_queries_are_400(served: Served, query: str) -> None:
    answer = await served.client.get(f"/v1/calls?{query}", headers=auth(served.token))
    assert answer.status_code == 400
    assert answer.json()["error"]


class Recorder:
    """A source that only serves recordings."""

    name = "rec"

    async def run(self, sink: object) -> None:
        return None

    def recording(self, ref: str) -> bytes | None:
        return b"RIFF-from-" + ref.encode() if ref.startswith("sim:") else None


async def test_recordings(served: Served) -> None:
    folder = served.hub.folder / "recordings"
    folder.mkdir()
    (folder / "a.wav").write_bytes(b"RIFF-file")
    served.hub.add_source(Recorder())  # type: ignore[arg-type]
    await emit_all(
        served,
        [
            *team(),
            *calls(1),
            ring(2000, "f/sip101", "sip101"),
            end(2010, "f/sip101", "file:a.wav"),
            ring(2100, "t/sip101", "sip101"),
            end(2110, "t/sip101", "file:../tokens.sqlite3"),
            ring(2200, "n/sip101", "sip101"),
            end(2201, "n/sip101"),
        ],
    )
    got = await served.client.get("/v1/calls/c0/sip101/recording", headers=auth(served.token))
    assert got.status_code == 200
    assert got.headers["content-type"] == "audio/wav"
    assert got.content == b"RIFF-from-sim:c0/sip101"
    encoded = await served.client.get("/v1/calls/c0%2Fsip101/recording", headers=auth(served.token))
    assert encoded.content == got.content
    from_file = await served.client.get("/v1/calls/f/sip101/recording", headers=auth(served.token))
    assert from_file.status_code == 200 and from_file.content == b"RIFF-file"
    for leg in ["t/sip101", "n/sip101", "nope"]:
        refused = await served.client.get(f"/v1/calls/{leg}/recording", headers=auth(served.token))
        assert refused.status_code == 404, leg
        assert refused.json()["error"]


async def test_wrong_method_is_json_405(served: Served) -> None:
    answer = await served.client.post("/v1/snapshot", headers=auth(served.token))
    assert answer.status_code == 405
    assert answer.json()["error"]


async def test_a_failure_is_a_json_500_without_traceback(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> str:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(served.hub, "snapshot_json", broken)
    answer = await served.client.get("/v1/snapshot", headers=auth(served.token))
    assert answer.status_code == 500
    assert answer.json() == {
        "error": "The hub failed to answer this request; the failure is in its log."
    }
    assert "secret" not in answer.text and "Traceback" not in answer.text


async def test_call_log_carries_the_callers_name(served: Served) -> None:
    """Issue 12: the call log shows the other party as the board does, name included."""
    named = ring(9000, "c9/sip101", "sip101").model_copy(update={"remote_name": "Jan Kowalski"})
    await emit_all(served, [*team(), named])
    page = (await served.client.get("/v1/calls?employee=e1", headers=auth(served.token))).json()
    assert [(c["remote"], c["remote_name"]) for c in page["calls"]] == [
        ("+48601000200", "Jan Kowalski")
    ]
