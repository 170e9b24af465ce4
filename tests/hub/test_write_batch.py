"""A flush writes its rows many per statement (hub/write_batch.py): every row lands, in order,
whatever the batch's size and SQLite's limit on parameters; a leg's row is updated in place
by a later batch; and a batch of thousands of rows takes a handful of statements, not one
per row (each statement is a moment the writer's thread wants the GIL back from the event
loop)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.hub.storage import Storage, WriteBatch
from ringmon.hub.tables import SCHEMA, CallRow
from ringmon.hub.write_batch import (
    HAS_JSON_ARROW,
    JSON_ROWS,
    ROWS_PER_STATEMENT,
    insert_json,
    insert_rows,
    write_rows,
)


def _db(max_parameters: int | None = None) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(SCHEMA)
    if max_parameters is not None:
        db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, max_parameters)
    return db


@settings(deadline=None, max_examples=40)
@given(
    count=st.integers(0, 2 * ROWS_PER_STATEMENT + 5),
    max_parameters=st.sampled_from([None, 4, 9, 100, 999]),
)
def test_every_row_is_inserted_in_order(count: int, max_parameters: int | None) -> None:
    db = _db(max_parameters)
    rows = [(seq, seq / 2, "t", f'{{"seq":{seq},"n":"é\\"{seq}"}}') for seq in range(1, count + 1)]
    insert_rows(db, "INSERT INTO events (seq, ts, type, body)", 4, rows)
    assert db.execute("SELECT seq, ts, type, body FROM events ORDER BY seq").fetchall() == rows


@settings(deadline=None, max_examples=60)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(),
            st.none() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
        ),
        max_size=40,
    )
)
def test_rows_handed_over_as_json_come_back_exactly(
    rows: list[tuple[float, str, float | str | None]],
) -> None:
    """The big tables go to SQLite as one JSON text (``insert_json``): every float comes back
    bit for bit (a stored ts is the state's), every text as it was (quotes, backslashes,
    control characters, any script), None as NULL."""
    if not HAS_JSON_ARROW:
        return
    db = _db()
    events = [(seq, ts, kind, body) for seq, (ts, kind, body) in enumerate(rows, 1)]
    db.execute("CREATE TEMP TABLE loose (seq INTEGER PRIMARY KEY, ts REAL, type, body)")
    insert_json(db, "INSERT INTO loose (seq, ts, type, body)", 4, events)
    assert db.execute("SELECT seq, ts, type, body FROM loose ORDER BY seq").fetchall() == events


def test_a_batch_larger_than_one_json_text_is_stored_whole_in_order() -> None:
    db = _db()
    count = 2 * JSON_ROWS + 7
    rows = [(seq, seq * 1.5, "call.end", f'{{"seq":{seq}}}') for seq in range(1, count + 1)]
    write_rows(db, WriteBatch(events=rows, links=[("e1", seq) for seq in range(1, count + 1)]))
    assert db.execute("SELECT seq, ts, type, body FROM events ORDER BY seq").fetchall() == rows
    assert db.execute("SELECT COUNT(*) FROM event_employee").fetchone()[0] == count


def test_a_text_json_cannot_carry_is_still_stored_as_sqlite_takes_it() -> None:
    """A lone surrogate cannot be written as JSON: that batch's rows are bound as parameters
    (the way they always were), and SQLite's refusal is what it was (nothing half-written)."""
    db = _db()
    write_rows(db, WriteBatch(events=[(1, 1.0, "call.end", "{}")]))
    with pytest.raises(UnicodeEncodeError):
        write_rows(db, WriteBatch(events=[(2, 2.0, "call.end", '{"n":"\ud800"}')]))
    assert db.execute("SELECT seq FROM events").fetchall() == [(1,)]


def _leg(row_id: int, *, answer: float | None = None, end: float | None = None) -> CallRow:
    return (
        row_id,
        f"c{row_id}/sip1",
        f"c{row_id}",
        "sip1",
        "d0",
        "e1",
        "in",
        "+48601000200",
        100.0 + row_id,
        answer,
        end,
        None if end is None else "rec.wav",
        "Caller",
    )


def test_a_later_batch_updates_a_legs_row_in_place() -> None:
    db = _db()
    write_rows(db, WriteBatch(calls={1: _leg(1), 2: _leg(2)}))
    write_rows(db, WriteBatch(calls={1: _leg(1, answer=105.0, end=160.0), 3: _leg(3)}))
    rows = db.execute("SELECT id, answer_at, end_at, recording FROM calls ORDER BY id").fetchall()
    assert rows == [(1, 105.0, 160.0, "rec.wav"), (2, None, None, None), (3, None, None, None)]


def test_thousands_of_rows_take_a_handful_of_statements(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    statements: list[str] = []
    storage._writer.set_trace_callback(statements.append)
    batch = WriteBatch(
        events=[(seq, float(seq), "call.ring", "{}") for seq in range(1, 5001)],
        links=[(f"e{seq % 300}", seq) for seq in range(1, 5001)],
        calls={n: _leg(n) for n in range(1, 2001)},
        meta={"source:file:x": "{}"},
    )
    storage.write(batch)
    storage._writer.set_trace_callback(None)
    # 5,000 rows: two statements of 2,048 and one padded to 1,024 for the events, the same
    # for the links, the calls' 2,000 rows in one, one for meta, BEGIN and COMMIT: 10 (one
    # per row would be over 12,000).
    assert len(statements) <= 12, len(statements)
    assert storage.count_events() == 5000
    assert len(storage.calls_page(None, None, None, 10_000, None)) == 2000
    storage.close()
