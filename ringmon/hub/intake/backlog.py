# mypy: disable-error-code="misc"
"""Today's backlog served before it is stored (a room of ``Hub``).

On an empty hub, a source whose backlog it can make again, the same (the simulator: the same
roster, seed and window make the same events), hands it over with the way to make it again
(``serve_backlog``):

1. the backlog is applied to the live state and numbered (seqs ``first..last``, after the
   seqs kept for the past days: backfill.py), and nothing else: no ledger, no JSON, no
   storage. Its range of seqs is then known, and in time order;
2. the snapshot (a client's first rows) is served at once, at ``last``; meanwhile the same
   range, made again by the source, is applied to a state of its own with the ledger and
   stored in large transactions, each with how far the range got (the ``meta`` row
   ``hub:backlog``); ``/v1/health`` and the heartbeat say ``loading``;
3. until the range is stored every other event waits at the door (``emit``, ``emit_raw``,
   ``emit_lines``, the push API: ``range_stored``), and so does whoever reads storage
   (``wait_flushed``: history, call log, replay). Feed clients subscribe at ``last`` (the
   range is in their snapshot; it is not sent to them). So no client sees a seq that
   storage will not hold, and seq order stays time order: this is the one exception to
   "served only once stored" (store.py), for a range that can be made again;
4. a hub stopped during step 2 (SIGKILL and power loss included) has stored a prefix of the
   range and how many of the source's events that took. At restart the source makes the
   range again, the hub skips what is stored and stores the rest with the seqs it had
   (backlog_restart.py): what a client saw at ``last`` is what storage holds. A stop before
   anything was stored leaves an empty hub: the source starts afresh and makes the same
   range with the same seqs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ringmon.hub.intake.backfill import HISTORY_WAIT
from ringmon.hub.intake.ledger import Ledger
from ringmon.hub.intake.pipeline import dump_body
from ringmon.hub.intake.validate import RejectKind
from ringmon.hub.shared import DAY, HubShared
from ringmon.hub.storage.database import WriteBatch
from ringmon.model.no_collection import no_collection
from ringmon.model.schema import Event, dump_event, with_seq_ts
from ringmon.model.state import EventRejected, State
from ringmon.model.wire import to_dt

if TYPE_CHECKING:
    from ringmon.hub.core import Hub

log = logging.getLogger("ringmon.hub")

BACKLOG_KEY = "hub:backlog"
"""The ``meta`` row of a range served before it was stored: a ``BacklogRow``."""
RANGE_CHUNK = 2000
"""Events of a range made in a worker thread and taken on the loop at a time."""
RANGE_BATCH = 20_000
"""Events of a range per transaction (as ``BACKLOG_BATCH``, backfill.py)."""


@dataclass
class BacklogRange:
    """A range of seqs served before it is stored."""

    source: str
    key: str
    """What the source made it from (its settings): a restart finishes it only if the same."""
    first: int
    last: int = 0
    items: int = 0
    """The source's events it is made of, accepted or not."""
    refused: set[int] = field(default_factory=set)
    """Which of them (by position) were refused as ``future`` (the clock moves on: making
    them again, they would not be)."""
    start: float | None = None
    """The time of its first event (None: none yet)."""
    end: float = 0.0
    """The time of its last event (once taken)."""
    stored_until: float | None = None
    """The time up to which it is stored (committed), None: nothing of it yet."""


class BacklogRow(BaseModel):
    """How far the store of a range got (the ``meta`` row ``BACKLOG_KEY``, committed with each
    of its transactions): what a restart needs to finish it (backlog_restart.py)."""

    source: str
    key: str
    first: int
    last: int
    items: int
    next: int
    """The first seq not yet committed."""
    taken: int
    """The source's events that took, accepted or not."""
    done: bool = False
    start: float | None = None
    """The time of its first event (None: a row written before the times were kept)."""
    end: float = 0.0
    """The time of its last event: with ``start``, how much of it is stored is said
    (``loading``) after a restart too."""


