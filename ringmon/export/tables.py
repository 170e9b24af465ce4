"""The rows of ``ringmon export``: what the model computed, laid out for a spreadsheet.

Nothing is computed here that the model does not already compute for the profile: the
timeline and the statistics are ``period_stats``' (R9-R16), the calls are the period's legs
from ``legs_by_day`` with their ``LegDoc`` figures (outcome by R11, ring and talk seconds).
Times are ISO 8601 in the export's zone, with their offset, so a spreadsheet sees local time
and nobody has to guess the zone.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any

from ringmon.export.inputs import Subject
from ringmon.model.history_docs import StatsDoc
from ringmon.model.stats import PeriodStats, legs_by_day, period_stats
from ringmon.model.status import BY_PRIORITY
from ringmon.model.wire import LegDoc

Row = dict[str, Any]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet takes a cell beginning with one of these for a formula (or strips it)."""
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet shows as text rather than runs as a formula: a string that
    begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) gets a ``'`` in
    front, as spreadsheet users expect (``'=cmd|' /C calc'!A0``). A plain number stays as it
    is, signed or not (``+48601000200``, ``-5``): CRMs import phone numbers like that."""
    formula = isinstance(value, str) and value.startswith(FORMULA_START)
    if formula and not PLAIN_NUMBER.fullmatch(str(value)):
        return f"'{value}"
    return value


TIMELINE_COLUMNS = ["day", "start", "end", "status", "seconds", "reason"]
STATS_COLUMNS = [
    "day",
    *(name for name in StatsDoc.model_fields if name != "in_status"),
    *(f"{status.value}_seconds" for status in BY_PRIORITY),
]
CALL_COLUMNS = [
    "start",
    "direction",
    "remote",
    "remote_name",
    "ring_seconds",
    "talk_seconds",
    "outcome",
    "recording",
    "answered",
    "end",
    "account",
    "device",
    "call",
    "leg",
]


def iso(at: float, tz: tzinfo) -> str:
    """Local time with its offset; milliseconds only when the instant has a fraction."""
    moment = datetime.fromtimestamp(at, tz)
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def seconds(value: float) -> float:
    return round(value, 3)


def subject_stats(subject: Subject) -> PeriodStats:
    """The profile's own computation for the subject's period (see ``model.profile``)."""
    h = subject.history
    return period_stats(h.merged, h.calls, subject.days, subject.tz, subject.now)


def timeline_rows(subject: Subject) -> list[Row]:
    """One row per stretch of the merged timeline (R16), day by day (R14, R18)."""
    return [
        {
            "day": day.day.isoformat(),
            "start": iso(interval.start, subject.tz),
            "end": iso(interval.end, subject.tz),
            "status": interval.status.value,
            "seconds": seconds(interval.seconds),
            "reason": interval.reason or "",
        }
        for day in subject_stats(subject).days
        for interval in day.timeline
    ]


def _stats_row(label: str, doc: StatsDoc) -> Row:
    row: Row = {"day": label}
    row.update(doc.model_dump(exclude={"in_status"}))
    for status in BY_PRIORITY:
        row[f"{status.value}_seconds"] = doc.in_status.get(status, 0.0)
    return {column: row[column] for column in STATS_COLUMNS}


def stats_rows(subject: Subject) -> tuple[list[Row], Row]:
    """One row per day (R10, R13) and the period's total (R9)."""
    stats = subject_stats(subject)
    days = [
        _stats_row(day.day.isoformat(), StatsDoc.of(day.calls, day.in_status)) for day in stats.days
    ]
    return days, _stats_row("total", StatsDoc.of(stats.calls, stats.in_status))


def call_rows(subject: Subject) -> list[Row]:
    """The period's call legs (R12), oldest first."""
    by_day = legs_by_day(subject.history.calls, subject.days, subject.tz, subject.now)
    legs = sorted((leg for day in by_day.values() for leg in day), key=lambda x: x.ring_at)
    rows: list[Row] = []
    for leg in legs:
        doc = LegDoc.of(leg, subject.now)
        rows.append(
            {
                "start": iso(leg.ring_at, subject.tz),
                "direction": leg.direction.value,
                "remote": leg.remote,
                "remote_name": leg.remote_name,
                "ring_seconds": doc.ring_seconds,
                "talk_seconds": doc.talk_seconds,
                "outcome": doc.outcome.value if doc.outcome is not None else "",
                "recording": leg.recording or "",
                "answered": "" if leg.answer_at is None else iso(leg.answer_at, subject.tz),
                "end": "" if leg.end_at is None else iso(leg.end_at, subject.tz),
                "account": leg.account,
                "device": leg.device or "",
                "call": leg.call,
                "leg": leg.leg,
            }
        )
    return rows
