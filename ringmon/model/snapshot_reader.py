"""The client's reading of ``GET /v1/snapshot``: ``SnapshotDoc.model_validate_json`` then
``state_from_snapshot``, the same state, several times faster.

At 10,000 employees the snapshot is 8 MB of 50,000 objects: validating them as pydantic models
and converting their times (pydantic's aware datetimes, whose ``timestamp()`` is slow) took
longer than the hub took to write them. Here the JSON is decoded by orjson and the state built
straight from it, every value checked for its type as the models would (times: ISO 8601 with
an offset). Anything this reading does not take as it is (a wrong type, a missing field, a
time without offset) is read again by the models: what they accept gives the same state, what
they refuse raises their ``ValidationError``, so errors read as before.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

import orjson

from ringmon.model.calls import CallLeg, DayTally, OpenCall
from ringmon.model.employee_day_docs import employee_days_from_raw
from ringmon.model.no_collection import no_collection
from ringmon.model.schema import Direction, QueuePause, Registration
from ringmon.model.state import Account, Device, Employee, State
from ringmon.model.status import Status

if TYPE_CHECKING:
    from ringmon.model.wire import SnapshotDoc

_STATUS = {member.value: member for member in Status}
_REGISTRATION = {member.value: member for member in Registration}
_DIRECTION = {member.value: member for member in Direction}


class _Unread(Exception):
    """This reading does not take the document as it is: the models read it."""


class SnapshotReading:
    """A snapshot's JSON, read: its head at once (``seq``, ``now``, ``speed``, ``tz``),
    its state by ``state(tz)`` (the zone may come from the head). Raises pydantic's
    ``ValidationError`` for a document the models refuse."""

    def __init__(self, body: bytes | str) -> None:
        with no_collection():
            self._read(body)

    def _read(self, body: bytes | str) -> None:
        self._body = body
        self._doc: SnapshotDoc | None = None
        self._raw: dict[str, Any] = {}
        try:
            raw = orjson.loads(body)
            if type(raw) is not dict:
                raise _Unread
            self._raw = raw
            self.seq = _int(raw["seq"])
            self.now = _time(raw["now"])
            speed = raw.get("speed", 1.0)
            if type(speed) is int:
                speed = float(speed)
            if type(speed) is not float:
                raise _Unread
            self.speed: float = speed
            self.tz = _str(raw.get("tz", "UTC"))
            clock = raw.get("clock")
            self._clock = 0.0 if clock is None else _time(clock)
        except (_Unread, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            self._read_by_models(body)

    def _read_by_models(self, body: bytes | str) -> None:
        # The models only for what the fast path does not read (their build costs a start).
        from ringmon.model.wire import SnapshotDoc

        doc = self._doc = SnapshotDoc.model_validate_json(body)  # raises ValidationError
        self.seq = doc.seq
        self.now = doc.now.timestamp()
        self.speed = doc.speed
        self.tz = doc.tz

    def state(self, tz: tzinfo) -> State:
        """The live (non-recording) state equal to the hub's at ``seq``."""
        if self._doc is None:
            try:
                with no_collection():
                    return _state(self._raw, self.seq, self._clock, tz)
            except (_Unread, KeyError, TypeError, ValueError, AttributeError):
                self._read_by_models(self._body)
        assert self._doc is not None
        from ringmon.model.wire import state_from_snapshot

        return state_from_snapshot(self._doc, tz)


