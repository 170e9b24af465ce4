"""Fixed data for the profile tests: R14's example day with a week before it, R17's example,
and a stand-in hub that serves REST documents built by the model (as the hub does).

Everything is deterministic: fixed events, a fixed "now", a fixed time zone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import httpx

from ringmon.model.history import employee_history
from ringmon.model.history_docs import HistoryLoadingDoc, history_doc
from ringmon.model.period import Period, days_window, period_days
from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    EmployeeUpsert,
    Event,
    dump_event,
    parse_event,
)
from ringmon.model.state import State
from ringmon.model.stats import period_stats
from ringmon.model.wire import LegDoc

WARSAW = ZoneInfo("Europe/Warsaw")
DAY = date(2026, 3, 24)
NOW = datetime.combine(DAY, time(20, 0), tzinfo=WARSAW).timestamp()
MICROSIP = "MicroSIP/3.21.3"
APP = "Vendor Desktop 3.1"

R14_TEXTS = [
    "offline 00:00-05:56",
    "online 12:34-13:25",
    "do not disturb 13:25-13:45",
    "talking 14:05-14:08",
]
R17_TEXTS = ["online 08:00-09:00", "talking 09:00-09:15", "online 09:15-18:00"]


def at(day: date, hhmmss: str, tz: tzinfo = WARSAW) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmmss), tzinfo=tz)


def _dev(ts: datetime, login: str, dev: str, status: str, app: bool = False) -> Event:
    return DeviceStatus(
        ts=ts,
        account=login,
        device=dev,
        user_agent=APP if app else MICROSIP,
        status=status,
        dnd_capable=app,
    )


def _call(
    ring_at: datetime,
    leg: str,
    login: str,
    *,
    dev: str | None = None,
    answer_after: float | None = None,
    talk: float | None = None,
    ring_for: float | None = None,
    direction: str = "in",
    remote: str = "+48601000200",
    recording: bool = False,
) -> list[Event]:
    call = leg.split("/")[0]
    events: list[Event] = [
        CallRing(
            ts=ring_at,
            call=call,
            leg=leg,
            account=login,
            device=dev,
            direction=direction,
            remote=remote,
        )
    ]
    if answer_after is not None:
        answered = ring_at + timedelta(seconds=answer_after)
        events.append(CallAnswer(ts=answered, call=call, leg=leg, device=dev))
        ended = answered + timedelta(seconds=talk or 0)
    else:
        ended = ring_at + timedelta(seconds=ring_for or 0)
    events.append(
        CallEnd(ts=ended, call=call, leg=leg, recording=f"rec:{leg}" if recording else None)
    )
    return events


def profile_events() -> list[Event]:
    """Anna Nowak (e1, two accounts) over 7 days ending with R14's example day; Piotr (e2)
    who never registered and never called (the empty states)."""
    first = DAY - timedelta(days=6)
    events: list[Event] = [
        EmployeeUpsert(
            ts=at(first, "00:00"),
            id="e1",
            name="Anna Nowak",
            department="Sales",
            numbers=("+48221234567",),
        ),
        AccountUpsert(ts=at(first, "00:00"), login="sip101", number="101", employee="e1"),
        AccountUpsert(ts=at(first, "00:00"), login="sip102", number="102", employee="e1"),
        EmployeeUpsert(ts=at(first, "00:00"), id="e2", name="Piotr Zieliński"),
        AccountUpsert(ts=at(first, "00:00"), login="sip200", number="200", employee="e2"),
    ]
    timed: list[Event] = []
    # Earlier days: a plain shift on MicroSIP with a few calls; the weekend off.
    for back in range(6, 0, -1):
        day = DAY - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        timed.append(_dev(at(day, "08:00"), "sip101", "c1", "online"))
        for n in range(back % 3 + 1):
            leg = f"d{back}c{n}/sip101"
            ring_at = at(day, f"{9 + n:02d}:00")
            timed += _call(ring_at, leg, "sip101", dev="c1", answer_after=8, talk=300 + 60 * n)
        timed += _call(at(day, "15:00"), f"d{back}m/sip101", "sip101", dev="c1", ring_for=12)
        if back % 2:
            timed += _call(
                at(day, "15:30"),
                f"d{back}o/sip101",
                "sip101",
                dev="c1",
                direction="out",
                remote="+48222000100",
                answer_after=15,
                talk=120,
            )
        timed.append(_dev(at(day, "16:00"), "sip101", "c1", "offline"))
    # R14's example day.
    d = DAY
    timed += [
        _dev(at(d, "05:56"), "sip101", "c1", "online"),
        *_call(at(d, "09:09:50"), "t1/sip101", "sip101", dev="c1", answer_after=10, talk=720,
               recording=True),
        *_call(at(d, "10:00"), "t2/sip101", "sip101", dev="c1", ring_for=8),
        *_call(at(d, "10:30"), "t3/sip101", "sip101", dev="c1", ring_for=3),
        *_call(at(d, "10:59:40"), "t4/sip101", "sip101", dev="c1", direction="out",
               remote="+48222000111", answer_after=20, talk=300),
        *_call(at(d, "11:30"), "t5/sip101", "sip101", dev="c1", direction="out",
               remote="+48222000112", ring_for=40),
        _dev(at(d, "12:00"), "sip101", "c1", "offline"),
        _dev(at(d, "12:34"), "sip102", "app", "online", app=True),
        _dev(at(d, "13:25"), "sip102", "app", "dnd", app=True),
        _dev(at(d, "13:45"), "sip102", "app", "online", app=True),
        *_call(at(d, "14:04:50"), "t6/sip102", "sip102", answer_after=10, talk=180,
               recording=True),
        _dev(at(d, "14:30"), "sip101", "c1", "online"),
        _dev(at(d, "16:30"), "sip102", "app", "offline", app=True),
        _dev(at(d, "17:00"), "sip101", "c1", "offline"),
        _dev(at(d, "18:30"), "sip102", "app", "online", app=True),
    ]  # fmt: skip
    timed.sort(key=lambda e: e.ts)
    return events + timed


def r17_events() -> list[Event]:
    """R17 verbatim, with the call on account A 09:00-09:15."""
    d = DAY
    events: list[Event] = [
        EmployeeUpsert(ts=at(d, "07:00"), id="e1", name="Ewa Lis", department="Support"),
        AccountUpsert(ts=at(d, "07:00"), login="A", number="101", employee="e1"),
        AccountUpsert(ts=at(d, "07:00"), login="B", number="102", employee="e1"),
        _dev(at(d, "08:00"), "A", "a1", "online"),
        _dev(at(d, "08:00"), "B", "b1", "online", app=True),
        *_call(at(d, "08:59:55"), "c1/A", "A", dev="a1", answer_after=5, talk=900),
        _dev(at(d, "12:00"), "B", "b1", "dnd", app=True),
        _dev(at(d, "12:10"), "B", "b1", "offline", app=True),
        _dev(at(d, "13:00"), "B", "b1", "online", app=True),
        _dev(at(d, "17:00"), "B", "b1", "offline", app=True),
        _dev(at(d, "18:00"), "A", "a1", "offline"),
    ]
    events.sort(key=lambda e: e.ts)
    return events


def write_jsonl(events: Iterable[Event], path: Path) -> Path:
    path.write_text("".join(dump_event(e) + "\n" for e in events), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[Event]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_event(line) for line in lines if line.strip() and not line.startswith("#")]


def recorded_state(events: Iterable[Event], tz: tzinfo, now: float) -> State:
    state = State(tz, record=True)
    for event in events:
        if event.ts.timestamp() <= now:
            state.apply(event)
    return state


RECORDING = b"RIFF" + bytes(range(256)) * 400
"""A stand-in recording, ~100 kB, streamed in several chunks."""


class FakeHub:
    """The hub's REST routes of the profile, answered from a recording ``State``.

    Documents are built exactly as the hub builds them (``history_doc`` over
    ``period_stats``); used through ``httpx.MockTransport``, no socket involved.
    """

    def __init__(self, events: list[Event], tz: tzinfo, now: float, tz_name: str) -> None:
        self.tz = tz
        self.now = now
        self.tz_name = tz_name
        self.state = recorded_state(events, tz, now)
        self.loading: HistoryLoadingDoc | None = None
        """What its histories say of past days still being loaded (the real hub's rule:
        tests/hub/test_history_while_loading.py)."""
        self.requests: list[str] = []
        self.fail: str | None = None

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if self.fail is not None:
            return httpx.Response(503, json={"error": self.fail})
        if request.headers.get("authorization") != "Bearer test-token":
            return httpx.Response(401, json={"error": "no valid token"})
        parts = request.url.path.split("/")
        if len(parts) == 5 and parts[2] == "employees" and parts[4] == "history":
            return self.history(parts[3], request.url.params.get("period", "today"))
        if request.url.path == "/v1/calls":
            return self.calls(request.url.params)
        path = request.url.path
        if path.startswith("/v1/calls/") and path.endswith("/recording"):
            leg = path.removeprefix("/v1/calls/").removesuffix("/recording")
            return self.recording(unquote(leg))
        return httpx.Response(404, json={"error": "no such route"})

    def history(self, employee_id: str, period: str) -> httpx.Response:
        history = employee_history(self.state, employee_id)
        if history is None:
            return httpx.Response(404, json={"error": f"no employee {employee_id!r}"})
        days = period_days(Period(period), self.now, self.tz)
        start, end = days_window(days, self.tz)
        stats = period_stats(history.merged, history.calls, days, self.tz, self.now)
        emp = self.state.employees[employee_id]
        doc = history_doc(
            history, stats, start, end, self.now, self.tz_name, emp.status, emp.since, self.loading
        )
        return httpx.Response(200, content=doc.model_dump_json().encode())

    def calls(self, params: httpx.QueryParams) -> httpx.Response:
        history = employee_history(self.state, params["employee"])
        if history is None:
            return httpx.Response(404, json={"error": "no such employee"})
        first, last = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
        start, end = days_window([first, last], self.tz)
        legs = [c for c in history.calls if start <= c.ring_at < end]
        legs.sort(key=lambda c: (c.ring_at, c.leg), reverse=True)
        offset = int(params.get("cursor", "0"))
        limit = int(params.get("limit", "100"))
        page = legs[offset : offset + limit]
        more = offset + limit < len(legs)
        body = {
            "calls": [json.loads(LegDoc.of(c, self.now).model_dump_json()) for c in page],
            "next": str(offset + limit) if more else None,
        }
        return httpx.Response(200, json=body)

    def recording(self, leg: str) -> httpx.Response:
        for call in self.state.history.calls if self.state.history else []:
            if call.leg == leg and call.recording:
                return httpx.Response(
                    200,
                    content=RECORDING,
                    headers={"content-type": "audio/wav"},
                )
        return httpx.Response(404, json={"error": f"call {leg!r} has no recording"})
