"""The rows one flush writes (``WriteBatch``) and how they are written (``write_rows``, in the
transaction ``Storage.write`` opens).

Many rows per statement. The writer runs in a thread; Python's ``sqlite3`` lets go of the GIL
while SQLite steps a statement. With ``executemany`` a step is one row, a few microseconds:
too short for the event loop's thread to wake up and take the GIL, so the writer in effect
held it throughout, and the loop and SQLite took turns (``sys.getswitchinterval()``, 5 ms
each): every second SQLite spent was a second the event loop lost (wall time was the CPU
time of both threads added up). A statement of thousands of rows is one long step, during
which the loop runs on the other core. After each, the writer waits for the GIL (up to
5 ms while the loop is busy), so a batch takes few statements: up to ``ROWS_PER_STATEMENT``
rows each, the last one padded to a power of two with rows of NULLs that its ``WHERE``
skips (a dozen statement texts serve every batch, each prepared once: the connection's
statement cache).

One statement per batch (``write_at_once``). Binding those parameters is the part that holds
the GIL (Python's ``sqlite3`` binds every value with it held), about 8% of the hub's GIL time
at full speed; and every statement is a moment the writer takes the GIL back from the loop
(about 5 ms of the loop's time each on a busy machine). So a batch goes to SQLite as ONE
``INSERT`` into a temporary view (``BATCH_VIEW``) whose trigger writes every table: the big
tables (events, links, call legs, meta, push ids) each as one JSON text (orjson writes a
batch's rows in a fraction of the time binding them takes), taken apart by ``json_each`` in C
without the GIL; the checkpoint and the snapshot as they are. One statement is one
transaction: all of the batch is stored or none of it. SQLite reads back the very floats
orjson writes (the shortest text that round-trips; tests/hub/test_write_batch.py checks it on
this machine's SQLite). Where that cannot be (a SQLite before 3.38, without ``->>``; a text
JSON cannot carry or SQLite's JSON would cut: a lone surrogate, a NUL), the batch is written
with parameters as above (``write_rows``, in a transaction of its own).
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

import orjson

from ringmon.hub.storage.tables import CALL_COLUMNS, CallRow
from ringmon.model.calls import CallLeg

ROWS_PER_STATEMENT = 2048
"""The most rows one statement inserts (fewer when SQLite allows fewer parameters)."""
FEWEST_ROWS = 16
"""The fewest rows a statement is padded to."""
NUL = b"\\u0000"
"""A NUL character as orjson writes it (or a text that looks like one: bound, to be safe):
SQLite's JSON functions end a text there."""
HAS_JSON_ARROW = sqlite3.sqlite_version_info >= (3, 38, 0)
"""SQLite reads ``value->>0`` (3.38 and later): ``write_at_once`` can be used."""

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


def _from_json(table: str, width: int, then: str = "") -> str:
    """The trigger's statement inserting the rows of ``NEW.<table>`` (a JSON array of
    arrays of ``width`` values, as bytes: read as text, a BLOB being JSONB to SQLite 3.45
    on). ``WHERE true``: an upsert's ON CONFLICT would otherwise read as the join's."""
    values = ", ".join(f"value->>{i}" for i in range(width))
    return f"SELECT {values} FROM json_each(CAST(NEW.{table} AS TEXT)) WHERE true {then}"