class Backlog(HubShared):
    """``serve_backlog`` and the range's store; the door events wait at meanwhile."""

    def can_serve_backlog(self: Hub) -> bool:
        """Whether a backlog may be served before it is stored: only on an empty hub (the
        range's own state starts empty) with its own storage."""
        return (
            self.cluster is None
            and self.storage is not None
            and self._range is None
            and self.last_ts() is None
            and not self._pending.events
            and self.base_seq == 0
        )

    @property
    def range_loading(self: Hub) -> bool:
        """Whether a range served before it is stored is being stored."""
        return self._range is not None

    def range_progress(self: Hub) -> tuple[float, float] | None:
        """(days stored, days) of the range, while it is stored (served already): what
        ``/v1/health`` and the heartbeat say as ``loading``."""
        rng = self._range
        if rng is None or not rng.last or rng.start is None:
            return None
        stored = rng.start if rng.stored_until is None else rng.stored_until
        return max(stored - rng.start, 0.0) / DAY, max(rng.end - rng.start, 0.0) / DAY

    async def range_stored(self: Hub) -> None:
        """Return once no range is waiting to be stored (the door: events wait here)."""
        while self._range is not None:
            await self._range_done.wait()

    async def serve_backlog(
        self: Hub,
        events: Iterable[Event],
        again: Callable[[], Iterator[Event]],
        *,
        source: str,
        key: str,
    ) -> int | None:
        """Take a backlog (today up to now, in time order) into the live state only, number
        it, and store it behind the first rows from ``again()`` (the same events made again);
        how many were accepted, or None if this hub cannot (``can_serve_backlog``: then
        ``load_backlog``)."""
        if not self.can_serve_backlog():
            return None
        rng = self._range = BacklogRange(source, key, self._seq + 1)
        self._range_done.clear()
        stream = iter(events)
        state = self.state
        seq = self._seq
        items = accepted = counted = 0
        making = asyncio.ensure_future(asyncio.to_thread(_chunk, stream, RANGE_CHUNK))
        try:
            while True:
                chunk = await making
                if not chunk:
                    break
                making = asyncio.ensure_future(asyncio.to_thread(_chunk, stream, RANGE_CHUNK))
                limit = self.clock.now() + self.max_future_skew
                with no_collection():  # none of the state is in a cycle (backfill.py)
                    for event in chunk:
                        items += 1
                        fields = event.__dict__
                        if fields["seq"] is not None:  # a source's numbering means nothing
                            event = event.model_copy(update={"seq": None})
                            fields = event.__dict__
                        if fields["ts"].timestamp() > limit:
                            future = self.too_far_ahead(event)
                            if future is not None:
                                rng.refused.add(items - 1)
                                self.reject(RejectKind.FUTURE, future, source)
                                continue
                        try:
                            at = state.apply(event)
                        except EventRejected as exc:
                            self.reject(exc.kind, f"{event.type}: {exc.reason}", source)
                            continue
                        seq += 1
                        accepted += 1
                        if rng.start is None:
                            rng.start = at
                        if self._first_ts_wanted and self.catching_up.get(source, 0) is None:
                            self.catching_up[source] = at
                            self._first_ts_wanted = any(
                                v is None for v in self.catching_up.values()
                            )
                self._seq = state.seq = seq
                self.counters.events += accepted - counted  # /v1/health says how far
                counted = accepted
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            making.cancel()  # the hub stops: nothing of the range was served
            self._release_range(rng)
            raise
        except Exception:
            # The source failed part-way: what it made so far is in the live state, and is
            # stored as a range of its own (made again the same); the source, started again,
            # goes on after it.
            making.cancel()
            self._take_range(rng, again, seq, items, accepted - counted)
            raise
        making.cancel()
        self._take_range(rng, again, seq, items, accepted - counted)
        return accepted

    def _take_range(
        self: Hub,
        rng: BacklogRange,
        again: Callable[[], Iterator[Event]],
        seq: int,
        items: int,
        uncounted: int,
    ) -> None:
        """The range is in the live state (up to ``seq``, of ``items`` of the source's
        events): served from now on, and stored behind (``_store_range``)."""
        self.counters.events += uncounted
        rng.last, rng.items, rng.end = seq, items, self.state.clock
        # The feed subscribes after the range: its clients' snapshots hold it.
        self.flushed_seq = seq
        log.info(
            "today's backlog taken: %d events (seqs %d to %d), served while stored",
            seq - rng.first + 1,
            rng.first,
            seq,
        )
        store = self._store_range(again, State(self.tz), Ledger(), skip=0, next_seq=rng.first)
        self._tasks.append(asyncio.create_task(store, name="hub-backlog-store"))

    def _release_range(self: Hub, rng: BacklogRange) -> None:
        """The range is stored (or cannot be: what was served of it and not stored is a gap
        of seqs, seq is increasing, not contiguous): events come in again."""
        if self._range is rng:
            self._range = None
            self._range_done.set()

    async def _store_range(
        self: Hub,
        again: Callable[[], Iterator[Event]],
        state: State,
        ledger: Ledger,
        *,
        skip: int,
        next_seq: int,
    ) -> None:
        """Apply the range made again to ``state`` with ``ledger`` (numbered from
        ``next_seq``, the first ``skip`` of its events left out: they are stored) and store
        it; then the live path goes on with that ledger and events come in again."""
        rng = self._range
        assert rng is not None
        if state is not self.state:
            # Served first: the clients waiting for their first rows get them before the
            # store takes its share of the loop and CPU (as the past days do, backfill.py).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HISTORY_WAIT):
                    await self._snapshot_served.wait()
        started = time.monotonic()
        seq = next_seq - 1
        taken = skip
        ledger.next_call_id = max(ledger.next_call_id, self.ledger.next_call_id)
        # The first transaction takes what is pending (e.g. the seqs kept for the past days).
        batch, self._pending = self._pending, WriteBatch()
        writing: asyncio.Future[None] | None = None
        written_until = state.clock  # the time the batch being written reaches
        stream: Iterator[Event] | None = None
        cancelled = False
        making: asyncio.Future[list[Event]] | None = None
        try:
            stream = again()
            await asyncio.to_thread(_skip, stream, skip)
            wanted = rng.items - skip
            making = asyncio.ensure_future(
                asyncio.to_thread(_chunk, stream, min(RANGE_CHUNK, wanted))
            )
            while True:
                chunk = await making
                wanted -= len(chunk)
                last = not chunk or wanted <= 0
                if not last:
                    making = asyncio.ensure_future(
                        asyncio.to_thread(_chunk, stream, min(RANGE_CHUNK, wanted))
                    )
                with no_collection():
                    for event in chunk:
                        taken += 1
                        if taken - 1 in rng.refused:
                            continue
                        pre = ledger.before(state, event)
                        try:
                            at = state.apply(event)
                        except EventRejected:
                            continue  # refused when served too (counted then)
                        seq += 1
                        if at != event.__dict__["ts"].timestamp():
                            body = dump_event(with_seq_ts(event, seq, to_dt(at)))
                        else:
                            body = f'{{"seq":{seq},{dump_body(event)[1:]}'
                        batch.events.append((seq, at, event.type, body))
                        ledger.after(state, event, seq, pre, batch)
                if last or len(batch.events) >= RANGE_BATCH:
                    batch.seal()
                    done = last
                    if done:
                        # The ledger of the range is the live path's from here on, and the
                        # live state is the range's end: a checkpoint (a quick restart).
                        self.ledger = ledger
                        self.state.seq = max(self.state.seq, seq)
                        if seq == rng.last:
                            batch.checkpoint = (seq, self._checkpoint_body())
                            self._since_checkpoint = 0
                    batch.meta[BACKLOG_KEY] = BacklogRow(
                        source=rng.source,
                        key=rng.key,
                        first=rng.first,
                        last=rng.last,
                        items=rng.items,
                        next=seq + 1,
                        taken=taken,
                        done=done,
                        start=rng.start,
                        end=rng.end,
                    ).model_dump_json()
                    if writing is not None:
                        await writing
                        rng.stored_until = written_until
                    writing = asyncio.ensure_future(
                        self._write_history_until_stored(batch, "today's backlog")
                    )
                    written_until = state.clock
                    batch = WriteBatch()
                if last:
                    break
                await asyncio.sleep(0)
            await writing
            writing = None
            rng.stored_until = written_until
        except asyncio.CancelledError:
            cancelled = True
            raise
        except Exception:
            log.exception(
                "today's backlog (seqs %d to %d) could not be stored whole: seqs %d to %d "
                "are left unused",
                rng.first,
                rng.last,
                seq + 1,
                rng.last,
            )
        finally:
            if making is not None:
                making.cancel()
            if writing is not None:
                with contextlib.suppress(Exception):
                    await writing
            if stream is not None:
                _close(stream)
            if seq != rng.last and not cancelled:
                log.error(
                    "today's backlog made again ended at seq %d, not %d as served", seq, rng.last
                )
            self.ledger.next_call_id = max(self.ledger.next_call_id, ledger.next_call_id)
            self._seq = max(self._seq, rng.last)
            self.flushed_seq = max(self.flushed_seq, rng.last)
            self._release_range(rng)
        log.info(
            "today's backlog stored: seqs %d to %d in %.1f s",
            next_seq,
            seq,
            time.monotonic() - started,
        )


def _chunk(stream: Iterator[Event], size: int) -> list[Event]:
    """The next ``size`` events of ``stream`` (in a worker thread)."""
    return list(itertools.islice(stream, max(size, 0)))


def _skip(stream: Iterator[Event], count: int) -> None:
    """Pass over ``count`` events of ``stream`` (in a worker thread)."""
    for _ in itertools.islice(stream, count):
        pass


def _close(stream: object) -> None:
    close = getattr(stream, "close", None)
    if callable(close):
        with contextlib.suppress(ValueError):
            close()
