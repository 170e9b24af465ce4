"""Where ``ringmon export`` gets an employee's history: a JSONL file of events, or a hub.

Either way the result is the model's own ``EmployeeHistory`` with the zone, the "now" and the
days of the period, so that everything after this point is the same model code for both.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from ringmon.hub.settings import local_zone_name
from ringmon.hub_client import HubClient, HubError
from ringmon.model.history import EmployeeHistory, employee_history, find_employee, replay
from ringmon.model.history_docs import HistoryDoc, history_from_doc
from ringmon.model.period import PeriodError, days_window, parse_period
from ringmon.model.schema import Event, parse_event
from ringmon.model.state import State

USAGE = 2
"""Exit code of a request that cannot be right as given (bad period, zone, options)."""
FAILED = 1
"""Exit code of a request that was fine but could not be answered (unknown employee, no hub)."""


class ExportError(Exception):
    """One line for stderr, and the exit code to end with."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class Subject:
    """One employee's history, and the period to export it for."""

    history: EmployeeHistory
    tz: tzinfo
    tz_name: str
    now: float
    days: list[date]
    records_from: float | None
    """The first instant the data speaks of (None: it speaks of nothing): the file's first
    event, or the employee's first status or call the hub keeps. A period that ends before it
    has no data (``ringmon export`` says so and exits 1, rather than report it offline)."""
    source: str
    """Where the data came from, as the no-data sentence names it."""


# -- zones and periods --------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {name!r} (an IANA name like Europe/Warsaw)"
        raise ExportError(message, USAGE) from None


def check_period(text: str) -> None:
    """Refuse a malformed period before reading any data."""
    days(text, 0.0, ZoneInfo("UTC"))


def days(text: str, now: float, tz: tzinfo) -> list[date]:
    try:
        return parse_period(text, now, tz)
    except PeriodError as exc:
        raise ExportError(str(exc), USAGE) from None


def parse_now(text: str, tz: tzinfo) -> float:
    """``--now``: ISO 8601; without an offset it is a wall-clock time in the export's zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ExportError(f"--now {text!r} is not an ISO 8601 time", USAGE) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()


# -- from a file --------------------------------------------------------------------------


def read_events(path: str, errors: TextIO) -> list[Event]:
    """Every event of a JSONL file; bad lines are reported (with their number) and skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"cannot read {path}: {_reason(exc)}") from None
    events: list[Event] = []
    for number, line in _lines(text):
        try:
            events.append(parse_event(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            detail = f"{where}: {first['msg']}" if where else first["msg"]
            print(f"{path}:{number}: not a valid event ({detail}); skipped", file=errors)
    return events


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, stripped


def from_file(
    path: str, employee: str, period: str, tz_name: str | None, now_text: str | None, errors: TextIO
) -> Subject:
    name = tz_name or local_zone_name()
    tz = zone(name)
    now_given = parse_now(now_text, tz) if now_text is not None else None
    events = read_events(path, errors)
    if not events:
        raise ExportError(f"{path} holds no valid event")
    state = State(tz, record=True)
    _, rejects = replay(events, state)
    for reason in rejects:
        print(f"{path}: rejected {reason}", file=errors)
    now = now_given if now_given is not None else state.clock
    found = find_employee(state, employee)
    history = employee_history(state, found) if found is not None else None
    if history is None:
        raise ExportError(f"unknown employee {employee!r} in {path} (give an id or exact name)")
    first = min(e.ts for e in events).timestamp()
    return Subject(history, tz, name, now, days(period, now, tz), first, path)


# -- from a hub ---------------------------------------------------------------------------


def hub_token(token_file: str | None) -> str:
    """The token: from ``--token-file``, else ``RINGMON_TOKEN`` (never from argv)."""
    if token_file is not None:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ExportError(f"cannot read the token file {token_file}: {_reason(exc)}") from None
        if not token:
            raise ExportError(f"the token file {token_file} is empty", USAGE)
        return token
    token = os.environ.get("RINGMON_TOKEN", "").strip()
    if not token:
        raise ExportError("no access token: set RINGMON_TOKEN or pass --token-file", USAGE)
    return token


async def _history(hub: HubClient, employee_id: str, period: str) -> HistoryDoc | None:
    """The history document, or None when the hub knows no employee with that id."""
    first, _, last = period.strip().partition("..")
    try:
        if first in ("today", "3d", "7d"):
            doc = await hub.history(employee_id, first)
        else:
            doc = await hub.history(employee_id, None, first=first, last=last or first)
    except HubError as exc:
        if exc.status == 404:
            return None
        raise _export_error(exc) from None
    if doc.loading is not None:  # an export of days not all there would be wrong, not late
        loading = doc.loading
        raise ExportError(
            f"the hub is still loading its past days ({int(loading.loaded_days)} of "
            f"{math.ceil(loading.loading_days)}), and the period reaches into them; "
            "try again shortly"
        )
    return doc


async def _resolve(hub: HubClient, key: str) -> str | None:
    """An employee id from an exact full name, by the snapshot's employee list."""
    try:
        snapshot = await hub.snapshot(ZoneInfo("UTC"))
    except HubError as exc:
        raise _export_error(exc) from None
    return find_employee(snapshot.state, key)


def _export_error(exc: HubError) -> ExportError:
    """The hub's failure in its one sentence; a request the hub found malformed (400) is a
    usage error."""
    return ExportError(str(exc), USAGE if exc.status == 400 else FAILED)


async def from_hub(hub: HubClient, employee: str, period: str, tz_name: str | None) -> Subject:
    """Ask the hub for the period; when ``--tz`` makes the days differ from the hub's, ask
    again for local days of the hub that cover them, then compute with the model."""
    doc = await _history(hub, employee, period)
    if doc is None:
        found = await _resolve(hub, employee)
        doc = await _history(hub, found, period) if found is not None else None
        if doc is None:
            raise ExportError(f"the hub knows no employee {employee!r} (give an id or exact name)")
    name = tz_name or doc.tz
    tz = zone(name)
    now = doc.now.timestamp()
    wanted = days(period, now, tz)
    start, end = days_window(wanted, tz)
    end = max(start, min(end, now))
    if start < doc.start.timestamp() or end > doc.end.timestamp():
        hub_tz = zone(doc.tz)
        first = datetime.fromtimestamp(start, hub_tz).date()
        last = datetime.fromtimestamp(max(start, end - 1), hub_tz).date()
        again = await _history(hub, doc.employee.id, f"{first}..{last}")
        if again is None:
            raise ExportError(f"employee {employee!r} vanished from the hub")
        doc = again
    history = history_from_doc(doc)
    return Subject(history, tz, name, now, wanted, first_record(history), f"the hub at {hub.url}")


def first_record(history: EmployeeHistory) -> float | None:
    """The employee's earliest status change or call in ``history``, if any."""
    instants = [t.at for t in history.merged]
    instants += [t.at for log in history.devices.values() for t in log]
    instants += [c.ring_at for c in history.calls]
    return min(instants, default=None)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
