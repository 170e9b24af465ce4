"""The rows one flush writes (``WriteBatch``) and how they are written (``write_rows``, in the
transaction ``Storage.write`` opens).

Many rows per statement: the writer runs in a thread, and Python's ``sqlite3`` lets go of the
GIL for each step of a statement. With ``executemany`` that is once per row, and each time
it wants the GIL back while the event loop is busy ingesting, it waits for the loop to hand
it over (up to ``sys.getswitchinterval()``, 5 ms): a flush of thousands of rows then took
seconds of waiting, the pending batch grew to ``max_pending`` and the loop stopped for the
disk. One ``INSERT ... VALUES (...), (...), ...`` of up to ``ROWS_PER_STATEMENT`` rows is one
step: SQLite inserts them all in C, beside the event loop on the other core.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from ringmon.hub.tables import CALL_COLUMNS, CallRow
from ringmon.model.calls import CallLeg

ROWS_PER_STATEMENT = 512
"""The most rows one statement inserts (fewer when SQLite allows fewer parameters). A batch is
cut into statements of a power of two rows each, so that a few statement texts serve every
batch and SQLite prepares each once (the connection's statement cache)."""

CALL_CHANGES = (
    "ON CONFLICT (id) DO UPDATE SET device = excluded.device, answer_at = excluded.answer_at, "
    "end_at = excluded.end_at, recording = excluded.recording"
)
"""A leg's row as it rings, then as it is answered and ends. Only what changes after the ring
is updated, so SQLite leaves the calls' indexes alone (a REPLACE deletes and re-inserts the
row in all of them): the rest of a leg (who, which call, when it rang) is fixed at its ring."""


@dataclass(slots=True)
class WriteBatch:
    """Everything accepted since the last flush, written in one transaction."""

    events: list[tuple[int, float, str, str]] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)
    calls: dict[int, CallRow] = field(default_factory=dict)
    legs: dict[int, CallLeg] = field(default_factory=dict)
    """Legs whose call-log rows changed, by row id, as live objects: made ``calls`` rows by
    ``seal`` when the batch is cut (on the event loop: the legs change there)."""
    meta: dict[str, str] = field(default_factory=dict)
    checkpoint: tuple[int, str] | None = None
    snapshot: tuple[int, float, str] | None = None
    """(seq, the state's clock, its ``SnapshotDoc`` JSON): the state as of the batch's end."""
    ingest_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    """(push token name, event_id) -> seq of the event it stored."""

    def __bool__(self) -> bool:
        return bool(
            self.events
            or self.links
            or self.calls
            or self.legs
            or self.meta
            or self.checkpoint
            or self.snapshot
            or self.ingest_ids
        )

    @property
    def last_seq(self) -> int:
        return self.events[-1][0] if self.events else 0

    def seal(self) -> None:
        """Make the changed legs' rows as they are now (when the batch is cut: the state is
        then the state as of its last event)."""
        calls = self.calls
        for row_id, leg in self.legs.items():
            calls[row_id] = call_row(row_id, leg)
        self.legs.clear()


def call_row(row_id: int, leg: CallLeg) -> CallRow:
    return (
        row_id,
        leg.leg,
        leg.call,
        leg.account,
        leg.device,
        leg.employee,
        str(leg.direction),
        leg.remote,
        leg.ring_at,
        leg.answer_at,
        leg.end_at,
        leg.recording,
        leg.remote_name,
    )


def write_rows(db: sqlite3.Connection, batch: WriteBatch) -> None:
    """Write ``batch``'s rows (inside the caller's transaction)."""
    if batch.events:
        insert_rows(db, "INSERT INTO events (seq, ts, type, body)", 4, batch.events)
    if batch.links:
        insert_rows(db, "INSERT OR IGNORE INTO event_employee (employee, seq)", 2, batch.links)
    if batch.calls:
        calls = list(batch.calls.values())
        insert_rows(db, f"INSERT INTO calls ({CALL_COLUMNS})", 13, calls, CALL_CHANGES)
    if batch.meta:
        meta = list(batch.meta.items())
        insert_rows(db, "INSERT OR REPLACE INTO meta (key, value)", 2, meta)
    if batch.checkpoint is not None:
        db.execute(
            "INSERT OR REPLACE INTO checkpoint (id, seq, body) VALUES (1, ?, ?)", batch.checkpoint
        )
    if batch.snapshot is not None:
        seq, at, body = batch.snapshot
        db.execute(
            "INSERT OR REPLACE INTO snapshots (seq, at, body) VALUES (?, ?, ?)",
            (seq, at, zlib.compress(body.encode("utf-8"), 6)),
        )
    if batch.ingest_ids:
        ids = [(token, eid, seq) for (token, eid), seq in batch.ingest_ids.items()]
        insert_rows(db, "INSERT OR IGNORE INTO ingest_ids (token, event_id, seq)", 3, ids)


def insert_rows(
    db: sqlite3.Connection,
    insert: str,
    width: int,
    rows: Sequence[tuple[object, ...]],
    then: str = "",
) -> None:
    """``insert`` (``INSERT INTO t (a, b)``) every row of ``rows`` (``width`` values each),
    many rows per statement, in order; ``then``: a conflict clause."""
    most = ROWS_PER_STATEMENT
    allowed = db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
    while most > allowed:
        most //= 2
    done, total = 0, len(rows)
    while done < total:
        count = most
        while count > total - done:
            count //= 2
        params = list(chain.from_iterable(rows[done : done + count]))
        db.execute(_statement(insert, width, count, then), params)
        done += count


@lru_cache(maxsize=64)
def _statement(insert: str, width: int, count: int, then: str) -> str:
    row = "(" + ", ".join("?" * width) + ")"
    return f"{insert} VALUES {', '.join([row] * count)} {then}".rstrip()
