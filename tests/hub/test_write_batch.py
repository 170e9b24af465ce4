"""A flush writes its rows many per statement (hub/storage/write_batch.py): every row lands, in
order, whatever the batch's size and SQLite's limit on parameters; a leg's row is updated in place
by a later batch; and a batch of thousands of rows takes a handful of statements, not one per row
(each statement is a moment the writer's thread wants the GIL back from the event loop)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.hub.storage.database import Storage, WriteBatch
from ringmon.hub.storage.tables import SCHEMA, CallRow
from ringmon.hub.storage.write_batch import (
    HAS_JSON_ARROW,
    ROWS_PER_STATEMENT,
    insert_rows,
    prepare_writer,
    write_at_once,
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
            st.text(),
            st.none() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
        ),
        max_size=40,
    )
)
def test_a_batch_in_one_statement_comes_back_exactly(
    rows: list[tuple[float, str, str, float | str | None]],
) -> None:
    """A batch goes to SQLite as JSON texts in one statement (``write_at_once``): every float
    comes back bit for bit (a stored ts is the state's), every text as it was (quotes,
    backslashes, control characters, any script; a NUL too, by the parameters), None as
    NULL."""
    if not HAS_JSON_ARROW:
        return
    db = _db()
    assert prepare_writer(db)
    events = [(seq, ts, kind, body) for seq, (ts, kind, body, _) in enumerate(rows, 1)]
    links = [(who, seq) for seq, (_, _, who, _) in enumerate(rows, 1)]
    meta = {f"k{seq}": body for seq, (_, _, body, _) in enumerate(rows, 1)}
    calls = {
        seq: (seq, "l", "c", "a", None, "e", "in", "r", ts, None, extra, None, body)
        for seq, (ts, _, body, extra) in enumerate(rows, 1)
        if not isinstance(extra, str)
    }
    batch = WriteBatch(events=events, links=links, meta=meta, calls=calls)  # type: ignore[arg-type]
    if not write_at_once(db, batch):
        assert any("\x00" in text for row in rows for text in row if isinstance(text, str))
        db.execute("BEGIN")
        write_rows(db, batch)
        db.execute("COMMIT")
    assert db.execute("SELECT seq, ts, type, body FROM events ORDER BY seq").fetchall() == events
    stored_links = db.execute("SELECT employee, seq FROM event_employee ORDER BY seq").fetchall()
    assert stored_links == links
    assert dict(db.execute("SELECT key, value FROM meta").fetchall()) == meta
    stored_calls = db.execute("SELECT ring_at, end_at, remote_name FROM calls ORDER BY id")
    assert stored_calls.fetchall() == [(c[8], c[10], c[12]) for c in calls.values()]


def test_a_batch_is_one_statement_stored_whole_or_not_at_all(tmp_path: Path) -> None:
    """Every table a batch touches, in its one statement; a batch that fails (a seq stored
    already) leaves nothing of itself behind, and the next one is stored."""
    storage = Storage(tmp_path)
    statements: list[str] = []
    storage._writer.set_trace_callback(statements.append)
    storage.write(
        WriteBatch(
            events=[(1, 1.0, "call.ring", '{"seq":1}'), (2, 2.0, "call.end", '{"seq":2}')],
            links=[("e1", 1), ("e1", 2), ("e1", 2)],
            calls={7: _leg(7)},
            meta={"source:file:x": '{"offset":1}'},
            checkpoint=(2, '{"state":{}}'),
            snapshot=(2, 2.0, '{"snapshot":true}'),
            ingest_ids={("push", "id-1"): 2},
        )
    )
    storage._writer.set_trace_callback(None)
    if HAS_JSON_ARROW:
        assert [s for s in statements if s.startswith("INSERT INTO batch_in")], statements
        assert not [s for s in statements if s.startswith(("BEGIN", "COMMIT"))], statements
    assert storage.count_events() == 2
    db = storage._writer
    assert db.execute("SELECT employee, seq FROM event_employee").fetchall() == [
        ("e1", 1),
        ("e1", 2),
    ]
    assert db.execute("SELECT value FROM meta").fetchall() == [('{"offset":1}',)]
    assert db.execute("SELECT seq, body FROM checkpoint").fetchall() == [(2, '{"state":{}}')]
    assert db.execute("SELECT seq, at FROM snapshots").fetchall() == [(2, 2.0)]
    assert db.execute("SELECT token, event_id, seq FROM ingest_ids").fetchall() == [
        ("push", "id-1", 2)
    ]
    assert db.execute("SELECT id FROM calls").fetchall() == [(7,)]
    with pytest.raises(sqlite3.IntegrityError):
        storage.write(
            WriteBatch(
                events=[(3, 3.0, "call.ring", "{}"), (2, 2.0, "call.end", "{}")],
                links=[("e2", 3)],
                meta={"source:file:x": '{"offset":2}'},
            )
        )
    assert storage.count_events() == 2
    assert db.execute("SELECT COUNT(*) FROM event_employee").fetchone()[0] == 2
    assert db.execute("SELECT value FROM meta").fetchall() == [('{"offset":1}',)]
    storage.write(WriteBatch(events=[(3, 3.0, "call.ring", "{}")], meta={"source:file:x": "3"}))
    assert storage.count_events() == 3
    storage.close()


def test_a_text_json_cannot_carry_is_still_stored_as_sqlite_takes_it(tmp_path: Path) -> None:
    """A NUL (which SQLite's JSON would cut) goes by parameters, whole; a lone surrogate
    cannot be written at all: SQLite's refusal is what it was, and nothing is half-written."""
    storage = Storage(tmp_path)
    storage.write(WriteBatch(events=[(1, 1.0, "call.end", '{"n":"a\x00b"}')]))
    with pytest.raises(UnicodeEncodeError):
        storage.write(WriteBatch(events=[(2, 2.0, "call.end", '{"n":"\ud800"}')]))
    rows = storage._writer.execute("SELECT seq, body FROM events").fetchall()
    assert rows == [(1, '{"n":"a\x00b"}')]
    storage.close()


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
    # One statement (with parameters: 5,000 rows in two statements of 2,048 and one padded to
    # 1,024 for the events, the same for the links, the calls' 2,000 rows in one, one for
    # meta, BEGIN and COMMIT: 10; one per row would be over 12,000).
    # (The trace repeats a statement's text, its values bound, for each statement its
    # trigger runs: distinct texts are the statements executed.)
    assert len(set(statements)) <= (1 if HAS_JSON_ARROW else 12), len(set(statements))
    assert storage.count_events() == 5000
    assert len(storage.calls_page(None, None, None, 10_000, None)) == 2000
    storage.close()
