"""What the hub reads back from its SQLite store (``storage.py``), from any thread: events by
seq or by employee, the base, checkpoint and hourly snapshots, the call log, ``meta`` rows and
the push API's event ids.

Each call runs on the calling thread's own connection (``_reader``) and is one that
``Storage.close`` waits for (``_guarded``)."""

from __future__ import annotations

import contextlib
import sqlite3
import zlib
from collections.abc import Callable, Collection, Iterator
from typing import Concatenate, ParamSpec, TypeVar

from ringmon.hub.storage.tables import CALL_COLUMNS, CallRow, seq_before

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="StorageReads")


def _guarded(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """A call that ``close`` waits for."""

    def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._use():
            return method(self, *args, **kwargs)

    call.__doc__ = method.__doc__
    return call


class StorageReads:
    """The read queries of ``Storage`` (which provides the connections)."""

    def _use(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def _reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    @_guarded
    def known_event_ids(self, token: str, event_ids: list[str]) -> set[str]:
        """Which of ``event_ids`` the push token ``token`` has already stored."""
        db = self._reader()
        known: set[str] = set()
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = db.execute(
                f"SELECT event_id FROM ingest_ids WHERE token = ? AND event_id IN ({marks})",
                (token, *chunk),
            )
            known.update(str(row[0]) for row in rows)
        return known

    @_guarded
    def count_ingest_ids(self) -> int:
        row = self._reader().execute("SELECT COUNT(*) FROM ingest_ids").fetchone()
        return int(row[0])

    @_guarded
    def last_seq(self) -> int:
        """The newest seq ever assigned (also when retention has deleted every event)."""
        row = self._reader().execute("SELECT MAX(seq) FROM events").fetchone()
        return max(row[0] or 0, self.base_seq())

    @_guarded
    def last_ts(self) -> float | None:
        row = self._reader().execute("SELECT ts FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return None if row is None else float(row[0])

    @_guarded
    def last_ts_upto(self, seq: int) -> float | None:
        """The ts of the newest event at or before ``seq``."""
        row = (
            self._reader()
            .execute("SELECT ts FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1", (seq,))
            .fetchone()
        )
        return None if row is None else float(row[0])

    @_guarded
    def base_seq(self) -> int:
        row = self._reader().execute("SELECT seq FROM base WHERE id = 1").fetchone()
        return 0 if row is None else int(row[0])

    @_guarded
    def base(self) -> tuple[int, str | None]:
        row = self._reader().execute("SELECT seq, body FROM base WHERE id = 1").fetchone()
        return (0, None) if row is None else (int(row[0]), str(row[1]))

    @_guarded
    def checkpoint(self) -> tuple[int, str | None]:
        row = self._reader().execute("SELECT seq, body FROM checkpoint WHERE id = 1").fetchone()
        return (0, None) if row is None else (int(row[0]), str(row[1]))

    @_guarded
    def snapshot_before(self, at: float) -> tuple[int, float, str] | None:
        """The newest snapshot taken at or before ``at`` (event time): (seq, at, JSON)."""
        row = (
            self._reader()
            .execute(
                "SELECT seq, at, body FROM snapshots WHERE at <= ? ORDER BY at DESC, seq DESC "
                "LIMIT 1",
                (at,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return row[0], row[1], zlib.decompress(row[2]).decode("utf-8")

    @_guarded
    def snapshot_times(self) -> list[tuple[int, float]]:
        """(seq, at) of every snapshot kept, oldest first."""
        rows = self._reader().execute("SELECT seq, at FROM snapshots ORDER BY seq").fetchall()
        return [(seq, at) for seq, at in rows]

    @_guarded
    def last_seq_before(self, ts: float) -> int:
        """The newest seq whose ts is before ``ts`` (ts never decreases along seq)."""
        return seq_before(self._reader(), ts)

    @_guarded
    def events_batch(self, after: int, upto: int | None, limit: int) -> list[tuple[int, str]]:
        """``(seq, body)`` of at most ``limit`` events after ``after`` (up to ``upto``)."""
        rows = self._reader().execute(
            "SELECT seq, body FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
            (after, upto if upto is not None else 2**62, limit),
        )
        return [(int(seq), str(body)) for seq, body in rows]

    def iter_events(
        self, after: int, upto: int | None = None, batch: int = 1000
    ) -> Iterator[list[tuple[int, str]]]:
        """The events after ``after`` (up to ``upto``) in batches of ``batch``."""
        while True:
            rows = self.events_batch(after, upto, batch)
            if rows:
                yield rows
            if len(rows) < batch:
                return
            after = rows[-1][0]

    @_guarded
    def employee_events(self, employee: str, after: int, upto: int | None = None) -> list[str]:
        """Bodies of the events that concern ``employee``, after seq ``after`` (up to
        ``upto``: a replay's moment), in order."""
        rows = self._reader().execute(
            "SELECT e.body FROM event_employee AS l JOIN events AS e ON e.seq = l.seq "
            "WHERE l.employee = ? AND l.seq > ? AND l.seq <= ? ORDER BY l.seq",
            (employee, after, upto if upto is not None else 2**62),
        )
        return [row[0] for row in rows]

    @_guarded
    def knows_employee(self, employee: str) -> bool:
        row = (
            self._reader()
            .execute("SELECT 1 FROM event_employee WHERE employee = ? LIMIT 1", (employee,))
            .fetchone()
        )
        return row is not None

    @_guarded
    def calls_page(
        self,
        employee: str | None,
        start: float | None,
        end: float | None,
        limit: int,
        before: tuple[float, int] | None,
    ) -> list[CallRow]:
        """Call legs newest first (by ring time, then id), at most ``limit``."""
        where: list[str] = []
        params: list[object] = []
        if employee is not None:
            where.append("employee = ?")
            params.append(employee)
        if start is not None:
            where.append("ring_at >= ?")
            params.append(start)
        if end is not None:
            where.append("ring_at < ?")
            params.append(end)
        if before is not None:
            where.append("(ring_at < ? OR (ring_at = ? AND id < ?))")
            params.extend([before[0], before[0], before[1]])
        sql = f"SELECT {CALL_COLUMNS} FROM calls"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ring_at DESC, id DESC LIMIT ?"
        params.append(limit)
        return [tuple(row) for row in self._reader().execute(sql, params)]

    @_guarded
    def answered_legs(
        self, calls: Collection[str], until: float | None = None
    ) -> list[tuple[str, str | None]]:
        """(call id, employee) of every answered leg of these calls, anyone's (answered at or
        before ``until``, when given: a past moment knows only the answers made by then)."""
        ids, out = list(calls), []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT call, employee FROM calls WHERE call IN ({marks})"
                " AND answer_at IS NOT NULL"
            )
            if until is None:
                out += [(str(c), e) for c, e in self._reader().execute(sql, chunk)]
            else:
                rows = self._reader().execute(sql + " AND answer_at <= ?", [*chunk, until])
                out += [(str(c), e) for c, e in rows]
        return out

    @_guarded
    def call_by_leg(self, leg: str) -> CallRow | None:
        row = (
            self._reader()
            .execute(
                f"SELECT {CALL_COLUMNS} FROM calls WHERE leg = ? ORDER BY id DESC LIMIT 1", (leg,)
            )
            .fetchone()
        )
        return None if row is None else tuple(row)

    @_guarded
    def open_calls(self) -> dict[str, int]:
        """Leg id -> row id of the legs not yet ended."""
        rows = self._reader().execute("SELECT leg, id FROM calls WHERE end_at IS NULL")
        return {leg: int(row_id) for leg, row_id in rows}

    @_guarded
    def max_call_id(self) -> int:
        row = self._reader().execute("SELECT MAX(id) FROM calls").fetchone()
        return int(row[0] or 0)

    @_guarded
    def meta(self, key: str) -> str | None:
        row = self._reader().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_guarded
    def count_events(self) -> int:
        row = self._reader().execute("SELECT COUNT(*) FROM events").fetchone()
        return int(row[0])
