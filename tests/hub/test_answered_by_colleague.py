"""Issue 12's product decision through a real hub: R11 stays per leg in hunt groups, and the
history (the profile, ``export stats``) says how many of the missed a colleague answered; at a
past moment (the replay), only the answers made by then count."""

from __future__ import annotations

from datetime import UTC, timedelta

from hub_helpers import T0, account, auth, device, employee, end, ring
from hub_helpers import answer as answer_ev
from hub_served import Served

from ringmon.model.calls import CallLeg, mark_answered_by_colleague
from ringmon.model.schema import Direction, utc_text
from ringmon.model.stats import call_stats
from ringmon.model.wire import LegDoc
from ringmon.present.call_row import call_row

HUNT_GROUP_EVENTS = [
    employee(0, "e1", "Anna Nowak", "Sales"),
    employee(0, "e2", "Piotr Zielinski", "Sales"),
    account(0, "sip101", "e1"),
    account(0, "sip201", "e2"),
    device(10, "sip101", "c1", "online"),
    device(10, "sip201", "c1", "online"),
    # A hunt group rings both; Piotr answers after 8 s: Anna's leg is missed (R11), and
    # a colleague answered it.
    ring(600, "h1/sip101", "sip101", "c1"),
    ring(600, "h1/sip201", "sip201", "c1"),
    answer_ev(608, "h1/sip201"),
    end(608, "h1/sip101"),
    end(700, "h1/sip201"),
    # Sequential: rings Anna 7 s, then Piotr, who answers.
    ring(900, "h2/sip101", "sip101", "c1"),
    end(907, "h2/sip101"),
    ring(907, "h2/sip201", "sip201", "c1"),
    answer_ev(910, "h2/sip201"),
    end(960, "h2/sip201"),
    # Nobody answers: missed by both, answered by no one.
    ring(1200, "h3/sip101", "sip101", "c1"),
    ring(1200, "h3/sip201", "sip201", "c1"),
    end(1210, "h3/sip101"),
    end(1210, "h3/sip201"),
]
"""Anna (e1) and Piotr (e2) in a hunt group: h1 and h2 missed by Anna and answered by Piotr,
h3 missed by both."""


async def emit_all(served: Served, events: list) -> None:  # type: ignore[type-arg]
    for event in events:  # the hub's clock moves on with them (events ahead of it are refused)
        served.clock.set(max(served.clock.now(), event.ts.timestamp()))
        assert await served.hub.emit(event, source="test"), event


async def test_missed_legs_a_colleague_answered_are_counted(served: Served) -> None:
    await emit_all(served, HUNT_GROUP_EVENTS)
    served.clock.set(T0.timestamp() + 3600)
    doc = (
        await served.client.get("/v1/employees/e1/history?period=today", headers=auth(served.token))
    ).json()
    assert (doc["total"]["missed"], doc["total"]["missed_answered_by_colleague"]) == (3, 2)
    flags = {leg["call"]: leg["answered_by_colleague"] for leg in doc["calls"]}
    assert flags == {"h1": True, "h2": True, "h3": False}
    piotr = (
        await served.client.get("/v1/employees/e2/history?period=today", headers=auth(served.token))
    ).json()
    assert (piotr["total"]["missed"], piotr["total"]["missed_answered_by_colleague"]) == (1, 0)


def test_the_rule_in_the_model() -> None:
    def leg(call: str, emp: str, answered: bool, ring_for: float = 8.0) -> CallLeg:
        return CallLeg(
            call, f"{call}/{emp}", emp, None, emp, Direction.IN, "", 0.0,
            answer_at=ring_for if answered else None, end_at=ring_for,
        )  # fmt: skip

    mine = [leg("a", "e1", False), leg("b", "e1", False), leg("c", "e1", False, 3.0)]
    mark_answered_by_colleague(mine, [("a", "e2"), ("b", "e1"), ("c", "e3")])
    assert [x.answered_by_colleague for x in mine] == [True, False, True]
    stats = call_stats(mine, 100.0)
    # The short one (3 s) is not missed, so it does not count among the missed.
    assert (stats.missed, stats.missed_answered_by_colleague) == (2, 1)


async def test_the_call_log_says_which_missed_calls_a_colleague_answered(served: Served) -> None:
    """The call log's rows come from ``/v1/calls``: the same legs the profile counts as
    "missed, answered by a colleague" read so in the Result column, in the profile's words."""
    await emit_all(served, HUNT_GROUP_EVENTS)
    served.clock.set(T0.timestamp() + 3600)
    day = T0.date().isoformat()
    page = (
        await served.client.get(
            f"/v1/calls?employee=e1&from={day}&to={day}", headers=auth(served.token)
        )
    ).json()
    legs = [LegDoc.model_validate(c) for c in page["calls"]]
    results = {
        leg.call: str(call_row(leg, UTC, served.clock.now(), many_days=False)[5]) for leg in legs
    }
    assert results == {
        "h1": "missed · answered by a colleague",
        "h2": "missed · answered by a colleague",
        "h3": "missed",
    }
    compact = {
        leg.call: str(call_row(leg, UTC, served.clock.now(), False, compact=True)[4])
        for leg in legs
    }
    assert compact["h1"] == "missed · colleague" and compact["h3"] == "missed"
    history = (
        await served.client.get("/v1/employees/e1/history?period=today", headers=auth(served.token))
    ).json()
    shown = sum(" · answered by a colleague" in r for r in results.values())
    assert shown == history["total"]["missed_answered_by_colleague"] == 2


SEQUENTIAL_EVENTS = [
    employee(0, "e1", "Anna Nowak", "Sales"),
    employee(0, "e2", "Piotr Zielinski", "Sales"),
    account(0, "sip101", "e1"),
    account(0, "sip201", "e2"),
    device(10, "sip101", "c1", "online"),
    device(10, "sip201", "c1", "online"),
    # Rings Anna 10 s (missed), then Piotr, who answers 10 s later.
    ring(600, "s1/sip101", "sip101", "c1"),
    end(610, "s1/sip101"),
    ring(610, "s1/sip201", "sip201", "c1"),
    answer_ev(620, "s1/sip201"),
    end(700, "s1/sip201"),
]


async def test_a_past_moment_knows_only_the_answers_made_by_then(served: Served) -> None:
    """The replay (``?at=``) of the profile and the call log: at 10:10:15, Anna had missed
    the call and Piotr's phone was ringing; that he answered at 10:10:20 was not known yet."""
    await emit_all(served, SEQUENTIAL_EVENTS)
    await served.hub.flush()
    served.clock.set(T0.timestamp() + 3600)
    day = T0.date().isoformat()

    async def flags(moment: float) -> tuple[bool, bool, int]:
        at = utc_text(T0 + timedelta(seconds=moment))
        history = await served.client.get(
            "/v1/employees/e1/history",
            params={"period": "today", "at": at},
            headers=auth(served.token),
        )
        page = await served.client.get(
            "/v1/calls",
            params={"employee": "e1", "from": day, "to": day, "at": at},
            headers=auth(served.token),
        )
        assert history.status_code == page.status_code == 200, (history.text, page.text)
        (profile_leg,) = history.json()["calls"]
        (log_leg,) = page.json()["calls"]
        total = history.json()["total"]
        assert total["missed"] == 1  # missed either way (R11: per leg)
        return (
            profile_leg["answered_by_colleague"],
            log_leg["answered_by_colleague"],
            total["missed_answered_by_colleague"],
        )

    assert await flags(615) == (False, False, 0)  # between the miss and the answer
    assert await flags(620) == (True, True, 1)  # the moment of the answer
    assert await flags(900) == (True, True, 1)
