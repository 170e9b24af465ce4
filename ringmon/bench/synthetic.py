"""A synthetic call-centre day for the benchmarks, when the simulator is not at hand.

Deterministic under a seed, and consistent (the model rejects none of it): every employee has
one or two SIP accounts with one or two devices (MicroSIP, Zoiper, the vendor app that alone
reports DND), logs in for a shift, takes a DND break on the app, and takes calls: direct ones,
hunt groups ringing up to four colleagues of a team, outgoing ones, some unanswered after less
than 5 s and some after more.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from random import Random
from typing import Any

AGENTS = ("MicroSIP/3.21.3", "Zoiper rv2.10.20.5", "Vendor Desktop 3.1")
TEAM_SIZE = 8


@dataclass
class _Person:
    id: str
    accounts: list[str]
    devices: list[tuple[str, str, str]]  # (login, device id, user agent)
    start: float
    end: float
    free_at: float = 0.0
    calls: int = 0
    out: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)


def _dt(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def synthetic_day(employees: int, seed: int, day: date, tz: tzinfo) -> Iterator[dict[str, Any]]:
    """The day's events as JSON-ready dicts, in time order, without ``seq``."""
    rng = Random(seed)
    midnight = datetime.combine(day, time(0), tzinfo=tz).timestamp()
    order = 0
    timed: list[tuple[float, int, dict[str, Any]]] = []

    def emit(at: float, event: dict[str, Any]) -> None:
        nonlocal order
        event["ts"] = _dt(at)
        timed.append((at, order, event))
        order += 1

    people: list[_Person] = []
    for n in range(employees):
        emp = f"e{n:05d}"
        emit(
            midnight,
            {
                "type": "employee.upsert",
                "id": emp,
                "name": f"Employee {n:05d}",
                "department": f"Team {n // TEAM_SIZE % 40}",
                "numbers": [f"+4822{n:07d}"],
            },
        )
        accounts = [f"sip{n:05d}"] + ([f"sip{n:05d}b"] if rng.random() < 0.4 else [])
        devices = []
        for login in accounts:
            emit(
                midnight,
                {"type": "account.upsert", "login": login, "number": login[3:], "employee": emp},
            )
            for d in range(1 if rng.random() < 0.6 else 2):
                devices.append((login, f"d{d}", rng.choice(AGENTS)))
        start = midnight + rng.uniform(6, 10) * 3600
        end = start + rng.uniform(6, 9) * 3600
        people.append(_Person(emp, accounts, devices, start, end, free_at=start + 60))
        _shift(emit, rng, devices, start, end)

    for team_start in range(0, employees, TEAM_SIZE):
        team = people[team_start : team_start + TEAM_SIZE]
        _calls(emit, rng, team, midnight)
    timed.sort(key=lambda item: (item[0], item[1]))
    for _, _, event in timed:
        yield event


def _device(login: str, device: str, agent: str, status: str) -> dict[str, Any]:
    return {
        "type": "device.status",
        "account": login,
        "device": device,
        "user_agent": agent,
        "status": status,
        "dnd_capable": agent.startswith("Vendor"),
    }


def _shift(
    emit: Any, rng: Random, devices: list[tuple[str, str, str]], start: float, end: float
) -> None:
    for login, device, agent in devices:
        on = start + rng.uniform(0, 120)
        emit(on, _device(login, device, agent, "online"))
        if agent.startswith("Vendor"):
            pause = rng.uniform(on + 3600, end - 3600)
            emit(pause, _device(login, device, agent, "dnd"))
            emit(pause + rng.uniform(600, 1800), _device(login, device, agent, "online"))
        emit(end + rng.uniform(0, 120), _device(login, device, agent, "offline"))


def _calls(emit: Any, rng: Random, team: list[_Person], midnight: float) -> None:
    """Calls arriving at the team from 08:00 to 18:00, answered by whoever is free."""
    at = midnight + 8 * 3600
    serial = 0
    while at < midnight + 18 * 3600:
        at += rng.expovariate(len(team) * 3 / 3600)  # about 3 calls per person per hour
        serial += 1
        call = f"{team[0].id}-{serial}"
        present = [p for p in team if p.start + 300 < at < p.end - 900]
        if not present:
            continue
        kind = rng.random()
        if kind < 0.25:
            targets = rng.sample(present, min(len(present), 4))  # a hunt group
        else:
            targets = [rng.choice(present)]
        direction = "out" if kind > 0.85 else "in"
        if direction == "out":
            targets = targets[:1]
        free = [p for p in targets if p.free_at <= at]
        ring = rng.choice([2.0, 4.0, 8.0, 12.0, 20.0])
        answerer = free[0] if free and rng.random() < 0.8 else None
        talk = rng.uniform(30, 400)
        for person in targets:
            login, device, _ = rng.choice(person.devices)
            leg = f"{call}/{login}"
            emit(
                at,
                {
                    "type": "call.ring",
                    "call": call,
                    "leg": leg,
                    "account": login,
                    "device": device,
                    "direction": direction,
                    "remote": "+48601000200",
                },
            )
            if person is answerer:
                emit(at + ring, {"type": "call.answer", "call": call, "leg": leg})
                emit(
                    at + ring + talk,
                    {"type": "call.end", "call": call, "leg": leg, "recording": f"sim:{leg}"},
                )
                person.free_at = at + ring + talk
            else:
                emit(at + ring, {"type": "call.end", "call": call, "leg": leg})