BATCH_COLUMNS = (
    "events",
    "links",
    "calls",
    "meta",
    "ingest_ids",
    "checkpoint_seq",
    "checkpoint_body",
    "snapshot_seq",
    "snapshot_at",
    "snapshot_body",
)
BATCH_VIEW = f"""
CREATE TEMP VIEW IF NOT EXISTS batch_in ({", ".join(BATCH_COLUMNS)})
    AS SELECT {", ".join(["NULL"] * len(BATCH_COLUMNS))};
CREATE TEMP TRIGGER IF NOT EXISTS batch_in_write INSTEAD OF INSERT ON batch_in BEGIN
    INSERT INTO events (seq, ts, type, body) {_from_json("events", 4)};
    INSERT OR IGNORE INTO event_employee (employee, seq) {_from_json("links", 2)};
    INSERT INTO calls ({CALL_COLUMNS}) {_from_json("calls", 13, CALL_CHANGES)};
    INSERT OR REPLACE INTO meta (key, value) {_from_json("meta", 2)};
    INSERT OR IGNORE INTO ingest_ids (token, event_id, seq) {_from_json("ingest_ids", 3)};
    INSERT OR REPLACE INTO checkpoint (id, seq, body)
        SELECT 1, NEW.checkpoint_seq, NEW.checkpoint_body WHERE NEW.checkpoint_seq IS NOT NULL;
    INSERT OR REPLACE INTO snapshots (seq, at, body)
        SELECT NEW.snapshot_seq, NEW.snapshot_at, NEW.snapshot_body
        WHERE NEW.snapshot_seq IS NOT NULL;
END;
"""
"""A batch in one statement: ``INSERT INTO batch_in`` (a view of the writer's connection
only, nothing in the file) writes every table through its trigger."""
WRITE_AT_ONCE = (
    f"INSERT INTO batch_in ({', '.join(BATCH_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(BATCH_COLUMNS))})"
)


def prepare_writer(db: sqlite3.Connection) -> bool:
    """Make the writer's connection able to ``write_at_once`` (False: this SQLite cannot)."""
    if not HAS_JSON_ARROW:
        return False
    db.executescript(BATCH_VIEW)
    return True


def write_at_once(db: sqlite3.Connection, batch: WriteBatch) -> bool:
    """Write ``batch`` in ONE statement, its own transaction (``BATCH_VIEW``; the connection
    not in a transaction, made ready by ``prepare_writer``). False, with nothing written,
    when a text cannot go as JSON (a lone surrogate, a NUL): ``write_rows`` then."""
    dumps = orjson.dumps
    try:
        texts = [
            dumps(rows) if rows else None
            for rows in (
                batch.events,
                batch.links,
                list(batch.calls.values()),
                list(batch.meta.items()),
                [(token, eid, seq) for (token, eid), seq in batch.ingest_ids.items()],
            )
        ]
    except orjson.JSONEncodeError:
        return False
    if any(text is not None and NUL in text for text in texts):
        return False
    checkpoint = batch.checkpoint or (None, None)
    snapshot: tuple[object, object, object] = (None, None, None)
    if batch.snapshot is not None:
        seq, at, body = batch.snapshot
        snapshot = (seq, at, zlib.compress(body.encode("utf-8"), 6))
    db.execute(WRITE_AT_ONCE, (*texts, *checkpoint, *snapshot))
    return True


def write_rows(db: sqlite3.Connection, batch: WriteBatch) -> None:
    """Write ``batch``'s rows with parameters (inside the caller's transaction)."""
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
    """``insert`` (``INSERT INTO t (a, b)``) every row of ``rows`` (``width`` values each, the
    first never None), many rows per statement, in order; ``then``: a conflict clause."""
    most = ROWS_PER_STATEMENT
    allowed = db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
    while most > allowed:
        most //= 2
    for start in range(0, len(rows), most):
        chunk = rows[start : start + most]
        size = min(FEWEST_ROWS, most)
        while size < len(chunk):
            size *= 2
        params = list(chain.from_iterable(chunk))
        params.extend([None] * (width * (size - len(chunk))))
        db.execute(_statement(insert, width, size, then), params)


@lru_cache(maxsize=64)
def _statement(insert: str, width: int, count: int, then: str) -> str:
    """``insert`` of ``count`` rows, those whose first value is NULL (padding) left out."""
    row = "(" + ", ".join("?" * width) + ")"
    values = ", ".join([row] * count)
    return f"{insert} SELECT * FROM (VALUES {values}) WHERE column1 IS NOT NULL {then}".rstrip()
