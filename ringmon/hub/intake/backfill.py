# mypy: disable-error-code="misc"
"""Past days written in bulk, while today is served (a room of ``Hub``).

A source that can make its history apart from today (the simulator: no call is in progress at
a local midnight, so today can start from a state of its own) does three things on an empty
hub:

1. ``reserve_history(count)``: the seqs ``1..count`` are kept for the history (``count`` is
   an upper bound of its events); today's events are numbered after them. So **seq order
   stays time order**: every history event is older than every event of today.
2. today up to now through the live path, in bulk (``load_backlog``: each event is taken as
   ``emit`` takes it, a chunk at a time): first rows are served as soon as today is in.
3. ``load_history(events)``: the past days' events are applied to a state of their own (the
   ledger says whom each concerns, as for live events), numbered from 1 up and written in
   large transactions with where the load got to. They are not sent to feed clients (a
   client's snapshot is today's state: the history is before it); the heartbeat and
   ``/v1/health`` say how far the load is (``loading``). Reserved seqs left unused are a gap:
   seq is strictly increasing, not contiguous (docs/feed-protocol.md).

A hub stopped during the load (SIGTERM, SIGKILL, power loss) finishes it after a restart:
the ``meta`` row ``hub:history`` says which source's history it is, its window and how far
its commits got. On opening (``resume_history_at_open``), the day the load was in is dropped
(its events, links, call-log rows: the simulator's days start with no call in progress, a
mid-day cut would not) and the source is offered the rest (``history_to_resume``): it loads
from that day's midnight to the end of the window into the seqs still kept, so seq order
stays time order and every day is there once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ringmon.hub.intake.ledger import Ledger
from ringmon.hub.intake.pipeline import dump_body
from ringmon.hub.shared import DAY, HubShared
from ringmon.hub.storage.database import Storage, WriteBatch
from ringmon.hub.storage.store import STORAGE_RETRY
from ringmon.model.no_collection import no_collection
from ringmon.model.period import day_bounds, local_date
from ringmon.model.schema import Event, dump_event, with_seq_ts
from ringmon.model.state import EventRejected, State
from ringmon.model.wire import to_dt
from ringmon.retry import Lost

if TYPE_CHECKING:
    from ringmon.hub.core import Hub

log = logging.getLogger("ringmon.hub")

HISTORY_KEY = "hub:history"
"""The ``meta`` row saying how far the history load got: ``{"next": seq, "upto": seq,
"source": name, "start": t, "end": t, "done": bool}`` (``next``: the first seq not yet
committed; ``upto``: the last seq kept; the window ``[start, end)`` in epoch seconds)."""
HISTORY_BATCH = 10_000
"""History events per transaction."""
HISTORY_CHUNK = 500
"""History events made (in a worker thread) and applied (on the loop) at a time."""
HISTORY_WAIT = 3.0
"""How long (s) the past days' load waits for today's first snapshot to be served: the clients
waiting for their first rows get them before the load takes its share of the loop and CPU."""
BACKLOG_CHUNK = 1000
"""Events of a backlog (today up to now) made in a worker thread and taken on the loop at a
time: some 15 ms of the loop's time, so health and heartbeats keep answering."""
BACKLOG_BATCH = 20_000
"""Backlog events per transaction (the flush loop leaves a backlog's events to it): a commit
of 1,000 events (what 50 ms of a backlog makes) costs twice as much per event."""


