"""The simulated call centre's people: departments, shifts, SIP accounts and devices.

Everything here follows from the seed alone (one ``random.Random`` drawn in employee order), so
the first N employees of a bigger roster are the same people as in a roster of N.

Coverage rule (so that the demo looks alive at any hour): the centre runs a **24x7 line**.
About a quarter of the staff work the night shift (22:00-07:30) every night of the week,
mostly in Support with some Billing; the early (06:00-14:30) and late (14:00-22:30) shifts
keep most of their people at weekends, when the office shifts are thin. So at any hour of any
day about 20% of the employees (never much under) are logged in and calls keep flowing; on
weekday working hours half to two thirds are.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from ringmon.sources.sim.names import unique_name

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift template in local wall-clock time; it may run past midnight."""

    name: str
    start: int
    """Minutes after local midnight."""
    length: int
    """Minutes, breaks included."""
    weekday_attendance: float
    weekend_attendance: float

    @property
    def crosses_midnight(self) -> bool:
        return self.start + self.length > MINUTES_PER_DAY - 60


@dataclass(frozen=True, slots=True)
class Department:
    """A department's call profile: calls per logged-in person per hour at the daily peak."""

    name: str | None
    incoming_per_hour: float
    outbound_per_hour: float
    hunt_share: float
    """Of incoming calls, the part that comes through the department's hunt group."""


@dataclass(frozen=True, slots=True)
class Device:
    """A user agent a SIP account registers from. Only the vendor desktop app can report DND."""

    id: str
    kind: str
    """``app`` (the vendor desktop app), ``soft`` (a softphone), ``desk`` or ``mobile``."""
    user_agent: str

    @property
    def dnd_capable(self) -> bool:
        return self.kind == "app"


@dataclass(frozen=True, slots=True)
class Account:
    login: str
    number: str
    devices: tuple[Device, ...]


@dataclass(frozen=True, slots=True)
class Employee:
    index: int
    id: str
    name: str
    department: Department
    shift: Shift
    accounts: tuple[Account, ...]

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(account.number for account in self.accounts)

    @property
    def devices(self) -> tuple[tuple[Account, Device], ...]:
        return tuple((acc, dev) for acc in self.accounts for dev in acc.devices)


@dataclass(frozen=True, slots=True)
class Team:
    """People of one department on one shift: one hunt group (a unit simulated together)."""

    index: int
    department: Department
    shift: Shift
    members: tuple[Employee, ...]

    @property
    def hunt_group(self) -> bool:
        return self.department.hunt_share > 0 and len(self.members) > 1


@dataclass(frozen=True, slots=True)
class Roster:
    employees: tuple[Employee, ...]
    teams: tuple[Team, ...]

    @property
    def departments(self) -> list[str]:
        return sorted({e.department.name for e in self.employees if e.department.name})


# The night shift and the weekend crews are what the coverage rule of the module docstring
# rests on: keep their shares when tuning.
NIGHT = Shift("night", 22 * 60, 570, 0.93, 0.92)
SHIFTS: tuple[tuple[Shift, float], ...] = (
    (NIGHT, 0.24),
    (Shift("early", 6 * 60, 510, 0.92, 0.75), 0.19),
    (Shift("day8", 8 * 60, 510, 0.92, 0.30), 0.18),
    (Shift("day9", 9 * 60, 510, 0.92, 0.20), 0.10),
    (Shift("mid", 12 * 60, 510, 0.90, 0.45), 0.10),
    (Shift("late", 14 * 60, 510, 0.92, 0.85), 0.19),
)
DEPARTMENTS: dict[str, Department] = {
    d.name: d
    for d in (
        Department("Support", 7.0, 0.6, 0.85),
        Department("Sales", 3.0, 5.5, 0.6),
        Department("Retention", 4.0, 3.5, 0.7),
        Department("Billing", 5.5, 1.0, 0.8),
        Department("Collections", 1.6, 7.0, 0.5),
    )
    if d.name is not None
}
NO_DEPARTMENT = Department(None, 1.5, 2.0, 0.0)
NO_DEPARTMENT_SHARE = 0.07
SHIFT_DEPARTMENTS: dict[str, tuple[tuple[str, float], ...]] = {
    "night": (("Support", 3), ("Billing", 1)),
    "early": (("Support", 2), ("Sales", 2), ("Billing", 1)),
    "day8": (("Sales", 3), ("Support", 2), ("Retention", 2), ("Billing", 1)),
    "day9": (("Sales", 2), ("Retention", 2), ("Billing", 1), ("Collections", 1), ("Support", 1)),
    "mid": (("Sales", 2), ("Support", 1), ("Retention", 1), ("Collections", 1)),
    "late": (("Support", 3), ("Sales", 2), ("Retention", 1), ("Collections", 1)),
}
TEAM_SIZE = 12

