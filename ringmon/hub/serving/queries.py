"""What the REST routes compute from storage: an employee's history, the call log, recordings.

History (``GET /v1/employees/{id}/history``): the employee's stored events (selected through
the ``event_employee`` links) are replayed into a fresh recording ``State``, on top of the base
when retention has folded older events into one; then the model's ``employee_history``,
``period_stats`` and ``history_doc`` make the document, exactly as a client or the export
command would from the same events. Every event of the employee up to *now* is replayed, not
only up to the window's end, so that a call that rang before the end and ended after it has
its real end.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import math
from datetime import date, timedelta, tzinfo
from pathlib import Path

from ringmon.hub.core import Hub
from ringmon.hub.storage.database import CallRow
from ringmon.model.calls import CallLeg, mark_answered_by_colleague
from ringmon.model.history import employee_history
from ringmon.model.history_docs import HistoryDoc, HistoryLoadingDoc, history_doc
from ringmon.model.period import PeriodError, day_bounds, days_window, local_date, parse_period
from ringmon.model.schema import AccountUpsert, Direction, EmployeeUpsert, parse_event
from ringmon.model.state import EventRejected, History, State, Transition
from ringmon.model.stats import period_stats
from ringmon.model.wire import LegDoc, SnapshotDoc, state_from_snapshot, to_dt
from ringmon.sources.base import RecordingSource

log = logging.getLogger("ringmon.hub")

MAX_DAYS = 366


class QueryError(Exception):
    """A request that cannot be answered; ``status`` is the HTTP status to give."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- periods ------------------------------------------------------------------------------


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise QueryError(400, f"{name}={text!r} is not a date like 2026-03-24") from None


def window_days(
    period: str | None, first: str | None, last: str | None, now: float, tz: tzinfo
) -> list[date]:
    """The local days asked for: ``period`` or ``from``/``to`` (inclusive); default today."""
    if period is not None and (first is not None or last is not None):
        raise QueryError(400, "give either period or from/to, not both")
    if first is None and last is not None:
        raise QueryError(400, "to= needs from=")
    if first is not None:
        start = _date(first, "from")
        end = _date(last, "to") if last is not None else max(start, local_date(now, tz))
        if end < start:
            raise QueryError(400, f"to={end} is before from={start}")
        if (end - start).days >= MAX_DAYS:
            raise QueryError(400, f"at most {MAX_DAYS} days at a time")
        return [start + timedelta(days=n) for n in range((end - start).days + 1)]
    try:
        return parse_period(period or "today", now, tz)
    except PeriodError as exc:
        raise QueryError(400, str(exc)) from None


# -- history ------------------------------------------------------------------------------


def _loading_doc(
    loading: tuple[float, float, float] | None, start: float
) -> HistoryLoadingDoc | None:
    """What a history from ``start`` says of the past days still being loaded (None when
    it reaches none of them)."""
    if loading is None or start >= loading[0]:
        return None
    until, loaded, of = loading
    return HistoryLoadingDoc(until=to_dt(until), loaded_days=loaded, loading_days=of)


def _history_state(base: SnapshotDoc | None, bodies: list[str], tz: tzinfo) -> State:
    """A recording state: the base (if any), then one employee's events."""
    if base is None:
        state = State(tz, record=True)
    else:
        state = state_from_snapshot(base, tz)
        history = state.history = History()
        # What was in force at the base, so that timelines do not start "offline".
        for emp in state.employees.values():
            history.employee[emp.id] = [Transition(emp.since, emp.status, emp.reason)]
        for key, dev in state.devices.items():
            history.device[key] = [Transition(dev.since, dev.status, dev.reason)]
            history.device_agent[key] = dev.user_agent
    for body in bodies:
        event = parse_event(body)
        if (
            isinstance(event, AccountUpsert)
            and event.employee is not None
            and event.employee not in state.employees
        ):
            # The account goes to (or comes from) someone whose own events are not replayed
            # here: stand them in, they only need to exist.
            state.apply(EmployeeUpsert(ts=event.ts, id=event.employee, name=event.employee))
        try:
            state.apply(event)
        except EventRejected as exc:
            log.debug("history replay skipped event %s: %s", event.seq, exc.reason)
    return state


async def history(
    hub: Hub,
    employee: str,
    period: str | None = None,
    first: str | None = None,
    last: str | None = None,
    at: str | None = None,
) -> HistoryDoc:
    """``at``: as it was at that moment (a replay, hub/serving/replay.py): only the events up to it,
    measured against it."""
    now = hub.now()
    moment = None
    if at is not None:
        from ringmon.hub.serving.replay import parse_moment

        moment = now = parse_moment(at, hub.tz)
    days = window_days(period, first, last, now, hub.tz)
    start, end = days_window(days, hub.tz)
    end = max(start, min(end, now))
    storage = hub.storage
    if storage is None:
        raise QueryError(503, "the hub is shutting down")
    # Storage is read only once it holds every event accepted so far (at most one flush
    # away): an employee or a moment accepted a moment ago is known, not a 404 or a 410.
    await hub.wait_flushed(hub.seq)
    live = hub.state.employees.get(employee) if moment is None else None
    if live is None and not await asyncio.to_thread(storage.knows_employee, employee):
        raise QueryError(404, f"there is no employee with id {employee!r}")
    base_seq, base = hub.base_doc()
    upto = None
    if moment is not None:
        from ringmon.hub.serving.replay import check_moment, seq_at

        await asyncio.to_thread(check_moment, hub, moment, storage, base)
        upto = await asyncio.to_thread(seq_at, storage, moment, base_seq)

    # Before storage is read: a load that ends meanwhile leaves the answer marked, not one
    # read incomplete and said complete.
    loading = hub.history_loading()

    def build() -> State:
        bodies = storage.employee_events(employee, base_seq, upto)
        return _history_state(base, bodies, hub.tz)

    state = await asyncio.to_thread(build)
    found = employee_history(state, employee)
    if found is None:
        when = "has been removed" if moment is None else "was not there then"
        raise QueryError(404, f"employee {employee!r} {when}")
    # Which of the legs nobody answered here a colleague answered: their legs are not in this
    # employee's events, the calls table has them (at a moment: answered by then).
    unanswered = {leg.call for leg in found.calls if leg.answer_at is None}
    if unanswered:
        answered = await asyncio.to_thread(storage.answered_legs, unanswered, moment)
        mark_answered_by_colleague(found.calls, answered)
    stats = period_stats(found.merged, found.calls, days, hub.tz, now)
    replayed_since = state.employees[employee].since if moment is not None else None
    return history_doc(
        found,
        stats,
        start,
        end,
        now,
        hub.tz_name,
        status=live.status if live is not None else state.employees[employee].status,
        since=live.since if live is not None else replayed_since,
        loading=_loading_doc(loading, start),
    )


