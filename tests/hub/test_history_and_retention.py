"""History through the hub equals the model's own computation over every event (also when
accounts change hands), and retention folds old events into a base without changing any
answer: live state, history, restart. Resuming from before the retention is a resync."""

from __future__ import annotations

from datetime import date

import httpx
from hub_helpers import (
    T0,
    account,
    answer,
    auth,
    device,
    employee,
    end,
    feed,
    next_of_type,
    read_events,
    ring,
)
from hub_served import TLS, Served

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, running_hub
from ringmon.model.history import employee_history
from ringmon.model.history_docs import history_doc
from ringmon.model.period import days_window, parse_period
from ringmon.model.schema import AccountRemove, EmployeeRemove, Event, with_seq_ts
from ringmon.model.state import State
from ringmon.model.stats import period_stats

DAY = 86_400.0


def expected_history(events: list[Event], employee_id: str, period: str, now: float) -> dict:  # type: ignore[type-arg]
    """What the history document must be: every event replayed into one recording state."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Warsaw")
    state = State(tz, record=True)
    for seq, event in enumerate(events, start=1):
        state.apply(with_seq_ts(event, seq, event.ts))
    days: list[date] = parse_period(period, now, tz)
    start, stop = days_window(days, tz)
    stop = max(start, min(stop, now))
    found = employee_history(state, employee_id)
    assert found is not None
    stats = period_stats(found.merged, found.calls, days, tz, now)
    emp = state.employees[employee_id]
    doc = history_doc(found, stats, start, stop, now, "Europe/Warsaw", emp.status, emp.since)
    return doc.model_dump(mode="json")


def moving_accounts() -> list[Event]:
    """Accounts change hands with devices registered and calls around the moves."""
    h = 3600.0
    return [
        employee(0, "e1", "Anna Nowak", "Sales"),
        employee(0, "e2", "Piotr Zieliński", "Support"),
        account(0, "sipA", "e1"),
        account(0, "sipB", "e1"),
        account(0, "sipC", None),  # nobody's, yet
        device(60, "sipA", "c1", "online"),
        device(60, "sipB", "app", "dnd", app=True),
        device(90, "sipC", "c1", "online"),
        ring(1 * h, "k1/sipA", "sipA", "c1"),
        answer(1 * h + 5, "k1/sipA"),
        account(1 * h + 60, "sipA", "e2"),  # moves during a call of e1's
        end(1 * h + 300, "k1/sipA"),
        ring(2 * h, "k2/sipA", "sipA", "c1"),
        end(2 * h + 20, "k2/sipA"),  # missed, by e2
        account(3 * h, "sipC", "e2"),  # an unowned, registered account is given to e2
        employee(4 * h, "e3", "Late Hire"),
        account(4 * h + 10, "sipB", "e3"),  # e1's account goes to someone e1 never knew
        device(5 * h, "sipB", "app", "online", app=True),
        account(6 * h, "sipB", "e1"),  # and back
        device(7 * h, "sipC", "c1", "offline"),
        AccountRemove(ts=T0.replace(hour=15), login="sipA"),
        EmployeeRemove(ts=T0.replace(hour=16), id="e3"),
    ]


async def test_history_equals_the_model_over_all_events(served: Served) -> None:
    events = moving_accounts()
    served.clock.set(T0.timestamp() + 14 * 3600)  # 22:00 local
    for event in events:
        assert await served.hub.emit(event, source="t"), event
    now = served.clock.now()
    for employee_id in ("e1", "e2"):
        for period in ("today", "3d"):
            answer_ = await served.client.get(
                f"/v1/employees/{employee_id}/history?period={period}", headers=auth(served.token)
            )
            assert answer_.status_code == 200, answer_.text
            assert answer_.json() == expected_history(events, employee_id, period, now), (
                employee_id,
                period,
            )
    removed = await served.client.get("/v1/employees/e3/history", headers=auth(served.token))
    assert removed.status_code == 404


async def test_history_links_survive_a_restart(config: HubConfig, clock: ManualClock) -> None:
    """Which events built an account is kept in the checkpoint: a move after a restart
    still gives the new owner the account's devices and legs."""
    events = moving_accounts()
    clock.set(T0.timestamp() + 14 * 3600)
    async with running_hub(config, clock=clock, sources=[]) as first:
        for event in events[:10]:  # up to e1's call on sipA in progress
            assert await first.hub.emit(event, source="t")
    async with running_hub(config, clock=clock, sources=[]) as second:
        assert second.hub.tokens is not None
        token = second.hub.tokens.add("alice", "analyst")
        for event in events[10:]:
            assert await second.hub.emit(event, source="t")
        async with httpx.AsyncClient(base_url=second.url, verify=TLS) as client:
            for employee_id in ("e1", "e2"):
                got = await client.get(
                    f"/v1/employees/{employee_id}/history?period=today", headers=auth(token)
                )
                want = expected_history(events, employee_id, "today", clock.now())
                assert got.json() == want, employee_id


