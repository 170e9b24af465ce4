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

Here: opening the file (schema and migrations from ``tables.py``), the connections and the
writes (a ``WriteBatch``, write_batch.py); the queries are in ``storage_reads.py``.

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
from collections.abc import Iterable, Iterator
from pathlib import Path

from ringmon.hub.settings import private_file
from ringmon.hub.storage.reads import StorageReads
from ringmon.hub.storage.tables import (
    DB_FILE,
    SCHEMA,
    CallRow,
    add_missing_columns,
    delete_links,
    migrate_ingest_ids,
    seq_before,
)
from ringmon.hub.storage.write_batch import WriteBatch, prepare_writer, write_at_once, write_rows

__all__ = ["DB_FILE", "CallRow", "Storage", "WriteBatch"]

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


class Storage(StorageReads):
    """The store: its connections (one writer, one reader per thread) and its writes; the
    reads are ``StorageReads`` (storage_reads.py)."""

    def __init__(self, folder: Path) -> None:
        self.path = private_file(folder / DB_FILE)
        self._writer = _connect(self.path, writer=True)
        self._writer.executescript(SCHEMA)
        add_missing_columns(self._writer)
        self._at_once = prepare_writer(self._writer)
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
        if self._at_once and write_at_once(db, batch):
            return  # one statement, one transaction (write_batch.py)
        db.execute("BEGIN IMMEDIATE")
        try:
            write_rows(db, batch)
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
