"""``GET /v1/replay?at=`` and ``/v1/replay/events`` on a real hub on loopback: the state at a
past moment is byte for byte the snapshot the hub served live at that moment (from an hourly
snapshot plus the events after it, or from the folded base); a moment in the future, before
what is kept, or no time at all gets a 4xx sentence; R1 holds; a profile's history as of a
moment has nothing after it."""

from __future__ import annotations

from itertools import pairwise

import httpx
from hub_helpers import T0, answer, auth, calls, device, end, ring, team
from hub_served import Served

from ringmon.hub.serving.replay import seq_at
from ringmon.hub.storage.checkpoints import SnapshotFiller
from ringmon.model.schema import Event

HOUR = 3600.0
START = T0.timestamp()


def iso(at: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def day() -> list[Event]:
    """Four hours of a small team: devices coming and going, calls in every hour, one call
    still ringing and one in progress at some of the moments below."""
    events = list(team())
    for hour in range(4):
        base = hour * HOUR
        events += [
            device(base + 100, "sip201", "c1", ("offline", "online")[hour % 2]),
            ring(base + 200, f"h{hour}/sip101", "sip101", "c1"),
            answer(base + 230, f"h{hour}/sip101"),
            end(base + 1900, f"h{hour}/sip101"),
            *calls(3, start=base + 2000, login="sip201"),
            ring(base + 3300, f"m{hour}/sip102", "sip102", "app"),
            end(base + 3340, f"m{hour}/sip102"),  # unanswered: missed
        ]
    return sorted(events, key=lambda e: e.ts)


MOMENTS = [
    START + s for s in (150, 215, 1000, HOUR + 5, 2 * HOUR + 230, 2 * HOUR + 3310, 3 * HOUR + 2100)
]
"""Between events, exactly on one (2 h 230 s: an answer), just after an hour's snapshot, with
a call ringing (215 s) and one in progress."""


async def feed_live_and_record(served: Served) -> dict[float, bytes]:
    """Accept the day in time order with the hub's clock following it; at each moment of
    ``MOMENTS``, the live ``/v1/snapshot`` (what a board fed live up to then shows)."""
    hub = served.hub
    events = day()
    live: dict[float, bytes] = {}
    pending = list(MOMENTS)
    for event in events:
        while pending and event.ts.timestamp() > pending[0]:
            moment = pending.pop(0)
            served.clock.set(moment)
            response = await served.client.get("/v1/snapshot", headers=auth(served.token))
            assert response.status_code == 200, response.text
            live[moment] = response.content
        served.clock.set(event.ts.timestamp())
        assert hub.accept(event, source="t")
        await hub.flush()
    served.clock.set(START + 5 * HOUR)
    return live


async def test_replay_equals_the_live_snapshot_at_each_moment(served: Served) -> None:
    live = await feed_live_and_record(served)
    storage = served.hub.storage
    assert storage is not None
    assert len(storage.snapshot_times()) >= 4  # hourly: the replays start from them
    for moment, expected in live.items():
        response = await served.client.get(
            "/v1/replay", params={"at": iso(moment)}, headers=auth(served.token)
        )
        assert response.status_code == 200, response.text
        assert response.content == expected, f"replay at {iso(moment)}"


async def test_replay_from_the_snapshots_filled_in_between_equals_live(served: Served) -> None:
    """With a snapshot every few events (hub/storage/checkpoints.py; at 2,000 employees one every
    2,000), each moment starts from a nearer one, and is still the live snapshot to the byte."""
    live = await feed_live_and_record(served)
    hub = served.hub
    storage = hub.storage
    assert storage is not None
    hourly = len(storage.snapshot_times())
    filler = SnapshotFiller(storage, hub.tz, hub.tz_name, hub.snapshot_interval, 5, share=1.0)
    assert filler.missing() and filler.fill() > 0
    assert filler.missing() == []
    kept = [seq for seq, _ in storage.snapshot_times()]
    assert len(kept) > hourly and all(b - a <= 5 + 5 // 4 for a, b in pairwise(kept))
    for moment, expected in live.items():
        found = storage.snapshot_before(moment)
        assert found is not None and seq_at(storage, moment, 0) - found[0] <= 6
        response = await served.client.get(
            "/v1/replay", params={"at": iso(moment)}, headers=auth(served.token)
        )
        assert response.status_code == 200, response.text
        assert response.content == expected, f"replay at {iso(moment)}"


async def test_the_call_log_at_a_moment_lists_the_calls_as_they_stood_then(
    served: Served,
) -> None:
    """``/v1/calls?at=``: the legs that had rung by then, not yet answered or ended (nor
    recorded) where that came later: the same legs as the history at that moment."""
    await feed_live_and_record(served)
    headers = auth(served.token)
    day_params = {"employee": "e1", "from": "2026-03-24", "to": "2026-03-24"}

    async def log(at: float | None) -> dict[str, dict[str, object]]:
        params = dict(day_params) if at is None else {**day_params, "at": iso(at)}
        response = await served.client.get("/v1/calls", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {leg["leg"]: leg for leg in response.json()["calls"]}

    stored = await log(None)
    assert stored["h1/sip101"]["end_at"] is not None and "h3/sip101" in stored
    ringing, talking = START + HOUR + 215, START + HOUR + 1000
    for moment, answered in ((ringing, False), (talking, True)):
        then = await log(moment)
        assert all(ring_at(leg) <= moment for leg in then.values())
        assert set(then) == {k for k, leg in stored.items() if ring_at(leg) <= moment}
        leg = then["h1/sip101"]
        assert leg["end_at"] is None and leg["recording"] is None
        assert (leg["answer_at"] is not None) is answered
        assert then["h0/sip101"] == stored["h0/sip101"]  # over by then: as stored
        response = await served.client.get(
            "/v1/employees/e1/history",
            params={"period": "today", "at": iso(moment)},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        history = {c["leg"]: c for c in response.json()["calls"]}
        fields = ("ring_at", "answer_at", "end_at")
        assert {k: [then[k][f] for f in fields] for k in then} == {
            k: [history[k][f] for f in fields] for k in history
        }
    response = await served.client.get(
        "/v1/calls", params={**day_params, "at": iso(START + 6 * HOUR)}, headers=headers
    )
    assert response.status_code == 400 and "in the future" in response.json()["error"]


def ring_at(leg: dict[str, object]) -> float:
    from datetime import datetime

    return datetime.fromisoformat(str(leg["ring_at"])).timestamp()


async def test_events_between_two_moments_play_forward(served: Served) -> None:
    await feed_live_and_record(served)
    storage = served.hub.storage
    assert storage is not None
    first, second = MOMENTS[1], MOMENTS[4]
    after = seq_at(storage, first, 0)
    upto = seq_at(storage, second, 0)
    got: list[int] = []
    seq = after
    while True:
        response = await served.client.get(
            "/v1/replay/events",
            params={"after": seq, "until": iso(second), "limit": 7},
            headers=auth(served.token),
        )
        assert response.status_code == 200, response.text
        page = response.json()
        got += [event["seq"] for event in page["events"]]
        seq = page["seq"]
        if not page["more"]:
            break
    assert got == list(range(after + 1, upto + 1))


async def test_moments_that_cannot_be_replayed_get_a_sentence(served: Served) -> None:
    await feed_live_and_record(served)
    headers = auth(served.token)

    async def refused(params: dict[str, str], path: str = "/v1/replay") -> tuple[int, str]:
        response = await served.client.get(path, params=params, headers=headers)
        return response.status_code, response.json()["error"]

    status, text = await refused({"at": iso(START + 6 * HOUR)})
    assert status == 400 and "in the future" in text and "/v1/snapshot" in text
    status, text = await refused({"at": iso(START - 60)})
    assert status == 410 and "before what the hub keeps" in text
    status, text = await refused({"at": "yesterday at noon"})
    assert status == 400 and "is not a time like" in text
    status, text = await refused({})
    assert status == 400 and "at= is missing" in text
    status, text = await refused({"after": "x", "until": iso(START)}, "/v1/replay/events")
    assert status == 400 and "whole numbers" in text
    # An offset whose '+' an unencoded query turned into a space still reads.
    response = await served.client.get(
        f"/v1/replay?at={iso(START + 1000)[:-1]}+00:00", headers=headers
    )
    assert response.status_code == 200, response.text


async def test_replay_is_for_readers_of_the_report_only(served: Served) -> None:
    await feed_live_and_record(served)
    params = {"at": iso(START + 1000)}
    assert (await served.client.get("/v1/replay", params=params)).status_code == 401
    hub_tokens = served.hub.tokens
    assert hub_tokens is not None
    employee = hub_tokens.add("bob", "employee")
    response = await served.client.get("/v1/replay", params=params, headers=auth(employee))
    assert response.status_code == 403
    response = await served.client.get(
        "/v1/replay/events", params={"after": 0, "until": params["at"]}, headers=auth(employee)
    )
    assert response.status_code == 403


async def test_after_retention_the_base_is_the_start(served: Served) -> None:
    live = await feed_live_and_record(served)
    hub = served.hub
    # Retention folds the first two hours into the base (and drops their snapshots).
    cutoff = START + 2 * HOUR + 60
    await hub.prune(now=cutoff + hub.retention)
    assert hub.base_seq > 0
    headers = auth(served.token)
    for moment in MOMENTS:
        response = await served.client.get(
            "/v1/replay", params={"at": iso(moment)}, headers=headers
        )
        if moment < cutoff - 60:
            assert response.status_code == 410, (iso(moment), response.text)
            assert "before what the hub keeps" in response.json()["error"]
        else:
            assert response.status_code == 200, (iso(moment), response.text)
            assert response.content == live[moment]
    response = await served.client.get(
        "/v1/replay/events", params={"after": 1, "until": iso(MOMENTS[-1])}, headers=headers
    )
    assert response.status_code == 410 and "no longer kept" in response.json()["error"]


async def test_a_history_as_of_a_moment_has_nothing_after_it(served: Served) -> None:
    await feed_live_and_record(served)
    headers = auth(served.token)
    moment = START + HOUR + 215  # h1 rang at +200 and is ringing, not yet answered
    response = await served.client.get(
        "/v1/employees/e1/history",
        params={"period": "today", "at": iso(moment)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["now"].startswith(iso(moment)[:19])
    legs = {leg["leg"] for leg in doc["calls"]}
    assert "h1/sip101" in legs and "h2/sip101" not in legs and "h3/sip101" not in legs
    later = await served.client.get(
        "/v1/employees/e1/history", params={"period": "today"}, headers=headers
    )
    assert "h3/sip101" in {leg["leg"] for leg in later.json()["calls"]}
    future = await served.client.get(
        "/v1/employees/e1/history",
        params={"period": "today", "at": iso(START + 9 * HOUR)},
        headers=headers,
    )
    assert future.status_code == 400 and "in the future" in future.json()["error"]


async def test_a_hub_still_loading_says_so_and_replays_once_loaded(served: Served) -> None:
    """While a source catches up, or while the moment's past days are still being written in
    bulk, the state at a moment would lack events: 503 with a sentence (the client asks again)."""
    hub = served.hub
    assert hub.reserve_history(50, start=START - 86_400.0, end=START)
    await feed_live_and_record(served)
    headers = auth(served.token)

    async def replay(at: float) -> httpx.Response:
        return await served.client.get("/v1/replay", params={"at": iso(at)}, headers=headers)

    response = await replay(START - 3600.0)
    assert response.status_code == 503
    assert "still loading its past days" in response.json()["error"]
    assert (await replay(START + HOUR)).status_code == 200  # today's are all in
    hub.drop_history()
    hub.catch_up_wait = 0.05
    hub.catching_up["sim"] = None
    hub._caught_up.clear()
    response = await replay(START + HOUR)
    assert response.status_code == 503 and "still loading history" in response.json()["error"]
    hub.caught_up("sim")
    assert (await replay(START + HOUR)).status_code == 200
