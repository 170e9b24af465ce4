"""``ringmon export`` from a JSONL file: both formats, exact figures, and the errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ringmon.cli import main

DATA = Path(__file__).parent / "data"
R14 = str(DATA / "r14.jsonl")
R17 = str(DATA / "r17.jsonl")
MESSY = str(DATA / "messy.jsonl")
NEXT_MORNING = "2026-03-25T08:00:00+01:00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["export", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def export_r14(capsys: pytest.CaptureFixture[str], what: str, *more: str) -> str:
    code, out, err = run(
        capsys,
        what,
        "--events",
        R14,
        "--employee",
        "e1",
        "--period",
        "2026-03-24",
        "--tz",
        "Europe/Warsaw",
        "--now",
        NEXT_MORNING,
        *more,
    )
    assert (code, err) == (0, "")
    return out


R14_TIMELINE_CSV = """\
day,start,end,status,seconds,reason
2026-03-24,2026-03-24T00:00:00+01:00,2026-03-24T05:56:00+01:00,offline,21360,
2026-03-24,2026-03-24T05:56:00+01:00,2026-03-24T09:10:00+01:00,online,11640,
2026-03-24,2026-03-24T09:10:00+01:00,2026-03-24T09:22:00+01:00,talking,720,
2026-03-24,2026-03-24T09:22:00+01:00,2026-03-24T11:00:00+01:00,online,5880,
2026-03-24,2026-03-24T11:00:00+01:00,2026-03-24T11:05:00+01:00,talking,300,
2026-03-24,2026-03-24T11:05:00+01:00,2026-03-24T12:00:00+01:00,online,3300,
2026-03-24,2026-03-24T12:00:00+01:00,2026-03-24T12:34:00+01:00,offline,2040,
2026-03-24,2026-03-24T12:34:00+01:00,2026-03-24T13:25:00+01:00,online,3060,
2026-03-24,2026-03-24T13:25:00+01:00,2026-03-24T13:45:00+01:00,dnd,1200,
2026-03-24,2026-03-24T13:45:00+01:00,2026-03-24T14:05:00+01:00,online,1200,
2026-03-24,2026-03-24T14:05:00+01:00,2026-03-24T14:08:00+01:00,talking,180,
2026-03-24,2026-03-24T14:08:00+01:00,2026-03-24T17:00:00+01:00,online,10320,
2026-03-24,2026-03-24T17:00:00+01:00,2026-03-25T00:00:00+01:00,offline,25200,
"""

R14_STATS_CSV = """\
day,handled,incoming,outgoing,missed,short_unanswered,outgoing_unanswered,\
missed_answered_by_colleague,total_talk,average_talk,average_answer,talking_seconds,\
online_seconds,dnd_seconds,offline_seconds
2026-03-24,3,2,1,1,1,1,0,1200,400,10,1200,35400,1200,48600
total,3,2,1,1,1,1,0,1200,400,10,1200,35400,1200,48600
"""

R14_CALLS_CSV = """\
start,direction,remote,remote_name,ring_seconds,talk_seconds,outcome,recording,answered,end,\
account,device,call,leg
2026-03-24T09:09:50+01:00,in,+48601000200,,10,720,answered,sim:c1,2026-03-24T09:10:00+01:00,\
2026-03-24T09:22:00+01:00,A,a1,c1,c1/A
2026-03-24T10:00:00+01:00,in,+48601000200,,8,0,missed,,,2026-03-24T10:00:08+01:00,A,a1,c2,c2/A
2026-03-24T10:30:00+01:00,in,+48601000200,,3,0,short,,,2026-03-24T10:30:03+01:00,A,a1,c3,c3/A
2026-03-24T10:59:40+01:00,out,+48222000111,,20,300,answered,,2026-03-24T11:00:00+01:00,\
2026-03-24T11:05:00+01:00,A,a1,c4,c4/A
2026-03-24T11:30:00+01:00,out,+48222000112,,40,0,unanswered,,,2026-03-24T11:30:40+01:00,A,a1,c5,c5/A
2026-03-24T14:04:50+01:00,in,+48601000200,,10,180,answered,sim:c6,2026-03-24T14:05:00+01:00,\
2026-03-24T14:08:00+01:00,B,b1,c6,c6/B
"""


def test_r14_timeline_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert export_r14(capsys, "timeline") == R14_TIMELINE_CSV


def test_r14_stats_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert export_r14(capsys, "stats") == R14_STATS_CSV


def test_r14_calls_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert export_r14(capsys, "calls") == R14_CALLS_CSV


def test_r14_timeline_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(export_r14(capsys, "timeline", "--format", "json"))
    assert doc["employee"] == {
        "id": "e1",
        "name": "Jan Kowalski",
        "department": "Support",
        "accounts": [{"login": "A", "number": "101"}, {"login": "B", "number": "102"}],
    }
    assert (doc["tz"], doc["from"], doc["to"], doc["now"]) == (
        "Europe/Warsaw",
        "2026-03-24",
        "2026-03-24",
        NEXT_MORNING,
    )
    assert len(doc["timeline"]) == 13
    assert doc["timeline"][8] == {
        "day": "2026-03-24",
        "start": "2026-03-24T13:25:00+01:00",
        "end": "2026-03-24T13:45:00+01:00",
        "status": "dnd",
        "seconds": 1200.0,
        "reason": "",
    }


def test_r14_stats_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(export_r14(capsys, "stats", "--format", "json"))
    total = {
        "handled": 3,
        "incoming": 2,
        "outgoing": 1,
        "missed": 1,
        "short_unanswered": 1,
        "outgoing_unanswered": 1,
        "missed_answered_by_colleague": 0,
        "total_talk": 1200.0,
        "average_talk": 400.0,
        "average_answer": 10.0,
        "talking_seconds": 1200.0,
        "online_seconds": 35400.0,
        "dnd_seconds": 1200.0,
        "offline_seconds": 48600.0,
    }
    assert doc["total"] == {"day": "total", **total}
    assert doc["days"] == [{"day": "2026-03-24", **total}]


def test_r14_calls_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(export_r14(capsys, "calls", "--format", "json"))
    assert [c["outcome"] for c in doc["calls"]] == [
        "answered",
        "missed",
        "short",
        "answered",
        "unanswered",
        "answered",
    ]
    assert doc["calls"][0] == {
        "start": "2026-03-24T09:09:50+01:00",
        "direction": "in",
        "remote": "+48601000200",
        "remote_name": "",
        "ring_seconds": 10.0,
        "talk_seconds": 720.0,
        "outcome": "answered",
        "recording": "sim:c1",
        "answered": "2026-03-24T09:10:00+01:00",
        "end": "2026-03-24T09:22:00+01:00",
        "account": "A",
        "device": "a1",
        "call": "c1",
        "leg": "c1/A",
    }


def test_r17_by_exact_name_and_today_ending_at_the_last_event(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --now, now is the last event (18:00): "today" stops there."""
    code, out, err = run(
        capsys, "timeline", "--events", R17, "--employee", "anna nowak", "--tz", "Europe/Warsaw"
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        "2026-03-24,2026-03-24T00:00:00+01:00,2026-03-24T08:00:00+01:00,offline,28800,",
        "2026-03-24,2026-03-24T08:00:00+01:00,2026-03-24T09:00:00+01:00,online,3600,",
        "2026-03-24,2026-03-24T09:00:00+01:00,2026-03-24T09:15:00+01:00,talking,900,",
        "2026-03-24,2026-03-24T09:15:00+01:00,2026-03-24T18:00:00+01:00,online,31500,",
    ]


