"""A fixed call center for the board tests: 30 employees, every status, ringing, DND, calls.

Everything derives from fixed events on 2026-03-24 (Europe/Warsaw) and a fixed hub clock
(``NOW`` = 14:30:00 local), so every snapshot is the same on every run.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from random import Random
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

TZ = ZoneInfo("Europe/Warsaw")
DAY = date(2026, 3, 24)
NOW = datetime.combine(DAY, time(14, 30), tzinfo=TZ).timestamp()

DEPARTMENTS = ("Sales", "Support", "Billing", "Retention", None)
FIRST = (
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Magdalena",
    "Paweł",
    "Agnieszka",
    "Michał",
    "Ewa",
    "Krzysztof",
    "Joanna",
    "Marcin",
    "Monika",
    "Łukasz",
    "Aleksandra",
    "Jakub",
)
LAST = (
    ("Nowak", "Nowak"),
    ("Kowalski", "Kowalska"),
    ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"),
    ("Kamiński", "Kamińska"),
    ("Lewandowski", "Lewandowska"),
    ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"),
    ("Woźniak", "Woźniak"),
    ("Dąbrowski", "Dąbrowska"),
    ("Kozłowski", "Kozłowska"),
    ("Jankowski", "Jankowska"),
    ("Mazur", "Mazur"),
    ("Krawczyk", "Krawczyk"),
    ("Piotrowski", "Piotrowska"),
    ("Grabowski", "Grabowska"),
)
MICROSIP = "MicroSIP/3.21.3"
ZOIPER = "Zoiper rv2.10.20.3"
APP = "Vendor Desktop 3.1"
YEALINK = "Yealink SIP-T46S 66.86.0.15"


def at(hhmmss: str) -> datetime:
    return datetime.combine(DAY, time.fromisoformat(hhmmss), tzinfo=TZ)


def plus(base: datetime, seconds: float) -> datetime:
    return base + timedelta(seconds=seconds)


class Builder:
    """Collects events in time order."""

    def __init__(self) -> None:
        self.events: list[tuple[datetime, int, Event]] = []
        self._n = 0

    def add(self, event: Event) -> None:
        self._n += 1
        self.events.append((event.ts, self._n, event))

    def sorted(self) -> list[Event]:
        return [e for _, _, e in sorted(self.events, key=lambda t: (t[0], t[1]))]


def employee_name(i: int) -> str:
    male, female = LAST[(i * 7 + 3 + i // len(FIRST)) % len(LAST)]
    return f"{FIRST[i % len(FIRST)]} {male if i % 2 else female}"


def board_events(count: int = 30, seed: int = 7) -> list[Event]:
    """The events of the fixed call center (all before ``NOW``)."""
    rng = Random(seed)
    b = Builder()
    start = at("07:00")
    for i in range(count):
        emp = f"e{i:03d}"
        dept = DEPARTMENTS[i % len(DEPARTMENTS)] if i % 11 != 10 else None
        b.add(EmployeeUpsert(ts=start, id=emp, name=employee_name(i), department=dept))
        login_a = f"sip{100 + i}"
        b.add(AccountUpsert(ts=start, login=login_a, number=str(100 + i), employee=emp))
        devices: list[tuple[str, str, str, bool]] = [(login_a, "a1", MICROSIP, False)]
        kind = i % 6
        if i % 3 == 0 or kind == 2:
            login_b = f"app{100 + i}"
            b.add(AccountUpsert(ts=start, login=login_b, number=None, employee=emp))
            devices.append((login_b, "b1", APP, True))
        if i % 5 == 1:
            devices.append((login_a, "a2", ZOIPER if i % 2 else YEALINK, False))
        login_at = plus(at("08:00"), rng.randrange(0, 3600))
        if kind == 5 or i % 13 == 12:
            # Logged in this morning, gone since.
            for acc, dev, ua, dnd in devices:
                b.add(
                    DeviceStatus(
                        ts=login_at,
                        account=acc,
                        device=dev,
                        user_agent=ua,
                        status="online",
                        dnd_capable=dnd,
                    )
                )
                b.add(
                    DeviceStatus(
                        ts=plus(at("12:00"), rng.randrange(0, 7000)),
                        account=acc,
                        device=dev,
                        user_agent=ua,
                        status="offline",
                        dnd_capable=dnd,
                    )
                )
            continue
        for acc, dev, ua, dnd in devices:
            b.add(
                DeviceStatus(
                    ts=login_at,
                    account=acc,
                    device=dev,
                    user_agent=ua,
                    status="online",
                    dnd_capable=dnd,
                )
            )
        # A few finished calls today, some missed (rang > 5 s), some short.
        for c in range(rng.randrange(1, 4)):
            ring_at = plus(at("09:00"), rng.randrange(0, 12000) + c * 3)
            call, leg = f"d{i}-{c}", f"d{i}-{c}/{login_a}"
            b.add(
                CallRing(
                    ts=ring_at,
                    call=call,
                    leg=leg,
                    account=login_a,
                    device="a1",
                    direction="in",
                    remote="+48601000200",
                )
            )
            if c == 1:
                b.add(CallEnd(ts=plus(ring_at, 9), call=call, leg=leg))  # missed
            elif c == 2:
                b.add(CallEnd(ts=plus(ring_at, 3), call=call, leg=leg))  # short
            else:
                b.add(CallAnswer(ts=plus(ring_at, 4), call=call, leg=leg))
                b.add(CallEnd(ts=plus(ring_at, 4 + rng.randrange(30, 300)), call=call, leg=leg))
        if kind == 1:
            # Talking now, on the first device.
            ring_at = plus(at("14:00"), rng.randrange(0, 1700))
            call, leg = f"c{i}", f"c{i}/{login_a}"
            b.add(
                CallRing(
                    ts=ring_at,
                    call=call,
                    leg=leg,
                    account=login_a,
                    device="a1",
                    direction="in",
                    remote="+48221234567",
                )
            )
            b.add(CallAnswer(ts=plus(ring_at, 6), call=call, leg=leg))
        elif kind == 2 and len(devices) > 1 and devices[1][3]:
            # DND from the vendor app only (R15); MicroSIP went offline: status dnd.
            acc, dev, ua, dnd = devices[1]
            b.add(
                DeviceStatus(
                    ts=plus(at("13:00"), rng.randrange(0, 5000)),
                    account=acc,
                    device=dev,
                    user_agent=ua,
                    status="dnd",
                    dnd_capable=dnd,
                )
            )
            acc, dev, ua, dnd = devices[0]
            b.add(
                DeviceStatus(
                    ts=plus(at("13:00"), rng.randrange(0, 5000)),
                    account=acc,
                    device=dev,
                    user_agent=ua,
                    status="offline",
                    dnd_capable=dnd,
                )
            )
        elif kind == 3:
            # A call ringing now (a hunt group rings two people at once).
            ring_at = plus(at("14:29"), rng.randrange(0, 50))
            call = f"h{i // 6}"
            b.add(
                CallRing(
                    ts=ring_at,
                    call=call,
                    leg=f"{call}/{login_a}",
                    account=login_a,
                    device="a1",
                    direction="in",
                    remote="+48601999888",
                )
            )
        elif kind == 0 and len(devices) > 1:
            acc, dev, ua, dnd = devices[1]
            b.add(
                DeviceStatus(
                    ts=plus(at("13:30"), rng.randrange(0, 3000)),
                    account=acc,
                    device=dev,
                    user_agent=ua,
                    status="dnd",
                    dnd_capable=dnd,
                )
            )
    return b.sorted()


def board_state(count: int = 30, seed: int = 7) -> State:
    state = State(TZ)
    state.apply_all(board_events(count, seed))
    return state
