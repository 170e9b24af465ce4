"""Random but valid event streams for the property tests, and an oracle that reads them.

A stream is drawn as a layout (an employee's accounts and their devices) plus a list of
abstract actions; ``build_stream`` turns the actions into feed events that the model must
accept (a ``dnd`` only from the app, answers and ends only of legs in progress, ...). The
oracle recomputes statuses straight from the raw events, with none of the model's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import strategies as st

from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    EmployeeUpsert,
    Event,
)
from ringmon.model.status import Status

PRIORITY = {"talking": 3, "online": 2, "dnd": 1, "offline": 0}

Layout = list[list[bool]]
"""Per account, its devices; True for the vendor app (DND-capable), False for MicroSIP."""

Action = tuple[int, str, int, int, int]
"""(seconds since the previous action, kind, and three choices taken modulo what exists)."""

layouts = st.lists(st.lists(st.booleans(), min_size=1, max_size=2), min_size=1, max_size=2)
KINDS = ["device", "device", "ring", "hunt", "answer", "end", "end"]
FINE_GAPS = [0, 0, 1, 3, 5, 6, 60, 600, 3600, 4 * 3600]
COARSE_GAPS = [0, 0, 0, 60, 60, 600, 3600]


def actions(gaps: list[int], max_size: int = 40) -> st.SearchStrategy[list[Action]]:
    choice = st.integers(0, 11)
    return st.lists(
        st.tuples(st.sampled_from(gaps), st.sampled_from(KINDS), choice, choice, choice),
        max_size=max_size,
    )


def logins(emp: str, layout: Layout) -> list[str]:
    return [f"{emp}-acc{n}" for n in range(len(layout))]


@dataclass
class _Leg:
    call: str
    leg: str
    account: str
    answered: bool = False


def build_stream(emp: str, layout: Layout, steps: list[Action], t0: float) -> list[Event]:
    """The events of one employee: set-up at ``t0``, then one event (or a few) per action."""

    def ts(at: float) -> datetime:
        return datetime.fromtimestamp(at, UTC)

    accounts = logins(emp, layout)
    events: list[Event] = [EmployeeUpsert(ts=ts(t0), id=emp, name=f"Name of {emp}")]
    events += [AccountUpsert(ts=ts(t0), login=login, employee=emp) for login in accounts]
    known: dict[str, list[str]] = {login: [] for login in accounts}
    legs: list[_Leg] = []
    calls = 0
    at = t0
    for gap, kind, a, b, c in steps:
        at += gap
        if kind == "device":
            n = a % len(accounts)
            d = b % len(layout[n])
            app = layout[n][d]
            status = ("online", "offline", "dnd")[c % 3]
            if status == "dnd" and not app:
                status = "online"
            login, device = accounts[n], f"d{d}"
            events.append(
                DeviceStatus(
                    ts=ts(at),
                    account=login,
                    device=device,
                    user_agent="Vendor Desktop 3.1" if app else "MicroSIP/3.21.3",
                    status=status,
                    dnd_capable=app,
                )
            )
            if device not in known[login]:
                known[login].append(device)
        elif kind in ("ring", "hunt"):
            calls += 1
            call = f"{emp}-call{calls}"
            targets = accounts if kind == "hunt" else [accounts[a % len(accounts)]]
            for login in targets:
                options = [*known[login], None]
                device = options[b % len(options)]
                leg = _Leg(call, f"{call}/{login}", login)
                legs.append(leg)
                events.append(
                    CallRing(
                        ts=ts(at),
                        call=call,
                        leg=leg.leg,
                        account=login,
                        device=device,
                        direction="out" if c % 3 == 0 and kind == "ring" else "in",
                        remote=f"+4860{c:07d}",
                    )
                )
        elif kind == "answer":
            waiting = [leg for leg in legs if not leg.answered]
            if not waiting:
                continue
            leg = waiting[a % len(waiting)]
            options = [None, *known[leg.account]]
            leg.answered = True
            events.append(
                CallAnswer(ts=ts(at), call=leg.call, leg=leg.leg, device=options[b % len(options)])
            )
        elif kind == "end" and legs:
            leg = legs.pop(a % len(legs))
            recording = f"sim:{leg.leg}" if leg.answered else None
            events.append(CallEnd(ts=ts(at), call=leg.call, leg=leg.leg, recording=recording))
    return events


def interleave(first: list[Event], second: list[Event], picks: list[bool]) -> list[Event]:
    """The two streams merged: each in its own order, times never decreasing; where both
    next events have the same time, ``picks`` says which goes first."""
    out: list[Event] = []
    i = j = k = 0
    while i < len(first) or j < len(second):
        if j == len(second):
            take_first = True
        elif i == len(first):
            take_first = False
        elif first[i].ts != second[j].ts:
            take_first = first[i].ts < second[j].ts
        else:
            take_first = picks[k % len(picks)] if picks else True
            k += 1
        if take_first:
            out.append(first[i])
            i += 1
        else:
            out.append(second[j])
            j += 1
    return out


@dataclass
class Instant:
    """What the oracle says at one instant, after every event at or before it."""

    devices: dict[tuple[str, str], Status]
    account_talking: bool
    merged: Status


def oracle(events: list[Event], owned: set[str], at: float) -> Instant:
    """Statuses at ``at`` recomputed from the raw events: a device is talking while a leg
    answered on it has not ended, else what it last reported; the employee is the highest
    of their devices (and talking when a leg answered on no named device is in progress)."""
    registration: dict[tuple[str, str], str] = {}
    leg_device: dict[str, tuple[str, str | None]] = {}
    answered: set[str] = set()
    for event in events:
        if event.ts.timestamp() > at:
            break
        if isinstance(event, DeviceStatus):
            registration[(event.account, event.device)] = event.status.value
        elif isinstance(event, CallRing):
            leg_device[event.leg] = (event.account, event.device)
        elif isinstance(event, CallAnswer):
            account, device = leg_device[event.leg]
            leg_device[event.leg] = (account, event.device or device)
            answered.add(event.leg)
        elif isinstance(event, CallEnd):
            answered.discard(event.leg)
            del leg_device[event.leg]
    talking_on = {leg_device[leg] for leg in answered}
    devices = {
        key: Status.TALKING if key in talking_on else Status(value)
        for key, value in registration.items()
    }
    account_talking = any(account in owned and device is None for account, device in talking_on)
    candidates = [s.value for key, s in devices.items() if key[0] in owned]
    if account_talking:
        candidates.append("talking")
    best = max(candidates, key=PRIORITY.__getitem__, default="offline")
    return Instant(devices, account_talking, Status(best))
