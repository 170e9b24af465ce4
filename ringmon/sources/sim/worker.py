"""The simulator's stream made in a process of its own, on the machine's other core.

Making the stream (every team's day plans and calls, ``raw_window``) is a third of what an
event costs a hub that takes today's backlog or the past days in bulk; a thread would share
the hub's GIL, a process does not. So for a big roster (``WORKER_FROM``) the hub starts a
Python process running ``main`` here with the window's parameters: it writes the raw items
(``(ts, payload)``, plain tuples) to its stdout in frames (a 4-byte length, then ``marshal``
of a list of ``CHUNK`` items; an empty frame says the window ended), and the hub turns them
into events (``to_event``) as the in-process stream does: the same events in the same order
(tests/sim/test_worker.py).

Bounded: the pipe's capacity (``PIPE_BYTES``) is how far ahead the worker runs; an endless
(live) stream waits in its blocked write while the hub waits for its clock. The worker ends
when the window does, or when the hub closes the pipe or dies (its next write fails), so it
never outlives the hub by more than one chunk's making.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import marshal
import math
import os
import signal
import struct
import subprocess
import sys
from collections.abc import Iterator
from typing import IO, Any
from zoneinfo import ZoneInfo

from ringmon.sources.sim.stream import RawItem, raw_window

WORKER_FROM = 300
"""Rosters from this size make their stream in a worker process (for smaller ones, starting
a Python process costs more than the stream: 1,600 events a day at 40 employees)."""
CHUNK = 1000
"""Raw items per frame."""
PIPE_BYTES = 1 << 20
"""The pipe's capacity asked for (Linux): some 16 frames made ahead."""
_LENGTH = struct.Struct("<I")
_MAIN = "import sys; from ringmon.sources.sim.worker import main; sys.exit(main(sys.argv[1:]))"
"""The worker's program (``-m`` would import this module twice: the package imports it)."""
_F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Python 3.10+ on Linux, spelled out for the others)


class WorkerFailed(RuntimeError):
    """The worker process stopped before the end of its window."""


def zone_name(tz: object) -> str | None:
    """The IANA name a worker can rebuild ``tz`` from; None if it has none."""
    key = getattr(tz, "key", None) if isinstance(tz, ZoneInfo) else None
    return key if isinstance(key, str) and key else None


def worker_window(
    employees: int,
    seed: int,
    tz_name: str,
    *,
    start: float | None = None,
    after: float | None = None,
    end: float = math.inf,
    condense_offline: bool = False,
    now: float | None = None,
) -> Iterator[RawItem]:
    """``raw_window(build_roster(employees, seed), seed, ZoneInfo(tz_name), ...)``, made by a
    worker process. Closing the iterator (or dropping it) stops the worker."""
    params = {
        "employees": employees,
        "seed": seed,
        "tz": tz_name,
        "start": start,
        "after": after,
        "end": None if math.isinf(end) else end,
        "condense_offline": condense_offline,
        "now": now,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _MAIN, json.dumps(params)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    with contextlib.suppress(OSError):
        fcntl.fcntl(child.stdout.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)
    try:
        yield from _frames(child.stdout, child)
    finally:
        child.stdout.close()  # a worker blocked in a write gets EPIPE and ends
        if child.poll() is None:
            child.kill()
        child.wait()


def _frames(pipe: IO[bytes], child: subprocess.Popen[bytes]) -> Iterator[RawItem]:
    read = pipe.read
    loads = marshal.loads
    while True:
        head = read(4)
        if len(head) < 4:
            code = child.wait()
            raise WorkerFailed(
                f"the simulator's worker process stopped (exit code {code}) before the end "
                "of its window"
            )
        (size,) = _LENGTH.unpack(head)
        if size == 0:
            return
        body = read(size)
        if len(body) < size:
            continue  # the next read finds the end of the pipe and says so
        yield from loads(body)


def _run(params: dict[str, Any]) -> None:
    """The worker's side: the window's raw items to stdout, in frames."""
    from ringmon.sources.sim.roster import build_roster

    end = params["end"]
    window = raw_window(
        build_roster(int(params["employees"]), int(params["seed"])),
        int(params["seed"]),
        ZoneInfo(params["tz"]),
        start=params["start"],
        after=params["after"],
        end=math.inf if end is None else float(end),
        condense_offline=bool(params["condense_offline"]),
        now=params["now"],
    )
    out = sys.stdout.buffer
    pack, dumps = _LENGTH.pack, marshal.dumps
    chunk: list[RawItem] = []
    for item in window:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            body = dumps(chunk)
            out.write(pack(len(body)) + body)
            out.flush()
            chunk = []
    if chunk:
        body = dumps(chunk)
        out.write(pack(len(body)) + body)
    out.write(pack(0))
    out.flush()


def main(argv: list[str]) -> int:
    # The hub stops it (closing the pipe): a Ctrl-C meant for the hub's terminal is not ours.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _run(json.loads(argv[0]))
    except BrokenPipeError:
        # The hub closed the pipe (it has what it wanted, or it stopped): nothing to say.
        # What is left in stdout's buffer goes nowhere at exit (not a second error).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0
