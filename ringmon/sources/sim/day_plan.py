"""One employee's day: whether they come, when they log in and out, breaks, DND, blips.

A plan covers the shift that *starts* on a local date (a night shift runs into the next
morning). It depends only on (seed, employee index, date), through its own
``random.Random``, so the same day comes out the same whenever it is generated.

The plan is a list of device status transitions plus the ``segments`` of the day: stretches
in which nothing changes (which devices are online, whether the person is at the desk). The
call generator places calls only inside segments, on a device that stays online until the
call ends, so no call ever overlaps a device going offline or into DND.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from random import Random

from ringmon.sources.sim.roster import Account, Device, Employee

ONLINE = "online"
DND = "dnd"
OFFLINE = "offline"


@dataclass(slots=True)
class Segment:
    """A stretch of the day in which no device changes status and attendance is constant."""

    start: float
    end: float
    attentive: bool
    """At the desk and answering (not on a break)."""
    online: tuple[int, ...]
    """Indexes (into the plan's ``devices``) of the devices online (registered, not DND)."""
    until: tuple[float, ...]
    """For each device in ``online``: until when it stays online without interruption."""


@dataclass(slots=True)
class DayPlan:
    employee: Employee
    devices: tuple[tuple[Account, Device], ...]
    login: float
    logout: float
    transitions: list[tuple[float, int, str]]
    """(time, device index, status), in time order."""
    segments: list[Segment]
    reasons: dict[tuple[float, int], str] = field(default_factory=dict)
    """(time, device index) of a ``dnd`` transition -> the break's reason (``Lunch``)."""


EARLY_MINUTES = 12
"""The earliest anyone logs in: this many minutes before their shift starts."""


def shift_start(employee: Employee, day: date, tz: tzinfo) -> float:
    """When ``employee``'s shift starting on ``day`` starts (epoch seconds)."""
    return local_time(day, employee.shift.start, tz)


def earliest_event(employee: Employee, day: date, tz: tzinfo) -> float:
    """No event of the plan for ``employee``'s shift starting on ``day`` comes before this
    (the earliest login, less a second for the rounding)."""
    return shift_start(employee, day, tz) - EARLY_MINUTES * 60 - 1.0


def local_time(day: date, minutes: int, tz: tzinfo) -> float:
    """Epoch seconds of ``minutes`` after the local midnight starting ``day`` (may spill over)."""
    days, minute = divmod(minutes, 24 * 60)
    wall = datetime.combine(day + timedelta(days=days), time(minute // 60, minute % 60), tz)
    return wall.timestamp()


def plan_day(employee: Employee, day: date, seed: int, tz: tzinfo) -> DayPlan | None:
    """The employee's shift starting on ``day``; None when they do not work that day."""
    rng = Random(f"ringmon-sim:{seed}:{employee.index}:{day.toordinal()}")
    shift = employee.shift
    weekend = day.weekday() >= 5
    if rng.random() >= (shift.weekend_attendance if weekend else shift.weekday_attendance):
        return None
    starts = shift_start(employee, day, tz)
    shift_end = local_time(day, shift.start + shift.length, tz)
    lateness = rng.random()
    if lateness < 0.72:
        login = starts + rng.uniform(-EARLY_MINUTES, 1) * 60
    elif lateness < 0.94:
        login = starts + rng.uniform(2, 20) * 60
    else:
        login = starts + rng.uniform(25, 80) * 60
    logout = shift_end + rng.uniform(-4, 10) * 60
    if rng.random() < 0.03:
        logout -= rng.uniform(60, 180) * 60  # left early
    logout = max(logout, login + 2 * 3600)
    login, logout = round(login, 3), round(logout, 3)

    breaks = _breaks(rng, login, logout)
    devices = employee.devices
    per_device: list[list[tuple[float, str]]] = []
    for index, (_account, device) in enumerate(devices):
        per_device.append(_device_day(rng, device, index, login, logout, breaks))
    transitions = sorted(
        (at, index, status) for index, changes in enumerate(per_device) for at, status in changes
    )
    segments = _segments(transitions, len(devices), login, logout, breaks)
    lunches = {b0: lunch for b0, _, lunch in breaks}
    reasons = {
        (at, index): break_reason(at, lunches.get(at, False))
        for at, index, status in transitions
        if status == DND
    }
    return DayPlan(employee, devices, login, logout, transitions, segments, reasons)


def break_reason(start: float, lunch: bool) -> str:
    """A DND break's reason: ``Lunch``, else ``Training`` for one break in five (by its start
    time, so the plan's random sequence stays as it was), else ``Break``."""
    if lunch:
        return "Lunch"
    return "Training" if int(start) % 5 == 0 else "Break"


def _breaks(rng: Random, login: float, logout: float) -> list[tuple[float, float, bool]]:
    """(start, end, is_lunch) breaks inside the working time, not overlapping."""
    breaks: list[tuple[float, float, bool]] = []
    span = logout - login
    if span > 6 * 3600:
        middle = login + span * rng.uniform(0.42, 0.58)
        breaks.append((round(middle, 3), round(middle + rng.uniform(25, 40) * 60, 3), True))
    for _ in range(rng.choice((1, 2, 2, 3))):
        begin = login + rng.uniform(0.1, 0.9) * span
        end = begin + rng.uniform(4, 15) * 60
        if all(end + 300 < b0 or begin > b1 + 300 for b0, b1, _ in breaks):
            breaks.append((round(begin, 3), round(end, 3), False))
    breaks.sort()
    return breaks


def _device_day(
    rng: Random,
    device: Device,
    index: int,
    login: float,
    logout: float,
    breaks: list[tuple[float, float, bool]],
) -> list[tuple[float, str]]:
    """The status changes of one device over the day, from its login to its logout."""
    if device.kind == "mobile" and rng.random() < 0.35:
        return []  # the phone stayed in the pocket today
    if index == 0:
        on = login
    elif device.kind == "mobile":
        on = login + rng.uniform(60, 3600)
    else:
        on = login + rng.uniform(5, 400)
    off = logout - rng.uniform(0, 90) if index else logout
    on, off = round(on, 3), round(off, 3)
    if off - on < 1800:
        return []
    # Overrides of "online" inside [on, off): (start, end, status), not overlapping.
    overrides: list[tuple[float, float, str]] = []
    for b0, b1, lunch in breaks:
        if b0 < on + 60 or b1 > off - 60:
            continue
        if device.kind == "app" and rng.random() < (0.85 if lunch else 0.9):
            overrides.append((b0, b1, DND))
        elif device.kind == "soft" and lunch and rng.random() < 0.4:
            overrides.append((b0, b1, OFFLINE))  # closed the softphone for lunch
    for _ in range(rng.choices((0, 1, 2), (0.55, 0.3, 0.15))[0]):
        # A short loss of registration: Wi-Fi, a VPN reconnect, a laptop lid.
        begin = round(rng.uniform(on + 600, max(on + 600, off - 600)), 3)
        end = round(begin + rng.uniform(3, 60), 3)
        if end < off - 60 and all(end + 60 < o0 or begin > o1 + 60 for o0, o1, _ in overrides):
            overrides.append((begin, end, OFFLINE))
    overrides.sort()
    changes: list[tuple[float, str]] = [(on, ONLINE)]
    for o0, o1, status in overrides:
        changes.append((o0, status))
        changes.append((o1, ONLINE))
    changes.append((off, OFFLINE))
    return changes


def _segments(
    transitions: list[tuple[float, int, str]],
    device_count: int,
    login: float,
    logout: float,
    breaks: list[tuple[float, float, bool]],
) -> list[Segment]:
    cuts = sorted({at for at, _, _ in transitions} | {b for b0, b1, _ in breaks for b in (b0, b1)})
    status = [OFFLINE] * device_count
    segments: list[Segment] = []
    ti = 0
    count = len(transitions)
    online: tuple[int, ...] = ()
    for i, begin in enumerate(cuts[:-1]):
        if ti < count and transitions[ti][0] <= begin:
            while ti < count and transitions[ti][0] <= begin:
                _, device, new = transitions[ti]
                status[device] = new
                ti += 1
            online = tuple(d for d in range(device_count) if status[d] == ONLINE)
        if not online:
            continue
        attentive = login <= begin < logout and not any(b0 <= begin < b1 for b0, b1, _ in breaks)
        segments.append(Segment(begin, cuts[i + 1], attentive, online, ()))
    # Backwards: how long each online device stays online across adjoining segments.
    following: dict[int, float] = {}
    next_start: float | None = None
    for segment in reversed(segments):
        until: list[float] = []
        for device in segment.online:
            carried = following.get(device) if next_start == segment.end else None
            until.append(carried if carried is not None else segment.end)
        segment.until = tuple(until)
        following = dict(zip(segment.online, until, strict=True))
        next_start = segment.start
    return segments
