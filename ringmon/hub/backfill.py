# mypy: disable-error-code="misc"
"""Past days written in bulk, while today is served (a room of ``Hub``).

A source that can make its history apart from today (the simulator: no call is in progress at
a local midnight, so today can start from a state of its own) does three things on an empty
hub:

1. ``reserve_history(count)``: the seqs ``1..count`` are kept for the history (``count`` is
   an upper bound of its events); today's events are numbered after them. So **seq order
   stays time order**: every history event is older than every event of today.
2. today through the live path (``emit``): first rows are served as soon as today is in.
3. ``load_history(events)``: the past days' events are applied to a state of their own (the
   ledger says whom each concerns, as for live events), numbered from 1 up and written in
   large transactions with where the load got to. They are not sent to feed clients (a
   client's snapshot is today's state: the history is before it); the heartbeat and
   ``/v1/health`` say how far the load is (``loading``). Reserved seqs left unused are a gap:
   seq is strictly increasing, not contiguous (docs/feed-protocol.md).

A hub stopped during the load keeps the days written so far (the demo's data is temporary).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ringmon.hub.ledger import Ledger
from ringmon.hub.pipeline import dump_body
from ringmon.hub.shared import DAY, HubShared
from ringmon.hub.storage import WriteBatch
from ringmon.model.schema import Event, dump_event, with_seq_ts
from ringmon.model.state import EventRejected, State
from ringmon.model.wire import to_dt

if TYPE_CHECKING:
    from ringmon.hub.core import Hub

log = logging.getLogger("ringmon.hub")

HISTORY_KEY = "hub:history"
"""The ``meta`` row saying how far the history load got: ``{"next": seq, "upto": seq}``."""
HISTORY_BATCH = 10_000
"""History events per transaction."""
HISTORY_CHUNK = 500
"""History events made (in a worker thread) and applied (on the loop) at a time."""


class Backfill(HubShared):
    """The seqs reserved for a history, and its load."""

    def reserve_history(self: Hub, count: int, *, start: float, end: float) -> bool:
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
        self._pending.meta[HISTORY_KEY] = json.dumps({"next": 1, "upto": count})
        log.info("seqs 1 to %d kept for the history; today is numbered after them", count)
        return True

    def drop_history(self: Hub) -> None:
        """The source will not load the history it reserved (it stopped before)."""
        self._history_span = None

    def history_progress(self: Hub) -> tuple[float, float] | None:
        """(days loaded, days to load) while a history loads, else None."""
        if self._history_span is None:
            return None
        start, end, at = self._history_span
        return max(at - start, 0.0) / DAY, max(end - start, 0.0) / DAY

    async def load_history(
        self: Hub, events: Iterable[Event], *, source: str, start: float, end: float
    ) -> int:
        """Apply, number and store the history kept by ``reserve_history`` (events from
        ``start`` to before ``end``, in time order); returns how many were stored."""
        state = State(self.tz)
        ledger = Ledger()
        upto = self._history_upto
        seq = self._history_next - 1
        self._history_span = (start, end, start)
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
                self._history_span = (start, end, state.clock or start)
                if last or len(batch.events) >= HISTORY_BATCH:
                    # Written while the next batch is made; one write in flight at a time.
                    batch.seal()
                    batch.meta[HISTORY_KEY] = json.dumps({"next": seq + 1, "upto": upto})
                    self._history_next = seq + 1
                    if writing is not None:
                        await writing
                    stored += len(batch.events)
                    self.counters.events += len(batch.events)
                    writing = asyncio.ensure_future(self._write_history(batch))
                    batch = WriteBatch()
                if last:
                    break
            if writing is not None:
                await writing
        finally:
            making.cancel()  # its thread ends its chunk; nobody reads it
            if writing is not None and not writing.done():
                writing.cancel()  # the write itself runs to its end (_write_history)
            self._history_span = None
        log.info(
            "history loaded: %d events (seqs 1 to %d) in %.1f s",
            stored,
            seq,
            time.monotonic() - started,
        )
        return stored

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


def _chunk(stream: Iterator[Event]) -> list[Event]:
    """The next ``HISTORY_CHUNK`` events of ``stream`` (in a worker thread)."""
    return list(itertools.islice(stream, HISTORY_CHUNK))
