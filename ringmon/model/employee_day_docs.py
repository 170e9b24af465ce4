"""The snapshot's part for the board's counter columns: each employee's finished calls of
the day (``ringmon.model.employee_day``), as the hub sends it and the client restores it.
Optional in the snapshot (protocol v1: an older hub sends none, and the counters then start
from the calls that end while the client watches)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from ringmon.model.employee_day import EmployeeDay, EmployeeDays


class EmployeeDayDoc(BaseModel):
    model_config = ConfigDict(extra="ignore")

    """One employee's finished legs of the day (``employee_day.EmployeeDay``)."""

    employee: str
    incoming: int = 0
    outgoing: int = 0
    missed: int = 0
    short_unanswered: int = 0
    outgoing_unanswered: int = 0
    total_talk: float = 0.0
    answer_total: float = 0.0
    longest: float = 0.0

    def to_day(self) -> EmployeeDay:
        return EmployeeDay(
            self.incoming,
            self.outgoing,
            self.missed,
            self.short_unanswered,
            self.outgoing_unanswered,
            total_talk=self.total_talk,
            _answer_total=self.answer_total,
            longest=self.longest,
        )


class EmployeeDaysDoc(BaseModel):
    model_config = ConfigDict(extra="ignore")

    """Per employee, the finished legs of ``day`` (the board's counter columns)."""

    day: date
    employees: list[EmployeeDayDoc] = []


def _employee_day_dict(employee: str, day: EmployeeDay) -> dict[str, object]:
    return {
        "employee": employee,
        "incoming": day.incoming,
        "outgoing": day.outgoing,
        "missed": day.missed,
        "short_unanswered": day.short_unanswered,
        "outgoing_unanswered": day.outgoing_unanswered,
        "total_talk": round(day.total_talk, 3),
        "answer_total": round(day._answer_total, 3),
        "longest": round(day.longest, 3),
    }


def employee_days_dict(days: EmployeeDays) -> dict[str, object] | None:
    if days.day is None:
        return None
    return {
        "day": days.day,
        "employees": [_employee_day_dict(e, d) for e, d in days.employees.items()],
    }


def employee_days_from_raw(raw: dict[str, Any]) -> tuple[date, dict[str, EmployeeDay]]:
    """``EmployeeDaysDoc``'s JSON as decoded, read without the models (the client's fast
    snapshot reading, ``snapshot_reader``); a value of the wrong type raises ``TypeError``
    (and the reading falls back to the models)."""
    day = raw["day"]
    if type(day) is not str:
        raise TypeError("employee_days.day")
    out: dict[str, EmployeeDay] = {}
    for e in raw.get("employees", ()):
        employee = e["employee"]
        if type(employee) is not str:
            raise TypeError("employee_days.employee")
        out[employee] = EmployeeDay(
            _count(e, "incoming"),
            _count(e, "outgoing"),
            _count(e, "missed"),
            _count(e, "short_unanswered"),
            _count(e, "outgoing_unanswered"),
            total_talk=_seconds(e, "total_talk"),
            _answer_total=_seconds(e, "answer_total"),
            longest=_seconds(e, "longest"),
        )
    return date.fromisoformat(day), out


def _count(raw: dict[str, Any], name: str) -> int:
    value = raw.get(name, 0)
    if type(value) is not int:
        raise TypeError(name)
    return value


def _seconds(raw: dict[str, Any], name: str) -> float:
    value = raw.get(name, 0.0)
    if type(value) is int:
        return float(value)
    if type(value) is not float:
        raise TypeError(name)
    return value
