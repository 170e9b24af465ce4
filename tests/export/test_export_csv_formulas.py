"""CSV export neutralises cells a spreadsheet would run as formulas (``=``, ``+``, ``-``,
``@``) with a leading ``'``, and leaves plain phone numbers and plain numbers as they are."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ringmon.cli import main
from ringmon.export.tables import spreadsheet_safe

DANGEROUS = [
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.com/x","click")',
    "\t=1+1",
]
PLAIN = ["+48601000200", "-5", "101", "+48 22 000 111", "-", "anna@example.com"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_cells_get_a_quote(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+48601000200", "+48601000200"),
        ("-5", "-5"),
        ("-5.25", "-5.25"),
        ("+1e3", "+1e3"),
        ("101", "101"),
        ("anna@example.com", "anna@example.com"),
        ("+48 22 000 111", "'+48 22 000 111"),  # not a plain number: a sum to a spreadsheet
        ("-", "'-"),
        (-5, -5),
        (None, None),
    ],
)
def test_plain_values_stay(value: object, expected: object) -> None:
    assert spreadsheet_safe(value) == expected


def test_calls_export_neutralises_remote_numbers_from_a_pbx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        '{"type":"employee.upsert","ts":"2026-03-24T07:00:00Z","id":"e1","name":"Jan K"}',
        '{"type":"account.upsert","ts":"2026-03-24T07:00:00Z","login":"A","employee":"e1"}',
    ]
    remotes = [*DANGEROUS, *PLAIN]
    for n, remote in enumerate(remotes):
        t = f"2026-03-24T08:{n:02d}:00Z"
        t_end = f"2026-03-24T08:{n:02d}:30Z"
        quoted = remote.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
        lines.append(
            f'{{"type":"call.ring","ts":"{t}","call":"c{n}","leg":"c{n}/A","account":"A",'
            f'"direction":"in","remote":"{quoted}"}}'
        )
        lines.append(f'{{"type":"call.end","ts":"{t_end}","call":"c{n}","leg":"c{n}/A"}}')
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(lines) + "\n")
    argv = ["export", "calls", "--events", str(events), "--employee", "e1"]
    argv += ["--period", "2026-03-24", "--tz", "UTC", "--now", "2026-03-25T00:00:00Z"]
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out)))
    got = [row["remote"] for row in rows]
    expected = [spreadsheet_safe(r) for r in remotes]
    assert got == expected
    assert got[:6] == ["'" + r for r in DANGEROUS]
    assert got[6:8] == ["+48601000200", "-5"]
    assert not any(
        cell.startswith(("=", "@"))
        or (cell[:1] in "+-" and not cell[1:].replace(".", "").isdigit())
        for row in rows
        for cell in row.values()
        if cell
    )
