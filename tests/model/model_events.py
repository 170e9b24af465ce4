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
