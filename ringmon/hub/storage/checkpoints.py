"""Snapshots between the store's hourly ones, so that a replay never applies many events.

A replay (hub/serving/replay.py) starts from the newest snapshot before its moment and applies the
stored events after it. The store takes one every hour of event time (store.py); in a busy
hour that leaves up to an hour of events to apply (some 25,000 at 2,000 employees: most of a
replay's time). This room adds the ones in between, in a thread, off the event loop:

- every ``events_between`` seqs: the number of employees, at least ``MIN_EVENTS_BETWEEN``, so
  that the events after a snapshot cost at most about what reading the snapshot does (both
  grow with the floor's size). At 2,000 employees that is some 120 a day, each ~150 kB
  compressed: about a fifth more than the events themselves take, pruned with them;
- the hours the store has none for: the days a source loaded while catching up (the store
  takes one a day then, to keep the loading fast), a data folder from before snapshots, and
  past days written in bulk (hub/intake/backfill.py: none at all). As the store would have taken
  them: the state after the first event of the hour, at that event's time.

From the snapshot (or the base) before a stretch, the stored events are applied with the model
and a snapshot is written wherever a rule above asks for one. The stretch after the newest
snapshot is filled too (by the event rule only: the hours there are the store's), every
``FILL_EVERY`` seconds, going on from the state the last round ended with (kept in memory:
one state, as big as the live one). The work takes at most ``SHARE`` of a core: it pauses in
proportion to what it did, so the live hub keeps the CPU it needs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import tzinfo
from itertools import pairwise
from typing import TYPE_CHECKING

from ringmon.hub.storage.database import Storage, WriteBatch
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
FILL_EVERY = 60.0
"""Real seconds between two rounds (the stretch after the newest snapshot grows meanwhile)."""
MIN_EVENTS_BETWEEN = 1000
PAUSE_EVERY = 2000
"""Events applied between two pauses (and a pause after each snapshot written)."""
SHARE = 0.25
"""The most of one core the filling takes: it rests ``(1 - SHARE) / SHARE`` times as long as
it worked since its last rest."""
MAX_PAUSE = 2.0


def events_between(employees: int) -> int:
    """The most seqs between two snapshots on a floor of ``employees``."""
    return max(MIN_EVENTS_BETWEEN, employees)


def _hour(at: float, interval: float) -> int:
    return math.floor(at / interval)


@dataclass(frozen=True, slots=True)
class Stretch:
    """Events ``start`` < seq <= ``end`` between two snapshots (or the base), to fill in.
    ``start_at``: the snapshot's time at ``start`` (None: the base, or nothing); ``end_at``:
    the time of the snapshot at ``end + 1`` (None: the stretch after the newest one)."""

    start: int
    start_at: float | None
    end: int
    end_at: float | None


def stretches(
    kept: list[tuple[int, float]],
    base_seq: int,
    first_at: float | None,
    last_seq: int,
    interval: float,
    every: int | None,
) -> list[Stretch]:
    """The stretches with a snapshot missing: more than ``every`` seqs long (None: no such
    rule), or with a whole hour of event time without one (not after the newest)."""
    anchors = [(seq, at) for seq, at in kept if seq > base_seq]
    out: list[Stretch] = []
    if not anchors:
        if every is not None and last_seq - base_seq > every:
            out.append(Stretch(base_seq, None, last_seq, None))
        return out
    first_seq, first_kept_at = anchors[0]
    hours_before = first_at is not None and (
        _hour(first_kept_at, interval) - _hour(first_at, interval) >= 1
    )
    if hours_before or (every is not None and first_seq - 1 - base_seq > every):
        out.append(Stretch(base_seq, None, first_seq - 1, first_kept_at))
    for (seq, at), (later_seq, later) in pairwise(anchors):
        hour_missing = _hour(later, interval) - _hour(at, interval) > 1
        if hour_missing or (every is not None and later_seq - 1 - seq > every):
            out.append(Stretch(seq, at, later_seq - 1, later))
    newest_seq, newest_at = anchors[-1]
    if every is not None and last_seq - newest_seq > every:
        out.append(Stretch(newest_seq, newest_at, last_seq, None))
    return out


class _Pacer:
    """Rests so that the work takes at most ``share`` of a core (1: no rest)."""

    def __init__(self, share: float, stop: threading.Event | None) -> None:
        self._share = share
        self._stop = stop if stop is not None else threading.Event()
        self._since = time.perf_counter()

    def rest(self) -> None:
        """Rest in proportion to the work since the last rest (a stop ends it at once)."""
        if self._share >= 1.0:
            return
        worked = time.perf_counter() - self._since
        self._stop.wait(min(MAX_PAUSE, worked * (1 - self._share) / self._share))
        self._since = time.perf_counter()


class SnapshotFiller:
    """Writes the missing snapshots, a round at a time (``fill``: synchronous, in a thread)."""

    def __init__(
        self,
        storage: Storage,
        tz: tzinfo,
        tz_name: str,
        interval: float,
        every: int | None,
        share: float = SHARE,
    ) -> None:
        """``every``: the most seqs between two snapshots (None: the hours only); ``share``:
        the most of a core to take (1: all it can, for a benchmark)."""
        self.storage = storage
        self.share = share
        self.tz = tz
        self.tz_name = tz_name
        self.interval = interval
        self.every = every
        self._held: tuple[int, State] | None = None
        """The state at a seq after the newest snapshot, where the last round ended."""

    def forget(self) -> None:
        """Drop the state kept from the last round (the stored events changed under it)."""
        self._held = None

    def missing(self) -> list[Stretch]:
        """The stretches with snapshots missing now."""
        return self._stretches(self.storage.snapshot_times(), self.storage.base()[0])

    def _stretches(self, kept: list[tuple[int, float]], base_seq: int) -> list[Stretch]:
        storage = self.storage
        first = storage.events_batch(base_seq, None, 1)
        first_at = parse_event(first[0][1]).ts.timestamp() if first else None
        last_seq = storage.last_seq()
        return stretches(kept, base_seq, first_at, last_seq, self.interval, self.every)

    def fill(self, stop: threading.Event | None = None) -> int:
        """Write the snapshots missing now; returns how many. ``stop`` ends it between two
        events."""
        storage = self.storage
        kept = storage.snapshot_times()
        base_seq, base_body = storage.base()
        held = self._held
        if held is not None and held[0] < max((seq for seq, _ in kept), default=base_seq):
            held = self._held = None  # the store's own snapshots went past it
        pacer = _Pacer(self.share, stop)
        written = 0
        every = self.every
        for stretch in self._stretches(kept, base_seq):
            if stretch.end_at is None and held is not None and held[0] >= stretch.start:
                start, state = held
                last_snapshot = stretch.start
            else:
                start, last_snapshot = stretch.start, stretch.start
                loaded = self._state_at(stretch, base_body)
                if loaded is None:
                    continue
                state = loaded
            hour = _hour(state.clock, self.interval) if state.clock else None
            end_hour = None if stretch.end_at is None else _hour(stretch.end_at, self.interval)
            applied = 0
            for rows in storage.iter_events(start, stretch.end, batch=5000):
                for seq, body in rows:
                    if stop is not None and stop.is_set():
                        return written
                    try:
                        state.apply(parse_event(body))
                    except EventRejected as exc:
                        log.error("stored event %d does not apply again: %s", seq, exc.reason)
                        continue
                    now_hour = _hour(state.clock, self.interval)
                    new_hour = (hour is None or now_hour > hour) and (
                        end_hour is not None and now_hour < end_hour
                    )
                    hour = now_hour if hour is None else max(hour, now_hour)
                    many = (
                        every is not None
                        and seq - last_snapshot >= every
                        and (stretch.end_at is None or stretch.end + 1 - seq >= every // 4)
                    )
                    if new_hour or many:
                        doc = snapshot_json(state, state.clock, 1.0, self.tz_name).decode()
                        storage.write(WriteBatch(snapshot=(seq, state.clock, doc)))
                        written += 1
                        last_snapshot = seq
                        pacer.rest()
                    applied += 1
                    if applied % PAUSE_EVERY == 0:
                        pacer.rest()
            if stretch.end_at is None:
                self._held = (stretch.end, state)
        return written

    def _state_at(self, stretch: Stretch, base_body: str | None) -> State | None:
        """The state at the stretch's start: its snapshot, or the base (or nothing)."""
        if stretch.start_at is None:
            if base_body is None:
                return State(self.tz)
            return state_from_snapshot(SnapshotDoc.model_validate_json(base_body), self.tz)
        found = self.storage.snapshot_before(stretch.start_at)
        if found is None or found[0] != stretch.start:
            return None
        return SnapshotReading(found[2]).state(self.tz)


