"""R14's example day (24 March), built from events, with its per-status totals and stats (R9).

The report quotes four stretches of that day; the rest of the day here is ours, chosen so that
every status and every call outcome appears once at least.
"""

from __future__ import annotations

from datetime import date, datetime

from model_events import WARSAW, account, answer, device, employee, end, local, recorded, ring

from ringmon.model.period import day_bounds
from ringmon.model.schema import Event
from ringmon.model.state import State, Transition
from ringmon.model.stats import period_stats
from ringmon.model.status import Status
from ringmon.model.timeline import day_timeline, time_in_status
from ringmon.present.clock import stretch

DAY = date(2026, 3, 24)


def r14_events() -> list[Event]:
    """Two accounts: A in MicroSIP (device a1), B in the vendor app (device b1, DND-capable)."""

    def at(hhmm: str) -> datetime:
        return local(DAY, hhmm)

    return [
        employee(at("05:00"), "e1", "Jan Kowalski", "Support"),
        account(at("05:00"), "A", "e1", "101"),
        account(at("05:00"), "B", "e1", "102"),
        device(at("05:56"), "A", "a1", "online"),
        # An incoming call answered after 10 s: talking 09:10-09:22.
        ring(at("09:09:50"), "c1", "c1/A", "A", "a1"),
        answer(at("09:10"), "c1", "c1/A"),
        end(at("09:22"), "c1", "c1/A", recording="sim:c1"),
        # Missed (rang 8 s) and short (rang 3 s): no change of status.
        ring(at("10:00"), "c2", "c2/A", "A", "a1"),
        end(at("10:00:08"), "c2", "c2/A"),
        ring(at("10:30"), "c3", "c3/A", "A", "a1"),
        end(at("10:30:03"), "c3", "c3/A"),
        # Outgoing, connected after 20 s of ringing: talking 11:00-11:05.
        ring(at("10:59:40"), "c4", "c4/A", "A", "a1", direction="out", remote="+48222000111"),
        answer(at("11:00"), "c4", "c4/A"),
        end(at("11:05"), "c4", "c4/A"),
        # Outgoing, nobody picked up.
        ring(at("11:30"), "c5", "c5/A", "A", "a1", direction="out", remote="+48222000112"),
        end(at("11:30:40"), "c5", "c5/A"),
        device(at("12:00"), "A", "a1", "offline"),
        device(at("12:34"), "B", "b1", "online", app=True),
        device(at("13:25"), "B", "b1", "dnd", app=True),
        device(at("13:45"), "B", "b1", "online", app=True),
        # An incoming call on the app, ring device unknown, answered on b1: talking 14:05-14:08.
        ring(at("14:04:50"), "c6", "c6/B", "B"),
        answer(at("14:05"), "c6", "c6/B", "b1"),
        end(at("14:08"), "c6", "c6/B", recording="sim:c6"),
        device(at("14:30"), "A", "a1", "online"),
        device(at("16:30"), "B", "b1", "offline", app=True),
        device(at("17:00"), "A", "a1", "offline"),
    ]


EXPECTED = [
    "offline 00:00-05:56",
    "online 05:56-09:10",
    "talking 09:10-09:22",
    "online 09:22-11:00",
    "talking 11:00-11:05",
    "online 11:05-12:00",
    "offline 12:00-12:34",
    "online 12:34-13:25",
    "do not disturb 13:25-13:45",
    "online 13:45-14:05",
    "talking 14:05-14:08",
    "online 14:08-17:00",
    "offline 17:00-24:00",
]


def state() -> State:
    return recorded(r14_events())


def merged(st: State) -> list[Transition]:
    assert st.history is not None
    return st.history.employee["e1"]


def test_r14_day_describes_as_the_report_says() -> None:
    timeline = day_timeline(merged(state()), DAY, WARSAW, now=2e9)
    described = [stretch(i, WARSAW) for i in timeline]
    assert described == EXPECTED
    # The four stretches the report quotes, verbatim.
    for quoted in (
        "offline 00:00-05:56",
        "online 12:34-13:25",
        "do not disturb 13:25-13:45",
        "talking 14:05-14:08",
    ):
        assert quoted in described


def test_r14_day_totals_per_status_add_up_to_the_day() -> None:
    timeline = day_timeline(merged(state()), DAY, WARSAW, now=2e9)
    totals = time_in_status(timeline)
    assert totals == {
        Status.TALKING: (12 + 5 + 3) * 60.0,
        Status.ONLINE: (194 + 98 + 55 + 51 + 20 + 172) * 60.0,
        Status.DND: 20 * 60.0,
        Status.OFFLINE: (356 + 34 + 420) * 60.0,
    }
    assert sum(totals.values()) == 24 * 3600.0
    assert list(totals) == [Status.TALKING, Status.ONLINE, Status.DND, Status.OFFLINE]


def test_r14_day_cut_at_now_while_the_day_is_running() -> None:
    now = local(DAY, "13:30").timestamp()
    timeline = day_timeline(merged(state()), DAY, WARSAW, now=now)
    assert stretch(timeline[-1], WARSAW) == "do not disturb 13:25-13:30"
    assert timeline[-1].end == now
    assert timeline[0].start == day_bounds(DAY, WARSAW)[0]


def test_r14_day_call_stats() -> None:
    st = state()
    assert st.history is not None
    stats = period_stats(merged(st), st.history.calls, [DAY], WARSAW, now=2e9)
    assert stats.calls.as_dict() == {
        "handled": 3,
        "incoming": 2,
        "outgoing": 1,
        "missed": 1,
        "short_unanswered": 1,
        "outgoing_unanswered": 1,
        "missed_answered_by_colleague": 0,
        "total_talk": 1200.0,
        "average_talk": 400.0,
        "average_answer": 10.0,
    }
    assert stats.in_status == stats.days[0].in_status
    assert stats.in_status[Status.DND] == 1200.0


def test_r14_device_timelines_are_kept_apart() -> None:
    st = state()
    assert st.history is not None
    a1 = day_timeline(st.history.device[("A", "a1")], DAY, WARSAW, now=2e9)
    b1 = day_timeline(st.history.device[("B", "b1")], DAY, WARSAW, now=2e9)
    assert [stretch(i, WARSAW) for i in b1] == [
        "offline 00:00-12:34",
        "online 12:34-13:25",
        "do not disturb 13:25-13:45",
        "online 13:45-14:05",
        "talking 14:05-14:08",
        "online 14:08-16:30",
        "offline 16:30-24:00",
    ]
    assert [stretch(i, WARSAW) for i in a1][:3] == [
        "offline 00:00-05:56",
        "online 05:56-09:10",
        "talking 09:10-09:22",
    ]
