"""Small builders of feed events for the model tests: local clock times on a given day."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
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

WARSAW = ZoneInfo("Europe/Warsaw")
MICROSIP = "MicroSIP/3.21.3"
APP = "Vendor Desktop 3.1"
DAY = date(2026, 3, 24)


def local(day: date, hhmmss: str, tz: tzinfo = WARSAW) -> datetime:
    """An aware datetime at a local wall-clock time ``HH:MM`` or ``HH:MM:SS[.ffffff]``."""
    return datetime.combine(day, time.fromisoformat(hhmmss), tzinfo=tz)


def employee(ts: datetime, emp: str, name: str, department: str | None = None) -> Event:
    return EmployeeUpsert(ts=ts, id=emp, name=name, department=department)


def account(ts: datetime, login: str, emp: str | None, number: str | None = None) -> Event:
    return AccountUpsert(ts=ts, login=login, number=number, employee=emp)


def device(ts: datetime, login: str, dev: str, status: str, *, app: bool = False) -> Event:
    """A device status; ``app=True`` is the vendor's desktop app, the only one with DND (R15)."""
    return DeviceStatus(
        ts=ts,
        account=login,
        device=dev,
        user_agent=APP if app else MICROSIP,
        status=status,
        dnd_capable=app,
    )


def ring(
    ts: datetime,
    call: str,
    leg: str,
    login: str,
    dev: str | None = None,
    direction: str = "in",
    remote: str = "+48601000200",
) -> Event:
    return CallRing(
        ts=ts, call=call, leg=leg, account=login, device=dev, direction=direction, remote=remote
    )


def answer(ts: datetime, call: str, leg: str, dev: str | None = None) -> Event:
    return CallAnswer(ts=ts, call=call, leg=leg, device=dev)


def end(ts: datetime, call: str, leg: str, recording: str | None = None) -> Event:
    return CallEnd(ts=ts, call=call, leg=leg, recording=recording)


def recorded(events: list[Event], tz: tzinfo = WARSAW) -> State:
    """A recording state with every event applied (any rejection fails the test)."""
    state = State(tz, record=True)
    state.apply_all(events)
    return state


NOON = local(DAY, "12:00")


def busy_state() -> State:
    """A recording state with something in every structure: two employees, devices in all
    registrations, a leg talking, a leg ringing (hunt group), finished calls."""
    events: list[Event] = [
        employee(local(DAY, "08:00"), "e1", "Anna Nowak", "Sales"),
        employee(local(DAY, "08:00"), "e2", "Piotr Zieliński"),
        account(local(DAY, "08:00"), "A", "e1", "101"),
        account(local(DAY, "08:00"), "B", "e1", "102"),
        account(local(DAY, "08:00"), "C", "e2", "201"),
        account(local(DAY, "08:00"), "X", None, "999"),
        device(local(DAY, "08:01"), "A", "a1", "online"),
        device(local(DAY, "08:01"), "B", "b1", "dnd", app=True),
        device(local(DAY, "08:01"), "C", "c1", "online"),
        device(local(DAY, "08:01"), "C", "c2", "offline"),
        ring(local(DAY, "09:00"), "k1", "k1/A", "A", "a1"),
        end(local(DAY, "09:00:09"), "k1", "k1/A"),
        ring(local(DAY, "11:59:00"), "k2", "k2/A", "A", "a1"),
        answer(local(DAY, "11:59:10"), "k2", "k2/A"),
        ring(local(DAY, "11:59:50"), "h3", "h3/B", "B"),
        ring(local(DAY, "11:59:50"), "h3", "h3/C", "C", "c1"),
    ]
    state = recorded(events)
    state.apply(ring(NOON, "h3", "h3/X", "X").model_copy(update={"seq": 40}))
    return state
