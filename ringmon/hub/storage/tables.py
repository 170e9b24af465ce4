"""The tables of ``DATA/events.sqlite3`` (storage.py says what each holds), their in-place
migrations, and the SQL helpers that lean on their keys.

Indexes cost every event they are written for (about 2 us each): only what a query needs is
indexed. ``events`` has none beside its seq (ts never decreases along seq, so the seq of a
moment is a binary search on the primary key: ``seq_before``), ``event_employee`` none beside
(employee, seq) (the links of a seq range are deleted employee by employee: ``delete_links``).
Folders from before keep working: the two indexes they had are dropped when opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

DB_FILE = "events.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL
);
DROP INDEX IF EXISTS events_ts;
CREATE TABLE IF NOT EXISTS event_employee (
    employee TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (employee, seq)
) WITHOUT ROWID;
DROP INDEX IF EXISTS event_employee_seq;
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    leg TEXT NOT NULL,
    call TEXT NOT NULL,
    account TEXT NOT NULL,
    device TEXT,
    employee TEXT,
    direction TEXT NOT NULL,
    remote TEXT NOT NULL,
    ring_at REAL NOT NULL,
    answer_at REAL,
    end_at REAL,
    recording TEXT,
    remote_name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS calls_time ON calls (ring_at, id);
CREATE INDEX IF NOT EXISTS calls_employee_time ON calls (employee, ring_at, id);
CREATE INDEX IF NOT EXISTS calls_leg ON calls (leg, id);
CREATE INDEX IF NOT EXISTS calls_call ON calls (call);
CREATE TABLE IF NOT EXISTS base (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_at ON snapshots (at);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ingest_ids (
    token TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (token, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ingest_ids_seq ON ingest_ids (seq);
"""

OLD_ID_PREFIX = "source:ingest:"
"""How the push API kept event ids before ``ingest_ids``: meta keys ``source:ingest:TOKEN:ID``
(ambiguous when a token name holds a colon)."""

CallRow = tuple[
    int,  # id
    str,  # leg
    str,  # call
    str,  # account
    str | None,  # device
    str | None,  # employee
    str,  # direction
    str,  # remote
    float,  # ring_at
    float | None,  # answer_at
    float | None,  # end_at
    str | None,  # recording
    str,  # remote_name (a column added later: last, so that older folders gain it in place)
]
CALL_COLUMNS = (
    "id, leg, call, account, device, employee, direction, remote, "
    "ring_at, answer_at, end_at, recording, remote_name"
)


def add_missing_columns(db: sqlite3.Connection) -> None:
    """Columns added after a data folder was made: ``CREATE TABLE IF NOT EXISTS`` leaves an
    existing table as it was, so they are added in place (their rows read the default)."""
    have = {str(row[1]) for row in db.execute("PRAGMA table_info(calls)")}
    if "remote_name" not in have:
        db.execute("ALTER TABLE calls ADD COLUMN remote_name TEXT NOT NULL DEFAULT ''")


def migrate_ingest_ids(db: sqlite3.Connection, token_names: Iterable[str]) -> int:
    """Move event ids kept the old way (meta ``source:ingest:TOKEN:ID``) into ``ingest_ids``
    (in place, on the writer's connection); returns how many rows were moved. A key that
    more than one token name could have made (``a:b:c`` for tokens ``a`` and ``a:b``) is kept
    for each of them: a retry is then never stored twice, whichever token sent it."""
    rows = db.execute(
        "SELECT key, value FROM meta WHERE key >= ? AND key < ?",
        (OLD_ID_PREFIX, OLD_ID_PREFIX[:-1] + chr(ord(":") + 1)),
    ).fetchall()
    if not rows:
        return 0
    names = sorted(set(token_names))
    moved: list[tuple[str, str, int]] = []
    for key, value in rows:
        rest = str(key)[len(OLD_ID_PREFIX) :]
        owners = [n for n in names if rest.startswith(n + ":") and len(rest) > len(n) + 1]
        if not owners:
            owners = [rest.partition(":")[0]]
        seq = int(value) if str(value).isdigit() else 0
        moved += [(owner, rest[len(owner) + 1 :], seq) for owner in owners]
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(
            "INSERT OR IGNORE INTO ingest_ids (token, event_id, seq) VALUES (?, ?, ?)",
            moved,
        )
        db.executemany("DELETE FROM meta WHERE key = ?", [(k,) for k, _ in rows])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return len(rows)


def seq_before(db: sqlite3.Connection, ts: float) -> int:
    """The newest seq whose ts is before ``ts`` (0: none), by a binary search on the primary
    key (ts never decreases along seq; seqs may have gaps): ~2 lookups per bit of the range."""
    row = db.execute("SELECT MIN(seq), MAX(seq) FROM events").fetchone()
    if row[0] is None:
        return 0
    lo, hi, found = int(row[0]), int(row[1]), 0
    first_from = "SELECT seq, ts FROM events WHERE seq >= ? ORDER BY seq LIMIT 1"
    while lo <= hi:
        mid = (lo + hi) // 2
        hit = db.execute(first_from, (mid,)).fetchone()
        if hit is None or hit[0] > hi or hit[1] >= ts:
            hi = mid - 1
        else:
            found = int(hit[0])
            lo = found + 1
    return found


def delete_links(db: sqlite3.Connection, first: int, last: int) -> None:
    """Delete the ``event_employee`` rows of seqs ``first..last``, employee by employee (each
    a range of the primary key; the employees are found by seeking, not by a scan)."""
    next_employee = "SELECT MIN(employee) FROM event_employee WHERE employee > ?"
    employee = db.execute("SELECT MIN(employee) FROM event_employee").fetchone()[0]
    while employee is not None:
        db.execute(
            "DELETE FROM event_employee WHERE employee = ? AND seq >= ? AND seq <= ?",
            (employee, first, last),
        )
        employee = db.execute(next_employee, (employee,)).fetchone()[0]
