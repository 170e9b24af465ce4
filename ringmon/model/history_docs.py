"""The REST document of an employee's history (``GET /v1/employees/{id}/history``) and its
conversion back to the model: the hub builds it from a recording ``State``, the client and
``ringmon export`` turn it back into an ``EmployeeHistory``, so every number is computed by the
same functions on both sides."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime

from ringmon.model.history import EmployeeHistory
from ringmon.model.state import Transition
from ringmon.model.stats import CallStats, PeriodStats
from ringmon.model.status import Status
from ringmon.model.timeline import Interval
from ringmon.model.wire import AccountDoc, Doc, EmployeeDoc, LegDoc, to_dt


class IntervalDoc(Doc):
    start: AwareDatetime
    end: AwareDatetime
    status: Status
    reason: str | None = None

    @classmethod
    def of(cls, interval: Interval) -> IntervalDoc:
        return cls(
            start=to_dt(interval.start),
            end=to_dt(interval.end),
            status=interval.status,
            reason=interval.reason,
        )


class TransitionDoc(Doc):
    at: AwareDatetime
    status: Status
    reason: str | None = None


class DeviceHistoryDoc(Doc):
    account: str
    device: str
    user_agent: str = ""
    transitions: list[TransitionDoc]


class StatsDoc(Doc):
    handled: int
    incoming: int
    outgoing: int
    missed: int
    short_unanswered: int
    outgoing_unanswered: int
    missed_answered_by_colleague: int = 0
    total_talk: float
    average_talk: float
    average_answer: float
    in_status: dict[Status, float]

    @classmethod
    def of(cls, calls: CallStats, in_status: dict[Status, float]) -> StatsDoc:
        return cls(**calls.as_dict(), in_status={s: round(v, 3) for s, v in in_status.items()})


class DayDoc(Doc):
    day: date
    stats: StatsDoc
    timeline: list[IntervalDoc]


class HistoryLoadingDoc(Doc):
    """The hub is still writing past days in bulk (hub/intake/backfill.py): the history before
    ``until`` is not complete yet; ``loaded_days`` of ``loading_days`` are written."""

    until: AwareDatetime
    loaded_days: float
    loading_days: float


class HistoryDoc(Doc):
    """``GET /v1/employees/{id}/history``: everything the profile shows for a period.

    ``merged`` and ``devices`` carry the transitions inside the window (and the one in force
    at its start), from which the client recomputes any sub-period; ``days`` and ``total`` are
    the hub's own computation, for consumers other than ringmon.
    """

    employee: EmployeeDoc
    accounts: list[AccountDoc]
    start: AwareDatetime
    end: AwareDatetime
    now: AwareDatetime
    tz: str
    merged: list[TransitionDoc]
    devices: list[DeviceHistoryDoc]
    calls: list[LegDoc]
    days: list[DayDoc]
    total: StatsDoc
    loading: HistoryLoadingDoc | None = None
    """Set while the window reaches into past days the hub is still loading (added in v1:
    an older hub never says so)."""


def _window_transitions(log: list[Transition], start: float, end: float) -> list[TransitionDoc]:
    out: list[TransitionDoc] = []
    before: Transition | None = None
    for t in log:
        if t.at <= start:
            before = t
        elif t.at < end:
            out.append(TransitionDoc(at=to_dt(t.at), status=t.status, reason=t.reason))
    if before is not None:
        out.insert(
            0, TransitionDoc(at=to_dt(before.at), status=before.status, reason=before.reason)
        )
    return out


def history_doc(
    history: EmployeeHistory,
    stats: PeriodStats,
    start: float,
    end: float,
    now: float,
    tz_name: str,
    status: Status = Status.OFFLINE,
    since: float | None = None,
    loading: HistoryLoadingDoc | None = None,
) -> HistoryDoc:
    return HistoryDoc(
        employee=EmployeeDoc(
            id=history.id,
            name=history.name,
            department=history.department,
            numbers=list(history.numbers),
            status=status,
            since=None if since is None else to_dt(since),
        ),
        accounts=[
            AccountDoc(login=login, number=number, employee=history.id)
            for login, number in history.accounts
        ],
        start=to_dt(start),
        end=to_dt(end),
        now=to_dt(now),
        tz=tz_name,
        merged=_window_transitions(history.merged, start, end),
        devices=[
            DeviceHistoryDoc(
                account=key[0],
                device=key[1],
                user_agent=history.user_agents.get(key, ""),
                transitions=_window_transitions(log, start, end),
            )
            for key, log in sorted(history.devices.items())
        ],
        calls=[LegDoc.of(leg, now) for leg in history.calls if start <= leg.ring_at < end],
        days=[
            DayDoc(
                day=d.day,
                stats=StatsDoc.of(d.calls, d.in_status),
                timeline=[IntervalDoc.of(i) for i in d.timeline],
            )
            for d in stats.days
        ],
        total=StatsDoc.of(stats.calls, stats.in_status),
        loading=loading,
    )


def history_from_doc(doc: HistoryDoc) -> EmployeeHistory:
    """The model's view of a history document, to recompute stats for any sub-period."""
    devices = {
        (d.account, d.device): [
            Transition(t.at.timestamp(), t.status, t.reason) for t in d.transitions
        ]
        for d in doc.devices
    }
    return EmployeeHistory(
        id=doc.employee.id,
        name=doc.employee.name,
        department=doc.employee.department,
        numbers=tuple(doc.employee.numbers),
        accounts=[(a.login, a.number) for a in doc.accounts],
        merged=[Transition(t.at.timestamp(), t.status, t.reason) for t in doc.merged],
        devices=devices,
        user_agents={(d.account, d.device): d.user_agent for d in doc.devices},
        calls=[c.to_leg() for c in doc.calls],
    )