def _state(raw: dict[str, Any], seq: int, clock: float, tz: tzinfo) -> State:
    state = State(tz)
    state.seq = seq
    state.clock = clock
    employees, accounts, devices = state.employees, state.accounts, state.devices
    for e in raw.get("employees", ()):
        emp_id = _str(e["id"])
        since = e.get("since")
        employees[emp_id] = Employee(
            emp_id,
            _str(e["name"]),
            _str_or_none(e.get("department")),
            tuple(_str(n) for n in e.get("numbers", ())),
            _STATUS[e.get("status", "offline")],
            0.0 if since is None else _time(since),
            reason=_str_or_none(e.get("reason")),
        )
    for a in raw.get("accounts", ()):
        login = _str(a["login"])
        employee = _str_or_none(a.get("employee"))
        acc = accounts[login] = Account(login, _str_or_none(a.get("number")), employee)
        if employee in employees:
            acc.owner = employees[employee]
            acc.owner.accounts.add(login)
    for d in raw.get("devices", ()):
        login, device_id = _str(d["account"]), _str(d["device"])
        registration = _REGISTRATION[d["registration"]]
        user_agent = _str(d.get("user_agent", ""))
        dnd_capable = _bool(d.get("dnd_capable", False))
        registered_since, status = _time(d["registered_since"]), _STATUS[d["status"]]
        since = _time(d["since"])
        if login not in accounts:
            continue
        devices[(login, device_id)] = Device(
            login, device_id, user_agent, registration, dnd_capable, registered_since, status, since
        )
        if d.get("reason") is not None or d.get("paused"):
            device = devices[(login, device_id)]
            device.reason = _str_or_none(d.get("reason"))
            device.paused = tuple(_pause(p) for p in d.get("paused") or ())
        accounts[login].devices[device_id] = devices[(login, device_id)]
    today = raw["today"]
    state.tally.days[_date(today["day"])] = DayTally(
        _int(today.get("calls", 0)), _int(today.get("answered", 0)), _int(today.get("missed", 0))
    )
    open_calls = raw.get("open_calls")
    if open_calls is not None:
        calls = []
        for c in open_calls:
            closed = c.get("closed_at")
            closed_at = None if closed is None else _time(closed)
            call = OpenCall(
                _date(c["day"]),
                _int(c.get("legs", 0)),
                _bool(c.get("answered", False)),
                _bool(c.get("missed", False)),
                closed_at,
            )
            calls.append((-1.0 if closed_at is None else closed_at, _str(c["call"]), call))
        # Calls still open first, then closed ones oldest first (the tally forgets in order).
        calls.sort(key=_first)
        for _, call_id, call in calls:
            state.tally.restore(call_id, call)
    days = raw.get("employee_days")
    if days is not None:
        state.employee_days.restore(*employee_days_from_raw(days))
    for g in raw.get("legs", ()):
        answer, end = g.get("answer_at"), g.get("end_at")
        leg = CallLeg(
            call=_str(g["call"]),
            leg=_str(g["leg"]),
            account=_str(g["account"]),
            device=_str_or_none(g.get("device")),
            employee=_str_or_none(g.get("employee")),
            direction=_DIRECTION[g["direction"]],
            remote=_str(g.get("remote", "")),
            ring_at=_time(g["ring_at"]),
            answer_at=None if answer is None else _time(answer),
            end_at=None if end is None else _time(end),
            recording=_str_or_none(g.get("recording")),
            remote_name=_str(g.get("remote_name", "")),
            answered_by_colleague=_bool(g.get("answered_by_colleague", False)),
        )
        state.legs[leg.leg] = leg
        if open_calls is None:
            # A hub that does not send its tally's calls: rebuild them from the legs.
            state.tally.restore_leg(leg)
        state.restore_leg_indexes(leg)
    return state


def _first(item: tuple[float, str, OpenCall]) -> float:
    return item[0]


def _time(value: object) -> float:
    """An ISO 8601 time with its offset, as seconds since the epoch."""
    if type(value) is not str:
        raise _Unread
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise _Unread
    return moment.timestamp()


def _pause(value: object) -> QueuePause:
    if type(value) is not dict:
        raise _Unread
    return QueuePause(queue=_str(value["queue"]), reason=_str(value.get("reason", "")))


def _date(value: object) -> date:
    if type(value) is not str:
        raise _Unread
    return date.fromisoformat(value)


def _str(value: object) -> str:
    if type(value) is not str:
        raise _Unread
    return value


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    return _str(value)


def _int(value: object) -> int:
    if type(value) is not int:
        raise _Unread
    return value


def _bool(value: object) -> bool:
    if type(value) is not bool:
        raise _Unread
    return value