def test_r17_three_days_in_another_zone(capsys: pytest.CaptureFixture[str]) -> None:
    """--tz changes the days: here they are UTC days, and a naive --now is UTC too."""
    code, out, err = run(
        capsys,
        "stats",
        "--events",
        R17,
        "--employee",
        "e1",
        "--period",
        "3d",
        "--tz",
        "UTC",
        "--now",
        "2026-03-24T23:00:00",
    )
    assert (code, err) == (0, "")
    rows = [line.split(",") for line in out.splitlines()]
    assert [r[0] for r in rows] == ["day", "2026-03-22", "2026-03-23", "2026-03-24", "total"]
    header = rows[0]
    total = dict(zip(header, rows[-1], strict=True))
    assert total["handled"] == "1"
    assert total["talking_seconds"] == "900"
    assert total["online_seconds"] == str(9 * 3600 + 45 * 60)
    # 22 March 00:00 to now (24 March 23:00 UTC) is 71 h, of which 10 h online or talking.
    assert int(total["offline_seconds"]) == (71 - 10) * 3600


def test_bad_lines_are_reported_with_their_number_and_skipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "timeline", "--events", MESSY, "--employee", "Ewa Lis", "--tz", "Europe/Warsaw"
    )
    assert code == 0
    lines = err.splitlines()
    assert [line.split(": ")[0] for line in lines[:4]] == [
        f"{MESSY}:5",
        f"{MESSY}:6",
        f"{MESSY}:7",
        f"{MESSY}:10",
    ]
    assert "colour" in lines[2]
    assert "rejected call.answer" in lines[4]
    assert "not in progress" in lines[4]
    assert len(lines) == 5
    assert out.splitlines()[1:] == [
        "2026-03-24,2026-03-24T00:00:00+01:00,2026-03-24T09:00:00+01:00,offline,32400,",
        "2026-03-24,2026-03-24T09:00:00+01:00,2026-03-24T17:00:00+01:00,online,28800,",
    ]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--employee", "e9"], 1, "unknown employee 'e9'"),
        (["--employee", "Jan"], 1, "unknown employee 'Jan'"),
        (["--employee", "e1", "--period", "yesterday"], 2, "period 'yesterday' is not"),
        (["--employee", "e1", "--period", "2026-03-24..2026-03-01"], 2, "ends before it starts"),
        (["--employee", "e1", "--tz", "Mars/Olympus"], 2, "unknown time zone 'Mars/Olympus'"),
        (["--employee", "e1", "--now", "noonish"], 2, "--now 'noonish' is not"),
    ],
)
def test_errors_are_one_line_and_an_exit_code(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    got, out, err = run(capsys, "stats", "--events", R14, *argv)
    assert got == code
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("ringmon export: ")
    assert message in err


def test_a_missing_file_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(
        capsys, "stats", "--events", str(tmp_path / "none.jsonl"), "--employee", "e1"
    )
    assert (code, out) == (1, "")
    assert err.startswith("ringmon export: cannot read")
    assert err.count("\n") == 1


def test_a_file_without_any_valid_event_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_text("# nothing\n{}\n", encoding="utf-8")
    code, out, err = run(capsys, "stats", "--events", str(path), "--employee", "e1")
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == f"ringmon export: {path} holds no valid event"


def test_no_source_at_all(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RINGMON_URL", raising=False)
    code, _, err = run(capsys, "stats", "--employee", "e1")
    assert code == 2
    assert "give --events PATH, or --url URL" in err


def test_a_hub_without_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RINGMON_TOKEN", raising=False)
    code, _, err = run(capsys, "stats", "--employee", "e1", "--url", "http://127.0.0.1:9")
    assert code == 2
    assert "no access token" in err


def test_an_unreachable_hub(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGMON_TOKEN", "whatever")
    # Port 9 (discard) on loopback: nothing listens there in a test environment.
    code, out, err = run(capsys, "stats", "--employee", "e1", "--url", "http://127.0.0.1:9")
    assert (code, out) == (1, "")
    assert err.startswith("ringmon export: cannot reach the hub at http://127.0.0.1:9")
    assert err.count("\n") == 1


@pytest.mark.parametrize("what", ["timeline", "stats", "calls"])
def test_a_day_before_the_data_is_no_data_not_a_day_offline(
    capsys: pytest.CaptureFixture[str], what: str
) -> None:
    """The file begins on 24 March at 05:00: the 23rd is unknown, not 86,400 s offline."""
    argv = ["--events", R14, "--employee", "e1", "--tz", "Europe/Warsaw", "--now", NEXT_MORNING]
    code, out, err = run(capsys, what, *argv, "--period", "2026-03-23")
    assert (code, out) == (1, "")
    assert err == (
        "ringmon export: no data for Jan Kowalski in '2026-03-23' (2026-03-23 to 2026-03-23): "
        f"{R14} begins at 2026-03-24T05:00:00+01:00\n"
    )
    assert "86400" not in out
    # A period that reaches into the data is exported as before.
    code, out, err = run(capsys, what, *argv, "--period", "2026-03-23..2026-03-24")
    assert (code, err) == (0, "") and out.count("\n") >= 2


@pytest.mark.parametrize("what", ["timeline", "stats", "calls"])
def test_a_day_after_now_is_no_data_not_a_day_of_zeros(
    capsys: pytest.CaptureFixture[str], what: str
) -> None:
    """Now is the 25th in the morning: the 26th has not happened (it was a row of zeros, exit 0)."""
    argv = ["--events", R14, "--employee", "e1", "--tz", "Europe/Warsaw", "--now", NEXT_MORNING]
    code, out, err = run(capsys, what, *argv, "--period", "2026-03-26..2026-03-27")
    assert (code, out) == (1, "")
    assert err == (
        "ringmon export: no data for Jan Kowalski in '2026-03-26..2026-03-27' "
        "(2026-03-26 to 2026-03-27): that period has not begun "
        f"(now is 2026-03-25T08:00:00+01:00 for {R14})\n"
    )
    # Today, begun a few hours ago, is exported as before.
    code, out, err = run(capsys, what, *argv, "--period", "2026-03-25")
    assert (code, err) == (0, "") and out.count("\n") >= 1