USER_AGENTS: dict[str, tuple[str, ...]] = {
    "app": (
        "Ringostat Desktop/3.4.1 (Windows)",
        "Ringostat Desktop/3.4.1 (macOS)",
        "Ringostat Desktop/3.3.7 (Windows)",
    ),
    "soft": (
        "MicroSIP/3.21.3",
        "MicroSIP/3.21.4",
        "Zoiper rv2.10.20.2",
        "Z 5.6.6 v2.10.20.2",
        "Linphone Desktop/5.2.4 (Windows 10) LinphoneSDK/5.3.14",
        "PhonerLite 3.21",
    ),
    "desk": (
        "Yealink SIP-T46U 108.86.0.45",
        "Yealink SIP-T54W 96.86.0.100",
        "Yealink SIP-T31P 124.86.0.40",
        "Grandstream GXP2170 1.0.11.23",
    ),
    "mobile": (
        "Zoiper rv2.10.19.9 (Android)",
        "Linphone iOS/5.2.2",
        "Groundwire 24.1.13 (iOS)",
    ),
}
# Device kinds per account, per setup: one tuple per account. Several user agents on one
# account (forked registration) and several accounts at once both occur.
SETUPS: tuple[tuple[tuple[tuple[str, ...], ...], float], ...] = (
    ((("app",),), 0.28),
    ((("soft",),), 0.17),
    ((("desk", "app"),), 0.10),
    ((("soft",), ("app",)), 0.20),
    ((("desk",), ("mobile",)), 0.07),
    ((("app",), ("mobile",)), 0.07),
    ((("soft", "mobile"),), 0.05),
    ((("desk",), ("app",), ("mobile",)), 0.06),
)


def _weighted(rng: Random, options: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in options]
    weights = [weight for _, weight in options]
    return rng.choices(names, weights)[0]


def build_roster(employees: int, seed: int) -> Roster:
    """The whole staff for ``employees`` people, deterministic under ``seed``."""
    if employees < 0:
        raise ValueError("employees must not be negative")
    rng = Random(f"ringmon-sim:{seed}:roster")
    shifts = [shift for shift, _ in SHIFTS]
    shift_weights = [weight for _, weight in SHIFTS]
    setups = [setup for setup, _ in SETUPS]
    setup_weights = [weight for _, weight in SETUPS]
    taken: set[str] = set()
    people: list[Employee] = []
    next_ext = 1001
    for index in range(employees):
        name = unique_name(rng, taken)
        if rng.random() < NO_DEPARTMENT_SHARE:
            department = NO_DEPARTMENT
            shift = shifts[2] if rng.random() < 0.6 else shifts[3]
        else:
            shift = rng.choices(shifts, shift_weights)[0]
            department = DEPARTMENTS[_weighted(rng, SHIFT_DEPARTMENTS[shift.name])]
        accounts: list[Account] = []
        for kinds in rng.choices(setups, setup_weights)[0]:
            devices = tuple(Device(kind, kind, rng.choice(USER_AGENTS[kind])) for kind in kinds)
            accounts.append(Account(f"sip{next_ext}", f"+48223{next_ext:06d}", devices))
            next_ext += 1
        people.append(Employee(index, f"e{index + 1}", name, department, shift, tuple(accounts)))
    return Roster(tuple(people), _teams(people))


def _teams(people: list[Employee]) -> tuple[Team, ...]:
    groups: dict[tuple[str | None, str], list[Employee]] = {}
    for person in people:
        groups.setdefault((person.department.name, person.shift.name), []).append(person)
    teams: list[Team] = []
    for members in groups.values():
        head = members[0]
        if head.department.name is None:
            # No department, no hunt group: each such person is a unit of their own.
            chunks = [[m] for m in members]
        else:
            count = -(-len(members) // TEAM_SIZE)
            chunks = [members[i::count] for i in range(count)]
        for chunk in chunks:
            teams.append(Team(len(teams), head.department, head.shift, tuple(chunk)))
    return tuple(teams)
