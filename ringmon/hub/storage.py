"""The hub's SQLite store: events with their seq, who they concern, the call log, the base.

One file, ``DATA/events.sqlite3``, in WAL mode (readers never wait for the writer).

- ``events``: every accepted event, ``seq`` (the hub's, strictly increasing), its effective
  ``ts`` and its compact JSON ``body`` (with seq and that ts), exactly what the feed serves.
- ``event_employee``: which employees an event concerns, so that one employee's events can be
  selected for a history without reading everyone's.
- ``calls``: one row per call leg, rewritten as it rings, is answered and ends: the call log.
- ``base``: the whole state as of the last pruned event (a ``SnapshotDoc``). Retention deletes
  old events, so the state they built is kept here: a restarted hub, and a history, start
  from the base and replay the events after it. ``base.seq`` is also the last pruned seq: a
  client resuming from before it must resync.
- ``checkpoint``: the live state as of a recent seq, written now and then and at a clean stop,
  so that a restart replays only the events after it instead of every event kept.
- ``snapshots``: the whole state (a ``SnapshotDoc``, zlib-compressed) every
  ``snapshot_interval`` of event time (hourly), with the seq it stands at: any past moment
  kept is one snapshot plus at most an hour of events away. Pruned with the events.
- ``meta``: small key/value pairs (the position of ``file:`` sources, the hub's clock).
- ``ingest_ids``: the ``event_id`` each push token has used, with the seq of its event
  (token and id in columns of their own: ``a:b`` + ``c`` is not ``a`` + ``b:c``); pruned
  with the events by retention.

Threads: the class is synchronous and called through ``asyncio.to_thread``. Writes share one
connection, serialised by a lock; every thread that reads gets its own connection (SQLite
connections must not be used by two threads at once). An asyncio task cancelled while its
thread is in here does not stop the thread, so ``close`` waits for every call in progress
before closing the connections under them.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from ringmon.hub.settings import private_file
from ringmon.hub.tables import (
    CALL_COLUMNS,
    DB_FILE,
    SCHEMA,
    UPSERT_CALL,
    CallRow,
    WriteBatch,
    add_missing_columns,
    delete_links,
    migrate_ingest_ids,
    seq_before,
)

__all__ = ["DB_FILE", "CallRow", "Storage", "WriteBatch"]

P = ParamSpec("P")
R = TypeVar("R")


def _guarded(method: Callable[Concatenate[Storage, P], R]) -> Callable[Concatenate[Storage, P], R]:
    """A call that ``close`` waits for."""

    def call(self: Storage, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._use():
            return method(self, *args, **kwargs)

    call.__doc__ = method.__doc__
    return call


WRITER_CACHE_KIB = 32 * 1024
"""The writer's page cache (SQLite's default is 2 MB): the history indexes take events in
employee order, not time order, so a day's worth of their pages stays hot across flushes
instead of being read back for every batch. Bounded: one connection, 32 MB."""


def _connect(path: Path, *, writer: bool = False) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, timeout=30.0, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    # The writer syncs the WAL at every commit (FULL): the feed sends an event only once it
    # is committed and promises that a hub that lost power still has every seq a client saw
    # (docs/feed-protocol.md). NORMAL would lose the last commits on power loss (they are in
    # the OS's cache only), and the restarted hub would give their seqs to other events. It
    # costs one fsync per flush (at most 20 a second, in the writer's thread), not per event.
    db.execute("PRAGMA synchronous=FULL" if writer else "PRAGMA synchronous=NORMAL")
    if writer:
        db.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
    db.execute("PRAGMA foreign_keys=OFF")
    return db


class Storage:
    def __init__(self, folder: Path) -> None:
        self.path = private_file(folder / DB_FILE)
        self._writer = _connect(self.path, writer=True)
        self._writer.executescript(SCHEMA)
        add_missing_columns(self._writer)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._busy = 0
        self._idle = threading.Condition()
        self._closed = False

    # -- connections ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _use(self) -> Iterator[None]:
        with self._idle:
            if self._closed:
                raise sqlite3.ProgrammingError("storage is closed")
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def _reader(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if self._closed:
                raise sqlite3.ProgrammingError("storage is closed")
            db = _connect(self.path)
            self._local.db = db
            with self._readers_lock:
                self._readers.append(db)
        return db

    def close(self, timeout: float = 30.0) -> None:
        """Close every connection once no call is using them (waits up to ``timeout``)."""
        with self._idle:
            self._closed = True
            if not self._idle.wait_for(lambda: self._busy == 0, timeout):
                return  # a call is stuck in SQLite: leave the connections to the process exit
        with self._readers_lock:
            for db in self._readers:
                db.close()
            self._readers.clear()
        self._writer.close()

    # -- writing (one thread at a time) ---------------------------------------------------

    def write(self, batch: WriteBatch) -> None:
        with self._use(), self._write_lock:
            self._write(batch)

    def _write(self, batch: WriteBatch) -> None:
        db = self._writer
        db.execute("BEGIN IMMEDIATE")
        try:
            if batch.events:
                db.executemany(
                    "INSERT INTO events (seq, ts, type, body) VALUES (?, ?, ?, ?)", batch.events
                )
            if batch.links:
                db.executemany(
                    "INSERT OR IGNORE INTO event_employee (employee, seq) VALUES (?, ?)",
                    batch.links,
                )
            if batch.calls:
                db.executemany(UPSERT_CALL, list(batch.calls.values()))
            if batch.meta:
                db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    list(batch.meta.items()),
                )
            if batch.checkpoint is not None:
                db.execute(
                    "INSERT OR REPLACE INTO checkpoint (id, seq, body) VALUES (1, ?, ?)",
                    batch.checkpoint,
                )
            if batch.snapshot is not None:
                seq, at, body = batch.snapshot
                db.execute(
                    "INSERT OR REPLACE INTO snapshots (seq, at, body) VALUES (?, ?, ?)",
                    (seq, at, zlib.compress(body.encode("utf-8"), 6)),
                )
            if batch.ingest_ids:
                db.executemany(
                    "INSERT OR IGNORE INTO ingest_ids (token, event_id, seq) VALUES (?, ?, ?)",
                    [(token, eid, seq) for (token, eid), seq in batch.ingest_ids.items()],
                )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def replace_base(self, seq: int, body: str, calls_before: float) -> None:
        """Make ``body`` the base as of ``seq`` and delete what it now stands for."""
        with self._use(), self._write_lock:
            self._replace_base(seq, body, calls_before)

    def _replace_base(self, seq: int, body: str, calls_before: float) -> None:
        db = self._writer
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("INSERT OR REPLACE INTO base (id, seq, body) VALUES (1, ?, ?)", (seq, body))
            db.execute("DELETE FROM events WHERE seq <= ?", (seq,))
            delete_links(db, 0, seq)
            db.execute("DELETE FROM ingest_ids WHERE seq <= ?", (seq,))
            db.execute("DELETE FROM snapshots WHERE seq <= ?", (seq,))
            db.execute(
                "DELETE FROM calls WHERE ring_at < ? AND end_at IS NOT NULL", (calls_before,)
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def drop_history_from(self, day: float, upto: int, end: float | None) -> int | None:
        """Delete what a history load cut short wrote from ``day`` on (its events, links,
        hourly snapshots, and call-log rows of legs that rang from ``day`` to before
        ``end``), up to its last kept seq ``upto``; ``end`` None: the whole reservation, its
        ``meta`` row too (else ``meta`` is the caller's). Returns the first seq deleted
        (None: none)."""
        with self._use(), self._write_lock:
            db = self._writer
            first: int | None = 1 if end is None else seq_before(db, day) + 1
            if first is not None and first > upto:
                first = None
            db.execute("BEGIN IMMEDIATE")
            try:
                if first is not None:
                    for table in ("events", "snapshots"):
                        db.execute(
                            f"DELETE FROM {table} WHERE seq >= ? AND seq <= ?", (first, upto)
                        )
                    delete_links(db, first, upto)
                if end is not None:
                    db.execute("DELETE FROM calls WHERE ring_at >= ? AND ring_at < ?", (day, end))
                else:
                    db.execute("DELETE FROM meta WHERE key = 'hub:history'")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return None if first is None else int(first)

    def migrate_ingest_ids(self, token_names: Iterable[str]) -> int:
        """Move event ids kept the old way into ``ingest_ids`` (``tables.migrate_ingest_ids``);
        returns how many rows were moved."""
        with self._use(), self._write_lock:
            return migrate_ingest_ids(self._writer, token_names)

    # -- reading (any thread) -------------------------------------------------------------

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
    def answered_legs(self, calls: Collection[str]) -> list[tuple[str, str | None]]:
        """(call id, employee) of every answered leg of these calls, anyone's."""
        ids, out = list(calls), []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT call, employee FROM calls WHERE call IN ({marks})"
                " AND answer_at IS NOT NULL"
            )
            out += [(str(c), e) for c, e in self._reader().execute(sql, chunk)]
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