class Backfill(HubShared):
    """The seqs reserved for a history, and its load."""

    def reserve_history(
        self: Hub, count: int, *, start: float, end: float, source: str = ""
    ) -> bool:
        """Keep seqs ``1..count`` for a history from ``start`` to before ``end``, loaded
        later (``load_history``): today's events are numbered after them, and the hub says
        it loads that history until it is loaded (or ``drop_history``). Only on an empty
        hub; whether it was done."""
        if self.cluster is not None:  # the shared log numbers events itself (hub/log/)
            return False
        if count <= 0 or self._seq != 0 or self.base_seq != 0 or self._pending.events:
            return False
        self._seq = self.state.seq = count
        self._history_next, self._history_upto = 1, count
        self._history_span = (start, end, start)
        self._history_window = (start, end)
        self._history_source = source
        self._pending.meta[HISTORY_KEY] = self._history_meta(1)
        log.info("seqs 1 to %d kept for the history; today is numbered after them", count)
        return True

    def drop_history(self: Hub) -> None:
        """The source will not load the history it reserved (it stopped before)."""
        self._history_span = None

    def _history_meta(self: Hub, next_seq: int, *, done: bool = False) -> str:
        start, end = self._history_window
        fields = {"next": next_seq, "upto": self._history_upto, "start": start, "end": end}
        return json.dumps({**fields, "source": self._history_source, "done": done})

    def resume_history_at_open(self: Hub, storage: Storage) -> None:
        """At opening, before the state is rebuilt: a history load that a stop cut short is
        taken up where its last whole day ends (the day it was in is dropped), to be finished
        by its source (``history_to_resume``). Today's events are numbered after the seqs
        kept whatever happens. A reservation with nothing of today stored is forgotten (the
        source starts afresh: nothing was served from it)."""
        raw = storage.meta(HISTORY_KEY)
        try:
            saved: dict[str, Any] = json.loads(raw) if raw is not None else {}
            next_seq, upto = int(saved["next"]), int(saved["upto"])
        except (ValueError, TypeError, KeyError):
            return
        if saved.get("done") or next_seq > upto:
            self._history_upto = upto
            return
        if storage.last_seq() <= upto:
            # Nothing of today was stored: the source finds a hub holding only past days (or
            # nothing) and goes on from the newest of them through the live path.
            if storage.last_seq() == 0:
                storage.drop_history_from(1, upto, None)
            return
        try:
            start, end = float(saved["start"]), float(saved["end"])
            source = str(saved["source"])
        except (ValueError, TypeError, KeyError):
            log.warning("the past days' load was cut short; this data folder cannot finish it")
            return
        newest = storage.last_ts_upto(next_seq - 1)
        day = (
            start
            if newest is None
            else max(start, day_bounds(local_date(newest, self.tz), self.tz)[0])
        )
        first = storage.drop_history_from(day, upto, end) or next_seq
        first = min(first, next_seq)
        self._history_upto = upto
        self._history_next = first
        self._history_window = (start, end)
        self._history_source = source
        self._history_resume = (source, day)
        log.info(
            "the past days' load was cut short: it goes on from %s (seq %d)",
            to_dt(day).isoformat(),
            first,
        )

    def history_to_resume(self: Hub, source: str) -> tuple[float, float] | None:
        """For ``source``: the part of its history a stop cut short, ``(from, end)`` (from a
        local midnight to the window's end), to load with ``load_history``; None if none."""
        resume = self._history_resume
        if resume is None or resume[0] != source:
            return None
        return resume[1], self._history_window[1]

    def loading_history_at(self: Hub, at: float) -> bool:
        """Whether the moment ``at`` is among the past days still being loaded in bulk."""
        return self._history_span is not None and at < self._history_span[1]

    def history_loading(self: Hub) -> tuple[float, float, float] | None:
        """(until, days loaded, days to load) while past days are loaded in bulk: what a
        history reads of the time before ``until`` is not complete yet."""
        progress = self.history_progress()
        if progress is None:
            return None
        return self._history_window[1], progress[0], progress[1]

    def history_progress(self: Hub) -> tuple[float, float] | None:
        """(days loaded, days to load) while a history loads, else None."""
        if self._history_span is None:
            # A load a stop cut short, while the source that finishes it runs.
            if self._history_resume is None or self._history_resume[0] not in self.source_status:
                return None
            (start, end), at = self._history_window, self._history_resume[1]
        else:
            start, end, at = self._history_span
        return max(at - start, 0.0) / DAY, max(end - start, 0.0) / DAY

    async def load_history(
        self: Hub, events: Iterable[Event], *, source: str, start: float, end: float
    ) -> int:
        """Apply, number and store the history kept by ``reserve_history`` (events from
        ``start`` to before ``end``, in time order); returns how many were stored."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HISTORY_WAIT):
                await self._snapshot_served.wait()
        await self.range_stored()  # today first (backlog.py): live events wait for it
        state = State(self.tz)
        ledger = Ledger()
        upto = self._history_upto
        seq = self._history_next - 1
        self._history_source = source
        origin = self._history_window[0] if self._history_resume is not None else start
        self._history_window = (origin, end)
        self._history_resume = None
        self._history_span = (origin, end, start)
        stored = 0
        stream = iter(events)
        started = time.monotonic()
        batch = WriteBatch()
        writing: asyncio.Future[None] | None = None
        # The events are made in a worker thread, a chunk ahead of the one applied here: a
        # source making a day's events (plans for every employee) never holds up the loop.
        making = asyncio.ensure_future(asyncio.to_thread(_chunk, stream))
        try:
            while True:
                chunk = await making
                making = asyncio.ensure_future(asyncio.to_thread(_chunk, stream))
                # Row ids from the one counter the live path uses too.
                ledger.next_call_id = max(ledger.next_call_id, self.ledger.next_call_id)
                last = not chunk
                # No cyclic collection while a chunk is taken: the collector's passes would go
                # through the whole state again and again (none of it is in a cycle).
                with no_collection():
                    for event in chunk:
                        pre = ledger.before(state, event)
                        try:
                            at = state.apply(event)
                        except EventRejected as exc:
                            self.reject(exc.kind, f"history: {event.type}: {exc.reason}", source)
                            continue
                        if seq >= upto:
                            log.error("the history has more events than the %d kept for it", upto)
                            last = True
                            break
                        seq += 1
                        if at != event.__dict__["ts"].timestamp():
                            body = dump_event(with_seq_ts(event, seq, to_dt(at)))
                        else:
                            body = f'{{"seq":{seq},{dump_body(event)[1:]}'
                        batch.events.append((seq, at, event.type, body))
                        ledger.after(state, event, seq, pre, batch)
                self.ledger.next_call_id = ledger.next_call_id
                self._history_span = (origin, end, state.clock or start)
                if last or len(batch.events) >= HISTORY_BATCH:
                    # Written while the next batch is made; one write in flight at a time.
                    batch.seal()
                    batch.meta[HISTORY_KEY] = self._history_meta(seq + 1, done=last)
                    self._history_next = seq + 1
                    if writing is not None:
                        await writing
                    stored += len(batch.events)
                    self.counters.events += len(batch.events)
                    writing = asyncio.ensure_future(self._write_history_until_stored(batch))
                    batch = WriteBatch()
                if last:
                    break
            if writing is not None:
                await writing
        finally:
            making.cancel()  # its thread ends its chunk; nobody reads it
            if writing is not None and not writing.done():
                writing.cancel()  # a write itself runs to its end (_write_history)
            self._history_span = None
        log.info(
            "history loaded: %d events (seqs 1 to %d) in %.1f s",
            stored,
            seq,
            time.monotonic() - started,
        )
        return stored

    async def load_backlog(self: Hub, events: Iterable[Event], *, source: str) -> int:
        """Take the events a source has at once (today up to now: a backlog, in time order)
        as ``emit`` takes them, one chunk at a time: each goes the live path (``_take``:
        validate, apply to the live state, number, the ledger's links and call-log rows,
        queued for the flush that commits it and hands it to the feed), so storage, history,
        the call log and replay are exactly as if they had come one by one. What differs is
        the cost: the events are made in a worker thread a chunk ahead (a source making its
        day's plans never holds up the loop), a chunk is taken with no await between its
        events, the loop runs between chunks, and they are committed in large transactions
        (``BACKLOG_BATCH``); while storage fails, it waits for storage (trying again) before
        taking more. Returns how many were accepted (the others are rejected and counted as
        ``emit`` does)."""
        await self.range_stored()  # a range served before it was stored goes first (backlog.py)
        if self.cluster is not None:
            # On the shared log every event is published and numbered by the stream.
            accepted = 0
            for event in events:
                accepted += await self.emit(event, source=source)
            return accepted
        stream = iter(events)
        accepted = 0
        making = asyncio.ensure_future(asyncio.to_thread(_chunk, stream, BACKLOG_CHUNK))
        # Committed in large batches, one write in flight while the next batch is taken.
        writing: asyncio.Future[str | None] | None = None
        self._backlog_loading = True
        try:
            while True:
                chunk = await making
                if not chunk:
                    if writing is not None:
                        done, writing = writing, None
                        await self._flushed_until_stored(done)
                    return accepted
                making = asyncio.ensure_future(asyncio.to_thread(_chunk, stream, BACKLOG_CHUNK))
                self._backlog_at = time.monotonic()  # fewer snapshots meanwhile (store.py)
                limit = self.clock.now() + self.max_future_skew
                take = self._take
                with no_collection():  # as in load_history
                    for event in chunk:
                        refusal = take(event, source, limit)
                        if refusal is None:
                            accepted += 1
                        else:
                            self.reject(refusal[0], refusal[1], source)
                if len(self._pending.events) >= BACKLOG_BATCH:
                    if writing is not None:
                        done, writing = writing, None
                        await self._flushed_until_stored(done)
                    writing = asyncio.ensure_future(self.flush())
                await asyncio.sleep(0)  # the next chunk may be made already
        finally:
            self._backlog_loading = False
            making.cancel()  # its thread ends its chunk; nobody reads it
            if writing is not None:
                # Left by a failing chunk (or a stop): its failure is said, not lost; the
                # batch it could not write is pending again (store.py), for the flush loop.
                writing.add_done_callback(_said)

    async def _write_history(self: Hub, batch: WriteBatch) -> None:
        """Commit a history batch (off the event loop, between the live flushes); it is not
        sent to feed clients."""
        if self.storage is None:
            return
        async with self._flush_lock:
            storage = self.storage
            job = asyncio.ensure_future(asyncio.to_thread(storage.write, batch))
            try:
                await asyncio.shield(job)
            except asyncio.CancelledError:
                await asyncio.wait([job])
                raise

    async def _write_history_until_stored(
        self: Hub, batch: WriteBatch, what: str = "the history"
    ) -> None:
        """``_write_history``, tried again while storage fails (a full disk): the load waits
        for storage rather than stop, and makes nothing more meanwhile."""
        await _until_stored(self, lambda: self._write_history(batch), what)

    async def _flushed_until_stored(self: Hub, writing: asyncio.Future[str | None]) -> None:
        """Wait for a backlog's flush; if it failed (its batch is pending again), flush again
        until storage takes it: the backlog waits for storage rather than stop, and takes
        nothing more meanwhile (memory stays bounded, nothing taken is lost)."""
        first: list[Awaitable[object]] = [writing]

        async def write() -> None:
            await (first.pop() if first else self.flush())

        await _until_stored(self, write, "a backlog's events")


async def _until_stored(hub: Hub, write: Callable[[], Awaitable[object]], what: str) -> None:
    """Call ``write`` until it succeeds, waiting between tries as the flush loop does (the
    one retry policy, ``STORAGE_RETRY``); ``storage_error`` says why meanwhile (health, the
    feed's heartbeat), and the first failure is logged."""

    async def attempt() -> None:
        try:
            await write()
        except Exception as exc:
            if hub.storage is None:  # the hub stopped
                raise
            raise Lost(f"{type(exc).__name__}: {exc}") from exc

    def waiting(lost: Lost, seconds: float) -> None:
        if hub.storage_error is None:
            log.error("could not store %s; retrying", what, exc_info=lost.__cause__)
        hub.storage_error = lost.reason

    await STORAGE_RETRY.keep_trying(attempt, waiting=waiting)
    hub.storage_error = None


def _said(writing: asyncio.Future[str | None]) -> None:
    """Log the failure of a backlog's write that nobody awaits any more."""
    if not writing.cancelled() and writing.exception() is not None:
        log.error(
            "could not write a part of a backlog; it is written again with what follows",
            exc_info=writing.exception(),
        )


def _chunk(stream: Iterator[Event], size: int = HISTORY_CHUNK) -> list[Event]:
    """The next ``size`` events of ``stream`` (in a worker thread)."""
    return list(itertools.islice(stream, size))
