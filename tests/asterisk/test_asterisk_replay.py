"""``ringmon asterisk replay TAPFILE [--ami-only]`` on taps recorded in the lab.

fixtures/e2e-frames.jsonl (ARI+AMI) and fixtures/e2e-ami-frames.jsonl (AMI alone) are one run
of the end-to-end test seen by two hubs at once.
"""

from __future__ import annotations

import io
import json
from argparse import Namespace
from collections import Counter
from pathlib import Path

import pytest

from ringmon.cli import build_parser
from ringmon.model.schema import CallRing, parse_event
from ringmon.sources.asterisk.replay import run_replay

FIXTURES = Path(__file__).parent / "fixtures"
ARI_TAP = FIXTURES / "e2e-frames.jsonl"
AMI_TAP = FIXTURES / "e2e-ami-frames.jsonl"


def _replay(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    args = build_parser().parse_args(["asterisk", "replay", *argv])
    out = io.StringIO()
    code = run_replay(args, out)
    return code, out.getvalue().splitlines(), capsys.readouterr().err


@pytest.mark.parametrize(
    ("tap", "ami_only", "count"),
    [(ARI_TAP, False, 38), (AMI_TAP, True, 38), (AMI_TAP, False, 20), (ARI_TAP, True, 20)],
)
def test_replay_prints_the_feed_events_of_a_lab_tap(
    tap: Path, ami_only: bool, count: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """In its own mode each tap maps to the whole story; in the other one, to the accounts
    and devices only (the ARI tap has no AMI channel events; AMI-only skips ARI frames)."""
    code, lines, err = _replay([str(tap), *(["--ami-only"] if ami_only else [])], capsys)
    assert (code, err) == (0, "")
    events = [parse_event(line) for line in lines]  # every line a valid feed event
    assert len(events) == count
    kinds = Counter(e.type for e in events)
    if count == 38:
        assert kinds["call.ring"] == kinds["call.end"] == 6 and kinds["call.answer"] == 2
        answer_rings = [e for e in events if isinstance(e, CallRing) and e.remote == "200"]
        assert [e.account for e in answer_rings] == ["101"]
    else:
        assert "call.ring" not in kinds and kinds["device.status"] > 0


def test_replay_names_bad_lines_and_maps_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = AMI_TAP.read_text().splitlines()
    tap = tmp_path / "tap.jsonl"
    bad = [
        "not json",
        "[1, 2]",
        json.dumps({"src": "sip", "t": 1, "frame": {}}),
        json.dumps({"src": "ami", "t": "noon", "frame": {}}),
        json.dumps({"src": "ami", "t": 1}),
    ]
    tap.write_text("\n".join([good[0], *bad, *good[1:]]) + "\n")
    code, lines, err = _replay([str(tap), "--ami-only"], capsys)
    assert code == 1
    assert len(lines) == 38  # nothing good was lost
    for number, why in ((2, "not JSON"), (3, "not a JSON object"), (4, "'src' is 'sip'"),
                        (5, "'t' is not a number"), (6, "no 'frame'")):  # fmt: skip
        assert f"{tap}:{number}: skipped: {why}" in err


def test_replay_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = _replay([str(tmp_path / "nope.jsonl")], capsys)
    assert (code, lines) == (2, [])
    assert "cannot read" in err and "nope.jsonl" in err


def test_replay_counts_frames_the_mapper_cannot_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tap = tmp_path / "tap.jsonl"
    tap.write_text(json.dumps({"src": "ami", "t": 1.0, "frame": {"Event": "Hangup"}}) + "\n")
    code, lines, err = _replay([str(tap), "--ami-only"], capsys)
    assert (code, lines) == (0, [])
    assert "1 malformed" in err


def test_replay_args() -> None:
    args = build_parser().parse_args(["asterisk", "replay", "t.jsonl", "--ami-only"])
    assert args == Namespace(**{**vars(args), "tapfile": "t.jsonl", "ami_only": True})
