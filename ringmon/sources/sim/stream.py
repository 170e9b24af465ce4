"""The simulator's whole event stream: every unit (team x day) merged in time order, lazily.

The stream is a pure function of (roster, seed, time zone): a window of it is the same
whenever it is generated. Units are added to the merge day by day, when the merge reaches the
local midnight that starts their day (no unit has an event before it), so memory holds one
small generator per team and at most two days' worth of units, whatever the length of the run.

Two ways to enter the stream at a time T:

- **fresh** (``start=T``): the employees and accounts are upserted at T; what happened before
  T is *condensed*: each device still registered at T gets one ``device.status`` at T, and
  calls that began before T are left out whole. The result applies to an empty state.
- **resume** (``after=T``): events strictly after T, as a continuation of a stored stream
  that was entered fresh earlier with the same parameters; calls in progress at T go on. The
  devices registered at T repeat their status first (idempotent for a hub that has them).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    Direction,
    EmployeeUpsert,
    Event,
    Registration,
)
from ringmon.sources.sim.calls import (
    ANSWER,
    DEVICE,
    END,
    RING,
    Payload,
    caller_name,
    unit_events,
)
from ringmon.sources.sim.day_plan import OFFLINE, earliest_event, local_time
from ringmon.sources.sim.roster import Roster

RawItem = tuple[float, Payload]
E = TypeVar("E", DeviceStatus, CallRing, CallAnswer, CallEnd)


def local_date(at: float, tz: tzinfo) -> date:
    return datetime.fromtimestamp(at, tz).date()


def day_start(at: float, tz: tzinfo) -> float:
    """The local midnight that starts the day holding ``at``."""
    return local_time(local_date(at, tz), 0, tz)


SLICE = 300.0
"""Seconds of the stream merged at a time (``merged``)."""


def merged(
    roster: Roster, seed: int, tz: tzinfo, first_day: date, until: float = math.inf
) -> Iterator[RawItem]:
    """Every event of every unit from ``first_day`` on, in (ts, unit, order) order, up to
    ``until`` (endless by default; the day holding ``until`` is given whole).

    Units of ``first_day`` whose shift crosses midnight are taken from the day before too,
    so that the night shift that started the evening before is there after midnight.

    A unit's plans (every member's day: most of a unit's cost) are made when the merge
    reaches the earliest time it can have an event (``earliest_event``), not at its day's
    midnight: a window ending at noon never plans the afternoon and night shifts, and the
    order is the same (nothing of the unit can come before that time).

    Merged a slice of time at a time (``SLICE``, never across a local midnight: the next
    day's units join there): each unit's events of the slice are taken in a row and the
    slice is sorted once by (ts, unit, order), the order a heap of the units would give at
    a third of the cost (a heap step per event, and a switch between the units'
    generators per event, were two thirds of the simulator's time).
    """
    teams = roster.teams
    if not teams:
        return
    width = max(1, len(teams))
    # Units not planned yet: (earliest event, unit number, team, day), a heap.
    waiting: list[tuple[float, int, Any, date]] = []
    # Units running: [unit number, their events, the next one (None: ended)].
    running: list[list[Any]] = []

    def add(day: date, only_night: bool) -> None:
        base = day.toordinal() * width
        for team in teams:
            if only_night and not team.shift.crosses_midnight:
                continue
            if team.members:
                at = earliest_event(team.members[0], day, tz)  # one shift per team
                heapq.heappush(waiting, (at, base + team.index, team, day))

    add(first_day - timedelta(days=1), True)
    day = first_day
    next_midnight = local_time(day, 0, tz)
    at = waiting[0][0] if waiting else next_midnight  # where the next slice starts
    while True:
        if at >= next_midnight:
            if next_midnight >= until:
                return
            add(day, False)
            day += timedelta(days=1)
            next_midnight = local_time(day, 0, tz)
        elif not running and (not waiting or waiting[0][0] > at):
            at = min(waiting[0][0] if waiting else next_midnight, next_midnight)  # idle time
            continue
        end = min(at + SLICE, next_midnight)
        while waiting and waiting[0][0] < end:
            _, unit, team, unit_day = heapq.heappop(waiting)
            events = unit_events(team, unit_day, seed, tz)
            running.append([unit, events, next(events, None)])
        out: list[tuple[float, int, int, Payload]] = []
        append = out.append
        ended = False
        for entry in running:
            unit, events, item = entry
            while item is not None and item[0] < end:
                append((item[0], unit, item[1], item[2]))
                item = next(events, None)
            entry[2] = item
            ended = ended or item is None
        if ended:
            running = [entry for entry in running if entry[2] is not None]
        out.sort()
        for item_at, _, _, payload in out:
            yield item_at, payload
        at = end


def raw_window(
    roster: Roster,
    seed: int,
    tz: tzinfo,
    *,
    start: float | None = None,
    after: float | None = None,
    end: float = math.inf,
    condense_offline: bool = False,
    now: float | None = None,
) -> Iterator[RawItem]:
    """The stream from ``start`` (fresh) or strictly after ``after`` (resume), up to ``end``.

    Fresh: devices registered at ``start`` (all devices if ``condense_offline``) first get a
    ``device.status`` at ``start``; legs that rang before ``start`` are left out.
    Resume: devices registered at ``after`` repeat their status first, at ``now`` if that
    lies between ``after`` and the next event, else at the time of the next event.
    """
    if (start is None) == (after is None):
        raise ValueError("give exactly one of start and after")
    origin = start if start is not None else after
    assert origin is not None
    stream = merged(roster, seed, tz, local_date(origin, tz), end)
    devices: dict[tuple[str, str], Payload] = {}
    if after is not None:
        for at, payload in stream:
            if at >= end:
                return
            if at > after:
                # Devices registered at the resume point say so again (a no-op for a hub that
                # knows them; it brings in the devices of people added to the roster since).
                stamp = now if now is not None and after < now < at else at
                for condensed in devices.values():
                    if condensed[4] != OFFLINE:
                        yield stamp, condensed
                yield at, payload
                break
            if payload[0] == DEVICE:
                devices[(payload[1], payload[2])] = payload
        for at, payload in stream:
            if at >= end:
                return
            yield at, payload
        return
    assert start is not None
    if condense_offline:
        for employee in roster.employees:
            for account, device in employee.devices:
                devices[(account.login, device.id)] = (
                    DEVICE,
                    account.login,
                    device.id,
                    device.user_agent,
                    OFFLINE,
                    device.dnd_capable,
                )
    for at, payload in stream:
        if at >= start:
            for condensed in devices.values():
                if condense_offline or condensed[4] != OFFLINE:
                    yield start, condensed
            devices.clear()
            if at < end and (payload[0] == DEVICE or payload[-1] >= start):
                yield at, payload
            break
        if payload[0] == DEVICE:
            devices[(payload[1], payload[2])] = payload
    for at, payload in stream:
        if at >= end:
            return
        if payload[0] == DEVICE or payload[-1] >= start:
            yield at, payload


def upserts(roster: Roster, at: float) -> Iterator[Event]:
    """Every employee, then every account, stamped ``at``."""
    ts = datetime.fromtimestamp(at, UTC)
    for employee in roster.employees:
        yield EmployeeUpsert(
            ts=ts,
            id=employee.id,
            name=employee.name,
            department=employee.department.name,
            numbers=employee.numbers,
        )
    for employee in roster.employees:
        for account in employee.accounts:
            yield AccountUpsert(
                ts=ts, login=account.login, number=account.number, employee=employee.id
            )


_REGISTRATION = {r.value: r for r in Registration}
_DIRECTION = {d.value: d for d in Direction}


_new = object.__new__
_set = object.__setattr__
_FIELDS_SET: dict[type, set[str]] = {
    cls: set(cls.model_fields) for cls in (DeviceStatus, CallRing, CallAnswer, CallEnd)
}
"""Every field of each event class: the fields set of an event built with all of them (one
set per class, shared: events are frozen, and ``model_copy`` copies the set it changes)."""


def _built(cls: type[E], fields: dict[str, Any]) -> E:
    """An event of ``cls`` holding ``fields`` (every field, in the schema's order), without
    validation: what pydantic's ``model_construct`` makes, at a fifth of its cost."""
    event = _new(cls)
    _set(event, "__dict__", fields)
    _set(event, "__pydantic_fields_set__", _FIELDS_SET[cls])
    _set(event, "__pydantic_extra__", None)
    _set(event, "__pydantic_private__", None)
    return event


def to_event(at: float, payload: Payload) -> Event:
    """The schema event of an internal payload.

    Built without validation (``_built``): the simulator's payloads are valid by
    construction (tests/sim/test_stream_events.py checks each against the schema), and
    validating them again was half of the simulator's time. The fields are those validation
    gives: a UTC ``datetime``, the enums, every default."""
    ts = datetime.fromtimestamp(at, UTC)
    kind = payload[0]
    if kind == DEVICE:
        return _built(
            DeviceStatus,
            {
                "seq": None,
                "ts": ts,
                "type": "device.status",
                "account": payload[1],
                "device": payload[2],
                "user_agent": payload[3],
                "status": _REGISTRATION[payload[4]],
                "dnd_capable": payload[5],
                "reason": payload[6] if len(payload) > 6 else None,
                "paused": None,
            },
        )
    if kind == RING:
        return _built(
            CallRing,
            {
                "seq": None,
                "ts": ts,
                "type": "call.ring",
                "call": payload[1],
                "leg": payload[2],
                "account": payload[3],
                "device": payload[4],
                "direction": _DIRECTION[payload[5]],
                "remote": payload[6],
                "remote_name": caller_name(payload[6]) or None,
            },
        )
    if kind == ANSWER:
        return _built(
            CallAnswer,
            {
                "seq": None,
                "ts": ts,
                "type": "call.answer",
                "call": payload[1],
                "leg": payload[2],
                "device": payload[3],
            },
        )
    if kind == END:
        return _built(
            CallEnd,
            {
                "seq": None,
                "ts": ts,
                "type": "call.end",
                "call": payload[1],
                "leg": payload[2],
                "recording": payload[3],
            },
        )
    raise ValueError(f"unknown payload kind {kind!r}")


def timed_events(
    roster: Roster,
    seed: int,
    tz: tzinfo,
    *,
    start: float | None = None,
    after: float | None = None,
    end: float = math.inf,
    condense_offline: bool = False,
    now: float | None = None,
) -> Iterator[tuple[float, Event]]:
    """Upserts, then the window of the stream, as (epoch seconds, event) pairs.

    Fresh (``start``): upserts at ``start``. Resume (``after``): upserts (idempotent for a hub
    that has them; they bring in anyone new) and the devices' current status at ``now`` when
    that is after ``after``, or else at the time of the first event after ``after``; either
    way before that event.
    """
    window = raw_window(
        roster,
        seed,
        tz,
        start=start,
        after=after,
        end=end,
        condense_offline=condense_offline,
        now=now,
    )
    return window_events(roster, window, start=start, after=after, end=end, now=now)


def window_events(
    roster: Roster,
    window: Iterator[RawItem],
    *,
    start: float | None = None,
    after: float | None = None,
    end: float = math.inf,
    now: float | None = None,
) -> Iterator[tuple[float, Event]]:
    """``timed_events`` of a window made elsewhere (``raw_window``'s items, e.g. by a worker
    process: worker.py): the upserts, then each item as its event."""
    first = next(window, None)
    if start is not None:
        at0: float = start
    elif first is not None:
        at0 = first[0]
        if after is not None and now is not None and after < now < at0:
            at0 = now
    else:
        return
    if at0 < end:
        for event in upserts(roster, at0):
            yield at0, event
    if first is None:
        return
    yield first[0], to_event(*first)
    for at, payload in window:
        yield at, to_event(at, payload)
