"""``ringmon asterisk replay TAPFILE [--ami-only]``: the feed events a tap file maps to.

A tap file (``tap=FILE`` in the source spec) holds one JSON object a line,
``{"src": ..., "t": ..., "frame": ...}`` (docs/sources/asterisk.md): what the source
received, as received, and when. Replaying it through the same mapper reproduces what the hub
made of it, without the PBX: a bug report needs only the tap. The mapper has no directory
here, so every endpoint is shown as an employee of its own (``asterisk:<endpoint>``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from ringmon.model.schema import Event, dump_event
from ringmon.sources.asterisk.mapping import AsteriskMapper, ContactInfo, Snapshot

TAP_KINDS = frozenset({"snapshot", "ari", "ami", "user_agent"})


class BadTapLine(ValueError):
    """A line that is not a tap record; the message says why."""


def read_record(line: str) -> tuple[str, float, object]:
    """``(src, t, frame)`` of one tap line; BadTapLine when it is not one."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise BadTapLine(f"not JSON ({exc})") from None
    if not isinstance(record, dict):
        raise BadTapLine("not a JSON object")
    kind, at = record.get("src"), record.get("t")
    if kind not in TAP_KINDS:
        raise BadTapLine(f"'src' is {kind!r}, not one of {', '.join(sorted(TAP_KINDS))}")
    if not isinstance(at, int | float) or isinstance(at, bool):
        raise BadTapLine("'t' is not a number (seconds since the epoch)")
    if "frame" not in record:
        raise BadTapLine("no 'frame'")
    return str(kind), float(at), record["frame"]


def replay(records: Iterable[tuple[str, float, object]], mapper: AsteriskMapper) -> Iterator[Event]:
    """Feed tap records to ``mapper`` as the source does; yield the events it makes.

    An AMI-only mapper (``ami_calls=True``) skips ARI frames (a tap recorded with ARI on holds
    both; the AMI ones then carry the calls only if AMI sent channel events)."""
    for kind, at, frame in records:
        if kind == "snapshot":
            if not isinstance(frame, dict):
                mapper.ignored["malformed"] += 1
                continue
            try:
                snap = Snapshot.from_dict(frame)
            except (TypeError, ValueError, AttributeError, IndexError):
                mapper.ignored["malformed"] += 1
                continue
            events = mapper.resync(snap, at)
        elif kind == "user_agent":
            try:
                mapper.learn_contacts([ContactInfo(**frame)])  # type: ignore[arg-type]
            except TypeError:
                mapper.ignored["malformed"] += 1
            continue
        elif kind == "ari":
            if mapper.ami_calls:
                continue
            events = mapper.ari(frame, at)
        else:
            events = mapper.ami(frame, at)
        yield from events
        yield from mapper.tick(at)


def run_replay(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the events of ``args.tapfile`` as JSONL; 2 when the file cannot be read, 1 when
    some lines were not tap records (each named on stderr), else 0."""
    out = sys.stdout if out is None else out
    path = Path(args.tapfile)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        print(
            f"ringmon asterisk replay: cannot read {path}: {exc.strerror or exc}", file=sys.stderr
        )
        return 2
    bad = 0

    def records() -> Iterator[tuple[str, float, object]]:
        nonlocal bad
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield read_record(line)
            except BadTapLine as exc:
                bad += 1
                print(f"{path}:{number}: skipped: {exc}", file=sys.stderr)

    mapper = AsteriskMapper(ami_calls=args.ami_only)
    try:
        for event in replay(records(), mapper):
            out.write(dump_event(event) + "\n")
        out.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if mapper.ignored:
        counts = ", ".join(f"{n} {what}" for what, n in sorted(mapper.ignored.items()))
        print(f"{path}: frames the mapper could not use: {counts}", file=sys.stderr)
    return 1 if bad else 0