def fill_gaps(
    storage: Storage,
    tz: tzinfo,
    tz_name: str,
    interval: float,
    stop: threading.Event | None = None,
    every: int | None = None,
) -> int:
    """One round of ``SnapshotFiller``: the hours without a snapshot before the newest one,
    and with ``every``, the stretches longer than that many seqs; returns how many written."""
    return SnapshotFiller(storage, tz, tz_name, interval, every).fill(stop)


async def _caught_up(hub: Hub) -> bool:
    """Wait until no source is catching up and no past days load; whether it had to wait."""
    waited = False
    while hub.catching_up or hub.history_progress() is not None:
        # Sources replaying history, or past days still being written in bulk (backfill.py:
        # they come with no snapshot, and lower seqs than what is already stored).
        waited = True
        await hub.wait_caught_up(5.0)
        await asyncio.sleep(1.0)
    return waited


async def fill_when_caught_up(hub: Hub) -> None:
    """Once every source has caught up, fill the snapshots in, then again every
    ``FILL_EVERY`` seconds (in a thread, stoppable)."""
    if not hub.snapshot_interval:
        return
    await _caught_up(hub)
    await asyncio.sleep(FILL_AFTER_SECONDS)
    filler: SnapshotFiller | None = None
    while True:
        storage = hub.storage
        if storage is None:
            return
        every = events_between(len(hub.state.employees))
        if filler is None or filler.storage is not storage or filler.every != every:
            filler = SnapshotFiller(storage, hub.tz, hub.tz_name, hub.snapshot_interval, every)
        stop = threading.Event()
        job = asyncio.ensure_future(asyncio.to_thread(filler.fill, stop))
        try:
            written = await asyncio.shield(job)
        except asyncio.CancelledError:
            stop.set()
            await asyncio.wait([job])
            raise
        except (sqlite3.Error, OSError):
            log.exception("filling in snapshots failed; replays start further back")
            filler.forget()
            written = 0
        if written:
            log.info("snapshots: %d filled in between the store's own", written)
        await asyncio.sleep(FILL_EVERY)
        if await _caught_up(hub):
            filler.forget()
