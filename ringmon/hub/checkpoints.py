"""Hourly snapshots where the store has none: a data folder from before them, the days a
source loaded while catching up (the store takes one a day then, to keep the loading fast),
and past days written in bulk (hub/backfill.py: none at all).

A replay (hub/replay.py) starts from the newest snapshot before its moment: with one every
hour it applies at most an hour of events. The store takes them as events come; this fills
the gaps it left, once the hub has caught up, in a thread and a gap at a time: from the
snapshot (or the base) before a gap, the stored events are applied with the model, and a
snapshot is written each time event time crosses an hour, exactly as the store would have
(the state after the first event of the hour, at that event's time). The gap after the
newest snapshot is the store's own: it is never touched here.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import threading
import time
from datetime import tzinfo
from itertools import pairwise
from typing import TYPE_CHECKING

from ringmon.hub.storage import Storage, WriteBatch
from ringmon.model.schema import parse_event
from ringmon.model.snapshot_reader import SnapshotReading
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.model.state import EventRejected, State
from ringmon.model.wire import SnapshotDoc, state_from_snapshot

if TYPE_CHECKING:
    from ringmon.hub.core import Hub

log = logging.getLogger("ringmon.hub")

FILL_AFTER_SECONDS = 30.0
"""How long after the hub has caught up the filling starts (real seconds): not while the first
clients take their snapshots."""
PAUSE_EVERY = 2000
"""Events applied between two short pauses, so that the live hub keeps its share of the CPU."""
PAUSE_SECONDS = 0.005


def _hour(at: float, interval: float) -> int:
    return math.floor(at / interval)


def gaps(
    kept: list[tuple[int, float]], base_seq: int, first_at: float | None, interval: float
) -> list[tuple[int, float | None]]:
    """(seq, at) of the snapshots after which the next one is more than an hour of event time
    away: each starts a gap. ``(base_seq, None)`` for the events before the first snapshot
    (from the base, or from nothing), when they span more than an hour from ``first_at``, the
    first stored event's time. The newest snapshot is never a start: after it is the store's."""
    anchors = [(seq, at) for seq, at in kept if seq > base_seq]
    if not anchors:
        return []
    starts: list[tuple[int, float | None]] = []
    if first_at is not None and _hour(anchors[0][1], interval) - _hour(first_at, interval) >= 1:
        starts.append((base_seq, None))
    for (seq, at), (_, later) in pairwise(anchors):
        if _hour(later, interval) - _hour(at, interval) > 1:
            starts.append((seq, at))
    return starts


def fill_gaps(
    storage: Storage,
    tz: tzinfo,
    tz_name: str,
    interval: float,
    stop: threading.Event | None = None,
) -> int:
    """Write the hourly snapshots missing before the newest one; returns how many.
    Synchronous (run it in a thread); ``stop`` ends it between two events."""
    kept = storage.snapshot_times()
    base_seq, base_body = storage.base()
    first = storage.events_batch(base_seq, None, 1)
    first_at = parse_event(first[0][1]).ts.timestamp() if first else None
    written = 0
    for start, start_at in gaps(kept, base_seq, first_at, interval):
        end = next(seq for seq, _ in kept if seq > start)
        if start_at is None:
            state = (
                State(tz)
                if base_body is None
                else state_from_snapshot(SnapshotDoc.model_validate_json(base_body), tz)
            )
        else:
            found = storage.snapshot_before(start_at)
            if found is None or found[0] != start:
                continue
            state = SnapshotReading(found[2]).state(tz)
        hour = _hour(state.clock, interval) if state.clock else None
        applied = 0
        for rows in storage.iter_events(start, end - 1, batch=5000):
            for seq, body in rows:
                if stop is not None and stop.is_set():
                    return written
                try:
                    state.apply(parse_event(body))
                except EventRejected as exc:
                    log.error("stored event %d does not apply again: %s", seq, exc.reason)
                    continue
                now_hour = _hour(state.clock, interval)
                if hour is None or now_hour > hour:
                    hour = now_hour
                    doc = snapshot_json(state, state.clock, 1.0, tz_name).decode()
                    storage.write(WriteBatch(snapshot=(seq, state.clock, doc)))
                    written += 1
                applied += 1
                if applied % PAUSE_EVERY == 0:
                    time.sleep(PAUSE_SECONDS)
    return written


async def fill_when_caught_up(hub: Hub) -> None:
    """Once every source has caught up, fill the snapshot gaps (in a thread, stoppable)."""
    if not hub.snapshot_interval:
        return
    while hub.catching_up or hub.history_progress() is not None:
        # Sources replaying history, or past days still being written in bulk (backfill.py:
        # they come with no snapshot, and lower seqs than what is already stored).
        await hub.wait_caught_up(5.0)
        await asyncio.sleep(1.0)
    await asyncio.sleep(FILL_AFTER_SECONDS)
    storage = hub.storage
    if storage is None:
        return
    stop = threading.Event()
    job = asyncio.ensure_future(
        asyncio.to_thread(fill_gaps, storage, hub.tz, hub.tz_name, hub.snapshot_interval, stop)
    )
    try:
        written = await asyncio.shield(job)
    except asyncio.CancelledError:
        stop.set()
        await asyncio.wait([job])
        raise
    except (sqlite3.Error, OSError):
        log.exception("filling in hourly snapshots failed; replays start further back")
        return
    if written:
        log.info("hourly snapshots: %d filled in where the store had none", written)