# -- call log -----------------------------------------------------------------------------


def _leg(row: CallRow) -> CallLeg:
    return CallLeg(
        call=row[2],
        leg=row[1],
        account=row[3],
        device=row[4],
        employee=row[5],
        direction=Direction(row[6]),
        remote=row[7],
        ring_at=row[8],
        answer_at=row[9],
        end_at=row[10],
        recording=row[11],
        remote_name=row[12],
    )


def encode_cursor(ring_at: float, row_id: int) -> str:
    raw = json.dumps([ring_at, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[float, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        ring_at, row_id = json.loads(raw)
        return float(ring_at), int(row_id)
    except (ValueError, TypeError, binascii.Error):
        raise QueryError(400, "cursor is not one this hub gave out") from None


def _as_at(leg: CallLeg, at: float) -> CallLeg:
    """The leg as it stood at ``at`` (it rang by then): not yet answered or ended, and so
    without its recording, when that came later."""
    if leg.end_at is not None and leg.end_at > at:
        leg.end_at = None
        leg.recording = None
    if leg.answer_at is not None and leg.answer_at > at:
        leg.answer_at = None
    return leg


async def calls(
    hub: Hub,
    employee: str | None,
    first: str | None,
    last: str | None,
    limit_text: str | None,
    cursor: str | None,
    at: str | None = None,
) -> dict[str, object]:
    """``at``: as the log stood at that moment (a replay, hub/serving/replay.py): the legs that had
    rung by then, with what was known of them then."""
    try:
        limit = 100 if limit_text is None else int(limit_text)
    except ValueError:
        raise QueryError(400, f"limit={limit_text!r} is not a number") from None
    if not 1 <= limit <= 1000:
        raise QueryError(400, "limit must be between 1 and 1000")
    start = hub_day_start(hub, _date(first, "from")) if first is not None else None
    end = hub_day_start(hub, _date(last, "to") + timedelta(days=1)) if last is not None else None
    before = decode_cursor(cursor) if cursor else None
    storage = hub.storage
    if storage is None:
        raise QueryError(503, "the hub is shutting down")
    now = hub.now()
    await hub.wait_flushed(hub.seq)  # as in the history: storage read once it holds all
    moment = None
    if at is not None:
        from ringmon.hub.serving.replay import check_moment, parse_moment

        moment = now = parse_moment(at, hub.tz)
        await asyncio.to_thread(check_moment, hub, moment, storage, hub.base_doc()[1])
        after_moment = math.nextafter(moment, math.inf)  # ring_at < this: rang by then
        end = after_moment if end is None else min(end, after_moment)
    rows = await asyncio.to_thread(storage.calls_page, employee, start, end, limit + 1, before)
    page = rows[:limit]
    legs = [_leg(row) if moment is None else _as_at(_leg(row), moment) for row in page]
    # As in the history: which of the legs nobody answered here a colleague answered (by
    # the moment, at one).
    unanswered = {leg.call for leg in legs if leg.answer_at is None}
    if unanswered:
        answered = await asyncio.to_thread(storage.answered_legs, unanswered, moment)
        mark_answered_by_colleague(legs, answered)
    docs = [LegDoc.of(leg, now).model_dump(mode="json") for leg in legs]
    more = len(rows) > limit
    return {"calls": docs, "next": encode_cursor(page[-1][8], page[-1][0]) if more else None}


def hub_day_start(hub: Hub, day: date) -> float:
    return day_bounds(day, hub.tz)[0]


# -- recordings ---------------------------------------------------------------------------


async def recording(hub: Hub, leg: str) -> Path | bytes:
    """A recording's file or bytes; QueryError 404 when there is none."""
    storage = hub.storage
    if storage is None:
        raise QueryError(503, "the hub is shutting down")
    await hub.wait_flushed(hub.seq)
    row = await asyncio.to_thread(storage.call_by_leg, leg)
    if row is None:
        raise QueryError(404, f"there is no call leg {leg!r}")
    ref = row[11]
    if not ref:
        raise QueryError(404, f"call leg {leg!r} has no recording")
    if ref.startswith("file:"):
        folder = (hub.folder / "recordings").resolve()
        path = (folder / ref.removeprefix("file:")).resolve()
        if path.is_relative_to(folder) and path.is_file():
            return path
        raise QueryError(404, f"the recording of call leg {leg!r} is not available")
    for source in hub.sources:
        if isinstance(source, RecordingSource):
            try:
                data = await asyncio.to_thread(source.recording, ref)
            except Exception:
                log.exception("source %s failed to give recording %r", source.name, ref)
                continue
            if data is not None:
                return data
    raise QueryError(404, f"the recording of call leg {leg!r} is not available")
