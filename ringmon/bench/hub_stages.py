"""The stages of the hub's ingest, each timed alone on the same frames (``bench hub``): what
one event costs to decode and validate, apply, book in the ledger, encode and store.

CPU time of this thread, best of a few runs: on a shared machine, wall time is mostly other
processes. The stages are the ones the hub's ``file:`` path takes (sources/file.py and
hub/intake/pipeline.py): each line parsed and validated once from its bytes (``parse_valid``), the
stored body written by pydantic-core's serializer, the store in batches the size of the
hub's flushes of a fast source. The cyclic garbage collector is set as in the hub's process
(ringmon/collector.py), and each event decoded is let go at once, as the hub lets go of a run of
lines once it is applied: with the default thresholds, a list of a day's events kept alive
costs the collector more than decoding them.
"""

from __future__ import annotations

import gc
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

FLUSH_BATCH = 10_000
"""Events per storage write in the stage timing: the hub cuts a backlog's batch (a fast file
source) at ``BACKLOG_BATCH`` events (hub/storage/store.py)."""


def best_of(
    repeat: int, fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter
) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = clock()
        fn()
        best = min(best, clock() - started)
    return best


def _cpu(repeat: int, fn: Callable[[], object]) -> float:
    """CPU seconds of this thread (best of ``repeat``): what a stage costs, whatever else the
    machine runs meanwhile."""
    return best_of(repeat, fn, time.thread_time)


def stage_times(frames: list[str], repeat: int, tz_name: str) -> list[tuple[str, float]]:
    """Seconds for all frames through each stage of the hub's ingest, alone (with the
    collector set as in the hub's process)."""
    from ringmon.collector import set_for_hub

    thresholds = gc.get_threshold()
    set_for_hub()
    try:
        return _stage_times(frames, repeat, tz_name)
    finally:
        gc.set_threshold(*thresholds)


def _stage_times(frames: list[str], repeat: int, tz_name: str) -> list[tuple[str, float]]:
    from ringmon.hub.intake.ledger import Ledger
    from ringmon.hub.intake.pipeline import dump_body
    from ringmon.hub.intake.validate import parse_valid
    from ringmon.hub.storage.database import Storage, WriteBatch
    from ringmon.model.state import State

    tz = ZoneInfo(tz_name)
    loads = json.loads
    lines = [f.encode() + b"\n" for f in frames]
    times: list[tuple[str, float]] = []
    times.append(("json.loads", _cpu(repeat, lambda: [loads(f) for f in frames])))

    def decode() -> None:
        for line in lines:
            parse_valid(line)

    times.append(("decode + validate", _cpu(repeat, decode)))
    events = [e for e in (parse_valid(f) for f in lines) if e is not None]

    def apply() -> None:
        state_apply = State(tz).apply
        for event in events:
            state_apply(event)

    times.append(("apply", _cpu(repeat, apply)))

    batches: list[WriteBatch] = []

    def apply_ledger() -> None:
        state = State(tz)
        ledger = Ledger()
        before, after, state_apply = ledger.before, ledger.after, state.apply
        batches.clear()
        batch = WriteBatch()
        for seq, event in enumerate(events, 1):
            pre = before(state, event)
            at = state_apply(event)
            batch.events.append((seq, at, event.type, ""))
            after(state, event, seq, pre, batch)
            if len(batch.events) >= FLUSH_BATCH:
                batch.seal()
                batches.append(batch)
                batch = WriteBatch()
        batch.seal()
        batches.append(batch)

    ledger_s = _cpu(repeat, apply_ledger) - times[-1][1]
    times.append(("ledger (before + after)", ledger_s))

    def encode() -> None:
        for seq, event in enumerate(events, 1):
            f'{{"seq":{seq},{dump_body(event)[1:]}'

    times.append(("encode body", _cpu(repeat, encode)))
    bodies = iter([f'{{"seq":{n},{dump_body(e)[1:]}' for n, e in enumerate(events, 1)])
    for batch in batches:
        batch.events = [(seq, at, kind, next(bodies)) for seq, at, kind, _ in batch.events]

    def store() -> None:
        folder = Path(tempfile.mkdtemp(prefix="ringmon-bench-store-"))
        try:
            storage = Storage(folder)
            for batch in batches:
                storage.write(batch)
            storage.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    times.append(("store (SQLite writes)", _cpu(max(1, repeat - 1), store)))
    return times
