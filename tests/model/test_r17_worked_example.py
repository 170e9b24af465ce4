"""R17, verbatim: two SIP accounts, MicroSIP and the vendor app, merged by R16 priority."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    EmployeeUpsert,
    Event,
)
from ringmon.model.state import State
from ringmon.model.timeline import day_timeline
from ringmon.present.clock import stretch

TZ = ZoneInfo("Europe/Warsaw")
DAY = date(2026, 3, 24)


def at(hhmm: str) -> str:
    return f"2026-03-24T{hhmm}:00+01:00"


def r17_events(with_call: bool) -> list[Event]:
    events: list[Event] = [
        EmployeeUpsert(ts=at("07:00"), id="e1", name="Anna Nowak", department="Sales"),
        AccountUpsert(ts=at("07:00"), login="A", number="101", employee="e1"),
        AccountUpsert(ts=at("07:00"), login="B", number="102", employee="e1"),
    ]
    app = {"user_agent": "Vendor Desktop 3.1", "dnd_capable": True}
    micro = {"user_agent": "MicroSIP/3.21.3"}
    timeline: list[tuple[str, Event]] = [
        ("08:00", DeviceStatus(ts=at("08:00"), account="A", device="a1", status="online", **micro)),
        ("08:00", DeviceStatus(ts=at("08:00"), account="B", device="b1", status="online", **app)),
        ("12:00", DeviceStatus(ts=at("12:00"), account="B", device="b1", status="dnd", **app)),
        ("12:10", DeviceStatus(ts=at("12:10"), account="B", device="b1", status="offline", **app)),
        ("13:00", DeviceStatus(ts=at("13:00"), account="B", device="b1", status="online", **app)),
        ("17:00", DeviceStatus(ts=at("17:00"), account="B", device="b1", status="offline", **app)),
        (
            "18:00",
            DeviceStatus(ts=at("18:00"), account="A", device="a1", status="offline", **micro),
        ),
    ]
    if with_call:
        timeline += [
            (
                "08:59",
                CallRing(
                    ts="2026-03-24T08:59:55+01:00",
                    call="c1",
                    leg="l1",
                    account="A",
                    device="a1",
                    direction="in",
                ),
            ),
            ("09:00", CallAnswer(ts=at("09:00"), call="c1", leg="l1")),
            ("09:15", CallEnd(ts=at("09:15"), call="c1", leg="l1")),
        ]
    timeline.sort(key=lambda pair: pair[1].ts)
    return events + [event for _, event in timeline]


def describe(events: list[Event]) -> list[str]:
    state = State(TZ, record=True)
    state.apply_all(events)
    assert state.history is not None
    return [
        stretch(i, TZ)
        # The day is over: "now" lies after it, so nothing is cut.
        for i in day_timeline(state.history.employee["e1"], DAY, TZ, now=2e9)
    ]


def test_r17_merged_timeline_is_online_0800_1800() -> None:
    assert describe(r17_events(with_call=False)) == [
        "offline 00:00-08:00",
        "online 08:00-18:00",
        "offline 18:00-24:00",
    ]


def test_r17_talking_on_a_outranks_b_being_offline_or_dnd() -> None:
    assert describe(r17_events(with_call=True)) == [
        "offline 00:00-08:00",
        "online 08:00-09:00",
        "talking 09:00-09:15",
        "online 09:15-18:00",
        "offline 18:00-24:00",
    ]
