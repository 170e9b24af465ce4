"""Storage writes only the indexes its queries need (hub/storage/tables.py): the seq of a moment is
a binary search on the primary key, an employee's links are deleted by seeking, every
history and call-log query still reads through an index, and a folder that has the two
indexes of the previous versions opens with them dropped."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.hub.storage.database import Storage
from ringmon.hub.storage.tables import DB_FILE, SCHEMA, delete_links, seq_before


def _db(rows: list[tuple[int, float]], links: list[tuple[str, int]] = ()) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO events (seq, ts, type, body) VALUES (?, ?, 't', '{}')", rows)
    db.executemany("INSERT INTO event_employee (employee, seq) VALUES (?, ?)", list(links))
    return db


@settings(deadline=None, max_examples=150)
@given(
    steps=st.lists(
        st.tuples(st.integers(1, 5), st.sampled_from([0.0, 0.0, 0.5, 1.0, 7.0])), max_size=60
    ),
    probe=st.floats(-2.0, 200.0, allow_nan=False),
)
def test_seq_before_is_the_scan_it_replaces(steps: list[tuple[int, float]], probe: float) -> None:
    rows: list[tuple[int, float]] = []
    seq, ts = 0, 0.0
    for gap, later in steps:  # seqs with gaps, ts never decreasing (equal ones too)
        seq, ts = seq + gap, ts + later
        rows.append((seq, ts))
    db = _db(rows)
    expected = max((s for s, t in rows if t < probe), default=0)
    assert seq_before(db, probe) == expected


@settings(deadline=None, max_examples=60)
@given(
    links=st.sets(st.tuples(st.sampled_from(["a", "b", "c:d", "é"]), st.integers(1, 40))),
    first=st.integers(0, 41),
    last=st.integers(0, 41),
)
def test_delete_links_deletes_that_range_of_every_employee(
    links: set[tuple[str, int]], first: int, last: int
) -> None:
    db = _db([], sorted(links))
    delete_links(db, first, last)
    kept = set(db.execute("SELECT employee, seq FROM event_employee").fetchall())
    assert kept == {(e, s) for e, s in links if not first <= s <= last}


def _plan(db: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> str:
    return " | ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_every_history_query_reads_an_index(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    db = storage._writer
    queries = [
        (
            "SELECT e.body FROM event_employee AS l JOIN events AS e ON e.seq = l.seq "
            "WHERE l.employee = ? AND l.seq > ? AND l.seq <= ? ORDER BY l.seq",
            ("e1", 0, 10),
        ),
        ("SELECT seq, body FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", (0, 9, 5)),
        ("SELECT seq, ts FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", (3,)),
        ("SELECT MIN(employee) FROM event_employee WHERE employee > ?", ("e1",)),
        ("DELETE FROM event_employee WHERE employee = ? AND seq >= ? AND seq <= ?", ("e", 1, 2)),
        ("SELECT 1 FROM event_employee WHERE employee = ? LIMIT 1", ("e1",)),
        ("SELECT id FROM calls WHERE employee = ? ORDER BY ring_at DESC, id DESC", ("e1",)),
        ("SELECT id FROM calls WHERE leg = ? ORDER BY id DESC LIMIT 1", ("l1",)),
        ("SELECT call FROM calls WHERE call IN (?, ?) AND answer_at IS NOT NULL", ("a", "b")),
        ("DELETE FROM calls WHERE ring_at >= ? AND ring_at < ?", (1.0, 2.0)),
    ]
    for sql, params in queries:
        plan = _plan(db, sql, params)
        assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), f"{sql}: {plan}"
    storage.close()


def test_a_folder_with_the_old_indexes_opens_without_them(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.executescript(SCHEMA)
    db.execute("CREATE INDEX events_ts ON events (ts)")
    db.execute("CREATE INDEX event_employee_seq ON event_employee (seq)")
    db.execute("INSERT INTO events (seq, ts, type, body) VALUES (1, 5.0, 't', '{}')")
    db.commit()
    db.close()
    storage = Storage(tmp_path)
    names = {row[0] for row in storage._writer.execute("SELECT name FROM sqlite_master")}
    assert "events_ts" not in names and "event_employee_seq" not in names
    assert storage.last_seq_before(6.0) == 1 and storage.last_seq_before(5.0) == 0
    storage.close()


def test_a_folder_whose_call_log_has_no_caller_names_gains_the_column(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.executescript(SCHEMA.replace(",\n    remote_name TEXT NOT NULL DEFAULT ''", ""))
    assert "remote_name" not in {r[1] for r in db.execute("PRAGMA table_info(calls)")}
    db.execute(
        "INSERT INTO calls (id, leg, call, account, direction, remote, ring_at) "
        "VALUES (1, 'c1/sip1', 'c1', 'sip1', 'in', '+48601000200', 5.0)"
    )
    db.commit()
    db.close()
    storage = Storage(tmp_path)
    row = storage.call_by_leg("c1/sip1")
    assert row is not None and row[7] == "+48601000200" and row[12] == ""
    storage.close()