def forty_days() -> list[Event]:
    events: list[Event] = [
        employee(0, "e1", "Anna Nowak", "Sales"),
        employee(0, "e2", "Piotr Zieliński", "Support"),
        account(0, "sip101", "e1"),
        account(0, "sip201", "e2"),
        device(0, "sip101", "c1", "online"),
    ]
    for d in range(40):
        t = d * DAY
        leg = f"d{d}/sip101"
        events += [
            device(t + 3600, "sip201", "c1", "online"),
            ring(t + 4000, leg, "sip101", "c1"),
            answer(t + 4010, leg),
            end(t + 4100, leg, f"sim:{leg}"),
            device(t + 8 * 3600, "sip201", "c1", "offline"),
        ]
    return events


async def test_retention_folds_old_events_without_changing_answers(
    config: HubConfig, clock: ManualClock
) -> None:
    config.retention_days = 35
    events = forty_days()
    clock.set(T0.timestamp() + 39 * DAY + 10 * 3600)
    queries = [
        "/v1/snapshot",
        "/v1/employees/e1/history?period=7d",
        "/v1/employees/e2/history?period=7d",
        "/v1/employees/e2/history?period=3d",
    ]

    async def answers(url: str, token: str) -> list[dict]:  # type: ignore[type-arg]
        out = []
        async with httpx.AsyncClient(base_url=url, verify=TLS) as client:
            for query in queries:
                doc = (await client.get(query, headers=auth(token))).json()
                doc.pop("now")
                out.append(doc)
        return out

    async with running_hub(config, clock=clock, sources=[]) as server:
        hub = server.hub
        assert hub.tokens is not None
        token = hub.tokens.add("alice", "analyst")
        for event in events:
            assert await hub.emit(event, source="t")
        last = hub.seq
        before = await answers(server.url, token)
        folded = await hub.prune()
        assert folded > 0 and hub.base_seq == folded
        # Events older than 35 days before now are gone: days 0-4 (and the first 5 events).
        assert hub.base_seq == 5 + 5 * 5
        assert await answers(server.url, token) == before
        assert hub.health()["retained_from_seq"] == hub.base_seq + 1
        async with feed(server.url, token, since=hub.base_seq - 1) as ws:
            message = await next_of_type(ws, "resync")
            assert "no longer kept" in message["reason"]
        async with feed(server.url, token, since=hub.base_seq) as ws:
            replayed = await read_events(ws, last)
            assert [e["seq"] for e in replayed] == list(range(hub.base_seq + 1, last + 1))
        async with httpx.AsyncClient(base_url=server.url, verify=TLS) as client:
            page = (await client.get("/v1/calls?limit=1000", headers=auth(token))).json()
            assert len(page["calls"]) == 35
        assert await hub.prune() == 0  # nothing more to fold

    async with running_hub(config, clock=clock, sources=[]) as again:
        assert again.hub.seq == last and again.hub.base_seq == 30
        assert await answers(again.url, token) == before
        clock.set(T0.timestamp() + 41 * DAY)
        for d in (40, 41):
            t = d * DAY
            assert await again.hub.emit(device(t, "sip201", "c1", "online"), source="t")
        clock.set(T0.timestamp() + 42 * DAY)
        assert await again.hub.prune() == 10  # days 5 and 6 now fall out
