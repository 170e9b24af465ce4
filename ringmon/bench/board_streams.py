"""The board benchmark's load: 10,000 employees and a stream of events like a call center's.

``setup_events`` makes the employees (1-3 SIP accounts each, 1-2 devices per account), most of
them online; a stream then yields events at any rate: ``CallCenterStream`` (a busy day: calls
ringing, answered, lasting minutes, missed; devices registering and going offline) or
``ChurnStream`` (few calls, so nearly every batch changes the rows on screen).
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

DEPARTMENTS = ("Sales", "Support", "Billing", "Retention", "Collections", "Onboarding", "")
AGENTS = (
    ("MicroSIP/3.21.3", False),
    ("Zoiper rv2.10.20.3", False),
    ("Vendor Desktop 3.1", True),
    ("Yealink SIP-T46S 66.86.0.15", False),
)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


@dataclass
class Population:
    """Who exists, and which devices each account has (for generating valid events)."""

    devices: list[tuple[str, str, str, bool]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    account_devices: dict[str, list[str]] = field(default_factory=dict)


def setup_events(n: int, rng: random.Random, at: float) -> tuple[list[dict[str, Any]], Population]:
    """Employees, accounts and devices, most of them online."""
    pop = Population()
    ts = _iso(at)
    out: list[dict[str, Any]] = []
    for i in range(n):
        emp = f"e{i:05d}"
        dept = DEPARTMENTS[i % len(DEPARTMENTS)] or None
        out.append(
            {
                "type": "employee.upsert",
                "ts": ts,
                "id": emp,
                "name": f"Employee {i:05d} "
                f"{rng.choice('ABCDEFGHIJKLMNOPRSTUWZ')}{rng.randrange(100, 999)}",
                "department": dept,
            }
        )
        for a in range(rng.choice((1, 1, 2, 3))):
            login = f"s{i:05d}{a}"
            out.append({"type": "account.upsert", "ts": ts, "login": login, "employee": emp})
            pop.accounts.append(login)
            for d in range(rng.choice((1, 1, 2))):
                agent, dnd = rng.choice(AGENTS)
                dev = f"d{d}"
                pop.devices.append((login, dev, agent, dnd))
                pop.account_devices.setdefault(login, []).append(dev)
                status = rng.choice(("online", "online", "online", "offline"))
                out.append(
                    {
                        "type": "device.status",
                        "ts": ts,
                        "account": login,
                        "device": dev,
                        "user_agent": agent,
                        "status": status,
                        "dnd_capable": dnd,
                    }
                )
    return out, pop


class ChurnStream:
    """The stress mix: few calls in progress, so nearly every batch changes the rows on
    screen (with the default sort, new talkers land in the visible region)."""

    def __init__(self, pop: Population, rng: random.Random, concurrent: int = 1500) -> None:
        self.pop = pop
        self.rng = rng
        self.concurrent = concurrent
        self.ringing: deque[tuple[str, str, str]] = deque()
        self.talking: list[tuple[str, str]] = []
        self.busy: set[str] = set()
        self.n = 0

    def warm(self, at: float) -> list[dict[str, Any]]:
        return []

    def events(self, at: float, count: int) -> list[dict[str, Any]]:
        return [self.next(at) for _ in range(count)]

    def next(self, at: float) -> dict[str, Any]:
        rng = self.rng
        ts = _iso(at)
        roll = rng.random()
        if roll < 0.3:
            return _flip(self.pop, rng, ts)
        if roll < 0.55 and len(self.ringing) + len(self.talking) < self.concurrent:
            login = rng.choice(self.pop.accounts)
            if login not in self.busy:
                self.n += 1
                call, leg = f"c{self.n}", f"c{self.n}/{login}"
                self.ringing.append((call, leg, login))
                self.busy.add(login)
                return _ring(self.pop, rng, ts, call, leg, login)
        if roll < 0.8 and self.ringing:
            call, leg, login = self.ringing.popleft()
            if rng.random() < 0.8:
                self.talking.append((call, leg))
                return {"type": "call.answer", "ts": ts, "call": call, "leg": leg}
            self.busy.discard(login)
            return {"type": "call.end", "ts": ts, "call": call, "leg": leg}
        if self.talking:
            i = rng.randrange(len(self.talking))
            self.talking[i], self.talking[-1] = self.talking[-1], self.talking[i]
            call, leg = self.talking.pop()
            self.busy.discard(leg.split("/", 1)[1])
            return {"type": "call.end", "ts": ts, "call": call, "leg": leg}
        return _flip(self.pop, rng, ts)


class CallCenterStream:
    """A busy call center: calls ring 2-20 s, most are answered and last minutes
    (exponential, mean 2 min), some are missed or abandoned early; about 60% of the accounts
    are in a call at any time; the rest of the stream is devices registering, going
    offline and (the vendor app) do-not-disturb. Calls are in progress from the start."""

    def __init__(self, pop: Population, rng: random.Random, busy_share: float = 0.6) -> None:
        self.pop = pop
        self.rng = rng
        self.cap = int(len(pop.accounts) * busy_share)
        self.due: list[tuple[float, int, dict[str, Any]]] = []
        self.busy: set[str] = set()
        self.n = 0

    def _schedule(self, at: float, item: dict[str, Any]) -> None:
        self.n += 1
        heapq.heappush(self.due, (at, self.n, item))

    def _call(self, at: float) -> tuple[dict[str, Any], float] | None:
        """Ring a free account at ``at``; schedule the call's answer and end. Returns the
        ring and when the call ends."""
        rng = self.rng
        login = rng.choice(self.pop.accounts)
        if login in self.busy:
            return None
        self.busy.add(login)
        self.n += 1
        call, leg = f"c{self.n}", f"c{self.n}/{login}"
        ring = _ring(self.pop, rng, _iso(at), call, leg, login)
        roll = rng.random()
        if roll < 0.85:
            answer_at = at + rng.uniform(2, 20)
            end_at = answer_at + min(rng.expovariate(1 / 120), 3600)
            self._schedule(answer_at, {"type": "call.answer", "call": call, "leg": leg})
        else:
            end_at = at + (rng.uniform(6, 30) if roll < 0.95 else rng.uniform(1, 5))
        self._schedule(end_at, {"type": "call.end", "call": call, "leg": leg, "_login": login})
        return ring, end_at

    def warm(self, at: float) -> list[dict[str, Any]]:
        """Calls already in progress when the measurement starts: rung in the last 15 min,
        in time order, up to ``at``."""
        timed: list[tuple[float, int, dict[str, Any]]] = []
        tries = 0
        while len(self.busy) < self.cap * 0.9 and tries < 10 * self.cap:
            tries += 1
            ring_at = at - self.rng.uniform(30, 900)
            made = self._call(ring_at)
            if made is not None:
                self.n += 1
                timed.append((ring_at, self.n, made[0]))
        while self.due and self.due[0][0] <= at:
            when, n, item = heapq.heappop(self.due)
            timed.append((when, n, self._emit(item, when)))
        timed.sort(key=lambda t: (t[0], t[1]))
        return [item for _, _, item in timed]

    def _emit(self, item: dict[str, Any], at: float) -> dict[str, Any]:
        login = item.pop("_login", None)
        if login is not None:
            self.busy.discard(login)
        item["ts"] = _iso(at)
        return item

    def events(self, at: float, count: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        due = self.due
        while due and due[0][0] <= at and len(out) < count:
            out.append(self._emit(heapq.heappop(due)[2], at))
        ts = _iso(at)
        while len(out) < count:
            ring = None
            if len(self.busy) < self.cap and self.rng.random() < 0.7:
                made = self._call(at)
                ring = None if made is None else made[0]
            out.append(ring if ring is not None else _flip(self.pop, self.rng, ts))
        return out


class EventStream(Protocol):
    def warm(self, at: float) -> list[dict[str, Any]]: ...

    def events(self, at: float, count: int) -> list[dict[str, Any]]: ...


STREAMS: dict[str, Callable[[Population, random.Random], EventStream]] = {
    "callcenter": CallCenterStream,
    "churn": ChurnStream,
}


def _flip(pop: Population, rng: random.Random, ts: str) -> dict[str, Any]:
    login, dev, agent, dnd = rng.choice(pop.devices)
    options = ("online", "online", "offline", "dnd") if dnd else ("online", "online", "offline")
    return {
        "type": "device.status",
        "ts": ts,
        "account": login,
        "device": dev,
        "user_agent": agent,
        "status": rng.choice(options),
        "dnd_capable": dnd,
    }


def _ring(
    pop: Population, rng: random.Random, ts: str, call: str, leg: str, login: str
) -> dict[str, Any]:
    return {
        "type": "call.ring",
        "ts": ts,
        "call": call,
        "leg": leg,
        "account": login,
        "device": rng.choice(pop.account_devices[login]),
        "direction": rng.choice(("in", "in", "out")),
        "remote": "+48601000200",
    }
