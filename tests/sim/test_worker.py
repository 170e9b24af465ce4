"""The stream made in a worker process (sources/sim/worker.py) is the in-process stream: the
same events in the same order, fresh or resumed; the worker stops when its stream is closed."""

from __future__ import annotations

import itertools
import math

import pytest
from sim_helpers import MONDAY, WARSAW, midnight

from ringmon.model.schema import dump_event
from ringmon.sources.sim import SimSource
from ringmon.sources.sim.worker import WorkerFailed, _frames, worker_window

START = midnight(MONDAY)


def _lines(source: SimSource, **window: float | bool) -> list[str]:
    return [f"{at!r} {dump_event(event)}" for at, event in source.stream(WARSAW, **window)]


@pytest.mark.parametrize(
    "window",
    [
        {"start": START + 11 * 3600, "end": START + 30 * 3600},
        {"start": START, "end": START + 86_400, "condense_offline": True},
        {"after": START + 15 * 3600, "now": START + 15 * 3600 + 7, "end": START + 20 * 3600},
    ],
)
def test_the_worker_makes_the_same_events(window: dict[str, float | bool]) -> None:
    here = _lines(SimSource(60, seed=4, worker=False), **window)
    there = _lines(SimSource(60, seed=4, worker=True), **window)
    assert len(here) > 1000
    assert there == here


def test_an_endless_stream_stops_its_worker_when_closed() -> None:
    stream = worker_window(30, 2, "Europe/Warsaw", start=START, end=math.inf)
    first = list(itertools.islice(stream, 5000))
    assert len(first) == 5000 and first == sorted(first, key=lambda item: item[0])
    frame = stream.gi_frame
    assert frame is not None
    child = frame.f_locals["child"]
    assert child.poll() is None  # waiting in its write, the pipe full
    stream.close()
    assert child.poll() is not None


def test_a_worker_that_dies_is_an_error_not_an_end() -> None:
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'\\x05'); sys.exit(3)"],
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    with pytest.raises(WorkerFailed, match="exit code 3"):
        list(_frames(child.stdout, child))
    child.stdout.close()
