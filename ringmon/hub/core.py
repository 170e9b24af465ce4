"""The hub core: one live ``State``, the event log, the live feed, and the sources' sink.

Ingest path (``emit``): validate -> refuse as ``future`` an event dated more than
``max_future_skew`` ahead of the hub's clock -> ``State.apply`` (all or nothing;
``EventRejected`` means nothing changed) -> assign ``seq`` -> queue for storage. All of it runs
on the event loop and touches only memory, so a source is never slowed by the disk.

Nothing leaves the hub before it is committed: the flush that commits a batch then hands the
whole batch to every feed subscriber (one frame per client), and a snapshot is the live state
taken at the moment a batch is cut and served once that batch is committed. So a hub killed
at any moment (SIGKILL, power loss) has stored every seq any client has seen, and the restarted
hub, which numbers on from its storage, never gives a seen seq to a different event. The cost
is latency: an event reaches clients at the next flush (``flush_interval``, 50 ms).

Storage I/O: accepted events are buffered and written by a flush task every
``flush_interval`` (50 ms) in ONE transaction (``executemany``), through
``asyncio.to_thread``. Why both: batching makes SQLite fast (one commit per tick instead of per
event, ~100x), and the thread keeps a slow disk (fsync, WAL checkpoint) from freezing the
WebSocket feed and the REST routes. Whoever needs storage to include an event
(``wait_flushed``: the feed's replay, history, the call log; the snapshot) triggers a flush at
once instead of waiting for the tick. The buffer is bounded: past ``max_pending`` events
``emit`` waits for a flush (back-pressure on a source that floods).

Clock: the hub's clock is the wall clock, or under ``speed`` an accelerated one whose reading
is stored with every flush and resumed at a restart. No event's ``ts`` ever moves it: the
``future`` check and retention read it; stored events are applied again (restart, retention)
without looking at any clock.

Restart: the live state is rebuilt from the newest of the checkpoint (written every
``checkpoint_every`` events and at a clean stop) and the base (the state at the last pruned
event), plus every stored event after it, so a restarted hub continues with the same state and
seq. Whom each event concerns (for histories) is the ``Ledger``'s business (ledger.py).

Catching up: a source that replays history at start (``backfills = True``, the simulator) says
so by calling ``caught_up`` once it has reached the present; until every such source has,
``health`` says ``starting`` and ``wait_caught_up`` (the snapshot route) waits, so that no client
takes last week for today.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import sqlite3
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ringmon.hub.clock import Clock, HubClock
from ringmon.hub.fanout import Subscriber, encode_frames
from ringmon.hub.ledger import Ledger
from ringmon.hub.storage import Storage, WriteBatch
from ringmon.hub.tokens import TokenStore
from ringmon.hub.validate import BadInput, RejectKind, parse_input
from ringmon.model.schema import (
    Event,
    dump_event,
    parse_event,
    with_seq_ts,
)
from ringmon.model.state import EventRejected, State
from ringmon.model.wire import (
    SnapshotDoc,
    snapshot_doc,
    snapshot_json,
    state_from_snapshot,
    to_dt,
)
from ringmon.sources.base import Source, SourceHealth

log = logging.getLogger("ringmon.hub")

DAY = 86_400.0
MAX_FUTURE_SKEW = 300.0
"""Default of ``--max-future-skew``: how far ahead of the hub's clock an arriving event's
``ts`` may be (a PBX whose clock runs a few minutes fast); one further ahead is ``future``."""
CLOCK_KEY = "hub:clock"
"""The ``meta`` row holding the hub's clock as of the last flush: an accelerated (demo) clock
resumes there after a restart."""
YIELD_AFTER = 0.005
"""A source emitting without pause (a backfill) lets the loop run at least this often (s)."""


class StorageFailing(Exception):
    """Storage cannot commit: nothing uncommitted may be served, so there is no snapshot."""


@dataclass(slots=True)
class Counters:
    events: int = 0
    clamped: int = 0
    rejected_kind: Counter[str] = field(default_factory=Counter)
    rejected_source: Counter[str] = field(default_factory=Counter)
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=10))


class Hub:
    """Implements the ``Sink`` of sources/base.py, and everything the web app serves."""

    def __init__(
        self,
        folder: Path,
        *,
        tz_name: str = "UTC",
        speed: float = 1.0,
        clock: Clock | None = None,
        retention_days: float = 35.0,
        heartbeat: float = 2.0,
        flush_interval: float = 0.05,
        queue_bytes: int = 8 * 2**20,
        max_pending: int = 50_000,
        prune_interval: float = 3600.0,
        source_backoff: float = 1.0,
        checkpoint_every: int = 100_000,
        catch_up_wait: float = 60.0,
        max_future_skew: float = MAX_FUTURE_SKEW,
    ) -> None:
        if retention_days <= 0:
            raise ValueError("retention must be positive")
        if not max_future_skew >= 0:
            raise ValueError("the future skew must be zero or more")
        self.max_future_skew = max_future_skew
        self.folder = folder
        self.tz_name = tz_name
        self.tz = ZoneInfo(tz_name)
        self.speed = clock.speed if clock is not None else speed
        self._clock_given = clock
        self.clock: Clock = clock if clock is not None else HubClock(speed)
        self.retention = retention_days * DAY
        self.heartbeat = heartbeat
        self.flush_interval = flush_interval
        self.queue_bytes = queue_bytes
        self.max_pending = max_pending
        self.prune_interval = prune_interval
        self.source_backoff = source_backoff
        self.checkpoint_every = checkpoint_every
        self.catch_up_wait = catch_up_wait
        self.storage_error: str | None = None
        self._since_checkpoint = 0
        self.state = State(self.tz)
        self.storage: Storage | None = None
        self.tokens: TokenStore | None = None
        self.counters = Counters()
        self.sources: list[Source] = []
        self.source_status: dict[str, SourceHealth] = {}
        self.subscribers: set[Subscriber] = set()
        self.base_seq = 0
        self.flushed_seq = 0
        self._seq = 0
        self._pending = WriteBatch()
        self._flush_lock = asyncio.Lock()
        self._prune_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._source_tasks: list[asyncio.Task[None]] = []
        self._last_yield = 0.0
        self._base_cache: tuple[int, SnapshotDoc | None] = (-1, None)
        # Ingest bookkeeping: which stored events built an account / a device, so that when an
        # account changes hands its new owner's history gets them too; call-log rows.
        self.ledger = Ledger()
        self._stopping = False
        # Sources still replaying history -> the time of their first event (None before it).
        self.catching_up: dict[str, float | None] = {}
        self._first_ts_wanted = False
        self._caught_up = asyncio.Event()
        self._caught_up.set()
        self._started_at = time.monotonic()

    # -- life cycle -----------------------------------------------------------------------

    def open(self) -> None:
        """Open storage and rebuild the live state from it (synchronous, before serving)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        storage = self.storage = Storage(self.folder)
        self.tokens = TokenStore(self.folder)
        storage.migrate_ingest_ids(info.name for info in self.tokens.list())
        started = time.monotonic()
        base_seq, base_body = storage.base()
        if base_body is not None:
            doc = SnapshotDoc.model_validate_json(base_body)
            self.state = state_from_snapshot(doc, self.tz)
            self._base_cache = (base_seq, doc)
        self.base_seq = base_seq
        start_seq = base_seq
        checkpoint_seq, checkpoint_body = storage.checkpoint()
        if checkpoint_body is not None and checkpoint_seq >= base_seq:
            self._restore_checkpoint(checkpoint_body)
            start_seq = checkpoint_seq
        replayed = 0
        for rows in storage.iter_events(start_seq, batch=5000):
            for seq, body in rows:
                event = parse_event(body)
                pre = self.ledger.before(self.state, event)
                try:
                    self.state.apply(event)
                except EventRejected as exc:  # a stored event should always apply again
                    log.error("stored event %d does not apply again: %s", seq, exc.reason)
                    continue
                self.ledger.after(self.state, event, seq, pre)
                replayed += 1
        self._seq = max(self.state.seq, storage.last_seq())
        self.state.seq = self._seq
        self.flushed_seq = self._seq
        self.ledger.call_rows = storage.open_calls()
        self.ledger.next_call_id = storage.max_call_id() + 1
        if self._clock_given is None and self.speed != 1.0:
            # An accelerated (demo) clock resumes where it was; the wall clock needs nothing.
            # Never taken from the newest event's ts: one event must not move the hub's time.
            saved = storage.meta(CLOCK_KEY)
            start = _float_or_none(saved)
            self.clock = HubClock(self.speed, start=start)
        if self._seq:
            log.info(
                "state restored at seq %d (%d events replayed after seq %d) in %.2f s",
                self._seq,
                replayed,
                start_seq,
                time.monotonic() - started,
            )

    def _checkpoint_body(self) -> str:
        """The live state and the ingest bookkeeping, as JSON."""
        doc = snapshot_doc(self.state, self.state.clock, 1.0, self.tz_name)
        extra = self.ledger.to_json()
        return f'{{"state":{doc.model_dump_json()},"ingest":{extra}}}'

    def _restore_checkpoint(self, body: str) -> None:
        raw = json.loads(body)
        self.state = state_from_snapshot(SnapshotDoc.model_validate(raw["state"]), self.tz)
        self.ledger.restore(raw["ingest"])

    async def start(self, sources: Iterable[Source] = ()) -> None:
        """Start the flush and prune tasks, then every source (each supervised)."""
        if self.storage is None:
            self.open()
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="hub-flush"))
        self._tasks.append(asyncio.create_task(self._prune_loop(), name="hub-prune"))
        for source in sources:
            self.add_source(source)

    def add_source(self, source: Source) -> None:
        self.sources.append(source)
        own = getattr(source, "health", None)
        self.source_status[source.name] = own if isinstance(own, SourceHealth) else SourceHealth()
        if getattr(source, "backfills", False):
            self.catching_up[source.name] = None
            self._first_ts_wanted = True
            self._caught_up.clear()
        task = asyncio.create_task(self._supervise(source), name=f"source-{source.name}")
        self._source_tasks.append(task)

    def close_subscribers(self, reason: str = "the hub is shutting down") -> None:
        self._stopping = True
        for sub in list(self.subscribers):
            sub.close(reason)

    async def stop(self) -> None:
        """Stop sources, tell feed clients, write what is pending, close storage."""
        self.close_subscribers()
        for task in self._source_tasks + self._tasks:
            task.cancel()
        for task in self._source_tasks + self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._source_tasks.clear()
        self._tasks.clear()
        self._pending.meta[CLOCK_KEY] = repr(self.clock.now())
        try:
            await self.flush(checkpoint=self._since_checkpoint > 0)
        except Exception:
            log.exception("could not write the last events")
        storage, self.storage = self.storage, None
        if storage is not None:
            await asyncio.to_thread(storage.close)  # waits for reads still in their threads
        if self.tokens is not None:
            self.tokens.close()
            self.tokens = None

    async def _supervise(self, source: Source) -> None:
        """Run ``source``, restarting it after a failure (backing off). A source with its own
        ``health`` reports connecting/running/unreachable itself; the supervisor says
        ``running`` for the others, and ``error``/``done``/``stopped`` for all."""
        status = self.source_status[source.name]
        reports_itself = getattr(source, "health", None) is status
        delay = self.source_backoff
        while True:
            if reports_itself:
                status.connecting()
            else:
                status.running()
            started = time.monotonic()
            try:
                await source.run(self)
            except asyncio.CancelledError:
                status.set("stopped")
                raise
            except Exception as exc:
                if time.monotonic() - started > 60:
                    delay = self.source_backoff  # it ran a good while: start over gently
                log.exception("source %s failed; restarting it in %.0f s", source.name, delay)
                status.error(f"{type(exc).__name__}: {exc}; restarting in {delay:g} s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
            else:
                status.set("done")
                log.info("source %s has finished", source.name)
                self.caught_up(source.name)
                return

    # -- the Sink interface ---------------------------------------------------------------

    def now(self) -> float:
        """The time documents and sources are stamped with: the hub's clock, or the newest
        event applied when a source's clock runs ahead (by at most ``max_future_skew``)."""
        return max(self.clock.now(), self.state.clock)

    def clock_now(self) -> float:
        """The hub's own clock (wall clock, or the demo's accelerated one), never an event's
        ts: what ``future`` is measured against and what retention follows."""
        return self.clock.now()

    def too_far_ahead(self, event: Event) -> str | None:
        """Why ``event`` is refused as ``future`` (ahead of the hub's clock by more than the
        skew), or None. Only for events arriving: stored events are applied without a clock."""
        ahead = event.ts.timestamp() - self.clock.now()
        if ahead <= self.max_future_skew:
            return None
        now = to_dt(self.clock.now()).isoformat().replace("+00:00", "Z")
        return (
            f"{event.type}: event at {event.ts.isoformat().replace('+00:00', 'Z')} is "
            f"{ahead:.0f} s ahead of the hub's clock ({now}); the limit is "
            f"{self.max_future_skew:.0f} s (--max-future-skew): check the sender's clock"
        )

    def last_ts(self) -> float | None:
        return self.state.clock or None

    async def sleep_until(self, at: float) -> None:
        while True:
            left = at - self.clock.now()
            if left <= 0:
                return
            await asyncio.sleep(min(left / self.clock.speed, 1.0))

    async def emit(self, event: Event, *, source: str) -> bool:
        accepted = self.accept(event, source=source)
        await self._breathe()
        return accepted

    async def emit_raw(
        self,
        data: str | bytes | object,
        *,
        source: str,
        where: str = "",
        cursor: str | None = None,
    ) -> bool:
        """Parse and emit raw input (a JSON line or value); ``where`` prefixes the reason.
        ``cursor``: where ``source`` got to with this input, stored in the same transaction
        as the event (or with the events before it, when this one is rejected)."""
        try:
            event = parse_input(data)
        except BadInput as exc:
            if cursor is not None:
                self.set_source_cursor(source, cursor)
            self.reject(exc.kind, f"{where}: {exc.reason}" if where else exc.reason, source)
            await self._breathe()
            return False
        if cursor is not None:
            self.set_source_cursor(source, cursor)  # no await until the event is queued too
        accepted = self.accept(event, source=source, where=where)
        await self._breathe()
        return accepted

    async def _breathe(self) -> None:
        """Let the loop run now and then, and wait for the disk when far behind."""
        if len(self._pending.events) >= self.max_pending:
            await self.flush()
        now = time.perf_counter()
        if now - self._last_yield >= YIELD_AFTER:
            await asyncio.sleep(0)
            self._last_yield = time.perf_counter()

    def caught_up(self, source: str) -> None:
        """``source`` has replayed its history and is now live (idempotent)."""
        if self.catching_up.pop(source, 0) == 0:
            return
        self._first_ts_wanted = any(v is None for v in self.catching_up.values())
        log.info(
            "source %s has caught up (%d events, %.2f s since start)",
            source,
            self.counters.events,
            time.monotonic() - self._started_at,
        )
        if not self.catching_up:
            self._caught_up.set()

    @property
    def is_caught_up(self) -> bool:
        return self._caught_up.is_set()

    async def wait_caught_up(self, timeout: float | None = None) -> bool:
        """Wait until every source has caught up (at most ``timeout`` s); whether it has."""
        if self._caught_up.is_set():
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._caught_up.wait(), timeout)
        return self._caught_up.is_set()

    def loading_progress(self) -> tuple[float, float] | None:
        """(days loaded, days to load) of the history being replayed, when known."""
        starts = [ts for ts in self.catching_up.values() if ts is not None]
        if not starts:
            return None
        first = min(starts)
        total = max(self.now() - first, 0.0) / DAY
        done = min(max(self.state.clock - first, 0.0) / DAY, total)
        return done, total

    def loading_message(self) -> str:
        names = ", ".join(sorted(self.catching_up)) or "its sources"
        progress = self.loading_progress()
        if progress is None:
            return f"the hub is still loading history (from {names}); try again shortly"
        done, total = progress
        return (
            f"the hub is still loading history: {int(done)} of {math.ceil(total)} days "
            f"(from {names}); try again shortly"
        )

    def reject(self, kind: RejectKind | str, reason: str, source: str) -> None:
        c = self.counters
        c.rejected_kind[str(kind)] += 1
        c.rejected_source[source] += 1
        c.recent.append(f"{source}: {kind}: {reason}")
        n = c.rejected_source[source]
        if n <= 100 or n % 1000 == 0:
            suffix = f" (rejection {n} from this source; logging every 1000th)" if n > 100 else ""
            log.warning("rejected %s event from %s: %s%s", kind, source, reason, suffix)

    # -- ingest ---------------------------------------------------------------------------

    def accept(
        self, event: Event, *, source: str, where: str = "", dumped: str | None = None
    ) -> bool:
        """Apply, number, queue for storage and broadcast one event; False if rejected.

        ``dumped``: ``dump_event(event)`` made beforehand (off the event loop), if it was."""
        if event.seq is not None:  # a source's numbering means nothing here
            event = event.model_copy(update={"seq": None})
        future = self.too_far_ahead(event)
        if future is not None:
            self.reject(RejectKind.FUTURE, f"{where}: {future}" if where else future, source)
            return False
        pre = self.ledger.before(self.state, event)
        try:
            at = self.state.apply(event)
        except EventRejected as exc:
            reason = f"{event.type}: {exc.reason}"
            self.reject(exc.kind, f"{where}: {reason}" if where else reason, source)
            return False
        except Exception as exc:  # a bug in the model must not take the hub down
            log.exception("event from %s broke the model", source)
            self.reject(RejectKind.INTERNAL, f"{event.type}: {exc!r}", source)
            return False
        seq = self._seq = self.state.seq = self._seq + 1
        if at != event.ts.timestamp():
            body = dump_event(with_seq_ts(event, seq, to_dt(at)))
            self.counters.clamped += 1
        else:
            # The same JSON as dumping a copy carrying the seq (seq is the first field), at a
            # fraction of the cost of copying a pydantic model.
            body = f'{{"seq":{seq},{(dumped or dump_event(event))[1:]}'
        self.counters.events += 1
        self._since_checkpoint += 1
        if self._first_ts_wanted and self.catching_up.get(source, 0) is None:
            self.catching_up[source] = at
            self._first_ts_wanted = any(v is None for v in self.catching_up.values())
        batch = self._pending
        batch.events.append((seq, at, event.type, body))
        self.ledger.after(self.state, event, seq, pre, batch)
        return True  # subscribers get it once it is committed (``_written``)

    # -- storage --------------------------------------------------------------------------

    async def flush(self, *, checkpoint: bool = False, snapshot: bool = False) -> str | None:
        """Write everything pending, in one transaction, off the event loop, then hand the
        committed events to every feed subscriber.

        The write runs to its end even if the caller is cancelled (the lock stays held until
        it is done), so a batch is never written twice nor half-known; if it fails, it goes
        back in front of what came since, for the next attempt (and nobody has seen it).

        With ``snapshot``, returns the snapshot JSON of the live state as of the batch's last
        seq (taken when the batch is cut, so it holds exactly the events stored once this
        returns); None otherwise.
        """
        async with self._flush_lock:
            batch = self._pending
            # Pending is empty, or is the whole difference between the live state and storage
            # (the lock is held: no write is in flight), so this state is committed with it.
            doc = self.snapshot_json() if snapshot else None
            if not batch or self.storage is None:
                return doc
            self._pending = WriteBatch()
            if batch.events:
                batch.meta[CLOCK_KEY] = repr(self.clock.now())
            if (checkpoint or self._since_checkpoint >= self.checkpoint_every) and batch.events:
                # Every accepted event is in this batch or already stored: the live state is
                # exactly the state at the batch's last seq.
                batch.checkpoint = (self._seq, self._checkpoint_body())
                self._since_checkpoint = 0
            job = asyncio.ensure_future(asyncio.to_thread(self.storage.write, batch))
            try:
                await asyncio.shield(job)
            except asyncio.CancelledError:
                await asyncio.wait([job])
                self._written(batch, job)
                raise
            except Exception:
                pass  # looked at just below
            failure = self._written(batch, job)
            if failure is not None:
                raise failure
            return doc

    def _written(self, batch: WriteBatch, job: asyncio.Future[None]) -> BaseException | None:
        failure = job.exception()
        if failure is None:
            if batch.events:
                self.flushed_seq = batch.last_seq
                if self.subscribers:
                    frames = encode_frames(batch.events)  # once, for every client
                    for sub in self.subscribers:
                        sub.push(frames)
            return None
        newer = self._pending
        batch.events.extend(newer.events)
        batch.links.extend(newer.links)
        batch.calls.update(newer.calls)
        batch.meta.update(newer.meta)
        batch.ingest_ids.update(newer.ingest_ids)
        batch.checkpoint = newer.checkpoint or batch.checkpoint
        self._pending = batch
        return failure

    async def wait_flushed(self, seq: int) -> None:
        """Return once storage holds every event up to ``seq``."""
        if self.flushed_seq < seq:
            await self.flush()

    async def _flush_loop(self) -> None:
        delay = self.flush_interval
        while True:
            await asyncio.sleep(delay)
            try:
                await self.flush()
                delay = self.flush_interval
                self.storage_error = None
            except Exception as exc:
                if self.storage_error is None:
                    log.exception("could not write events to storage; retrying")
                self.storage_error = f"{type(exc).__name__}: {exc}"
                delay = min(max(delay * 2, 0.5), 10.0)

    def source_cursor(self, name: str) -> str | None:
        """Where a source got to (stored with its events, so both survive a restart)."""
        pending = self._pending.meta.get(f"source:{name}")
        if pending is not None:
            return pending
        return None if self.storage is None else self.storage.meta(f"source:{name}")

    def set_source_cursor(self, name: str, value: str) -> None:
        self._pending.meta[f"source:{name}"] = value

    def remember_event_id(self, token: str, event_id: str, seq: int) -> None:
        """Store that push token ``token`` used ``event_id`` for event ``seq`` (with it)."""
        self._pending.ingest_ids[(token, event_id)] = seq

    # -- retention ------------------------------------------------------------------------

    async def _prune_loop(self) -> None:
        while True:
            try:
                await self.prune()
            except Exception:
                log.exception("pruning old events failed; will try again")
            await asyncio.sleep(self.prune_interval)

    async def prune(self, now: float | None = None) -> int:
        """Delete events older than the retention, folding them into the base. Returns how
        many seqs were folded."""
        async with self._prune_lock:
            storage = self.storage
            if storage is None:
                return 0
            await self.flush()
            cutoff = (self.clock_now() if now is None else now) - self.retention
            target = await asyncio.to_thread(storage.last_seq_before, cutoff)
            old_base = self.base_seq
            if target <= old_base:
                return 0
            body = await asyncio.to_thread(self._fold_base, storage, old_base, target)
            async with self._flush_lock:
                await asyncio.to_thread(storage.replace_base, target, body, cutoff)
            self.base_seq = target
            log.info("retention: events up to seq %d folded into the base", target)
            return target - old_base

    def _fold_base(self, storage: Storage, old_base: int, target: int) -> str:
        """The state at ``target``: the base plus the events up to it (runs in a thread)."""
        _, body = storage.base()
        state = (
            State(self.tz)
            if body is None
            else state_from_snapshot(SnapshotDoc.model_validate_json(body), self.tz)
        )
        for rows in storage.iter_events(old_base, target, batch=5000):
            for _, event_body in rows:
                try:
                    state.apply(parse_event(event_body))
                except EventRejected as exc:
                    log.error("stored event does not apply again: %s", exc.reason)
        doc = snapshot_doc(state, state.clock, 1.0, self.tz_name)
        return doc.model_dump_json()

    def base_doc(self) -> tuple[int, SnapshotDoc | None]:
        """The base (cached until the next prune)."""
        if self._base_cache[0] != self.base_seq and self.storage is not None:
            seq, body = self.storage.base()
            doc = None if body is None else SnapshotDoc.model_validate_json(body)
            self._base_cache = (seq, doc)
        return self._base_cache

    # -- the live feed --------------------------------------------------------------------

    @property
    def seq(self) -> int:
        return self._seq

    def subscribe(self, token: str | None = None) -> Subscriber:
        """A live queue from the newest committed seq: it gets every batch committed after
        it, and the feed replays from storage up to its ``start_seq``. With ``token``, the
        feed is closed when that token is revoked (fanout.watch_revocations)."""
        sub = Subscriber(self.flushed_seq, self.queue_bytes, token)
        if self._stopping:
            sub.close("the hub is shutting down")
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    async def replay(self, after: int, upto: int) -> AsyncIterator[list[tuple[int, str]]]:
        """Stored events ``after < seq <= upto`` in batches (read off the event loop)."""
        await self.wait_flushed(upto)
        storage = self.storage
        if storage is None:
            return
        iterator = storage.iter_events(after, upto, batch=1000)
        while True:
            rows = await asyncio.to_thread(next, iterator, None)
            if rows is None:
                return
            yield rows

    # -- documents ------------------------------------------------------------------------

    def snapshot_json(self) -> str:
        """The live state now (may hold events not yet committed: see ``committed_snapshot``)."""
        return snapshot_json(self.state, self.now(), self.speed, self.tz_name).decode()

    async def committed_snapshot(self) -> str:
        """The snapshot JSON of the live state, served only once every event in it is stored
        (at most one flush away). Raises ``StorageFailing`` when storage cannot commit."""
        try:
            doc = await self.flush(snapshot=True)
        except (OSError, sqlite3.Error) as exc:
            raise StorageFailing(f"{type(exc).__name__}: {exc}") from exc
        assert doc is not None
        return doc

    def health(self) -> dict[str, Any]:
        c = self.counters
        extra: dict[str, Any] = {}
        if self.storage_error is not None:
            extra = {"storage_error": self.storage_error, "pending": len(self._pending.events)}
        if self.catching_up:
            extra["catching_up"] = sorted(self.catching_up)
            progress = self.loading_progress()
            if progress is not None:
                extra["loaded_days"] = round(progress[0], 2)
                extra["loading_days"] = round(progress[1], 2)
                extra["loading"] = {  # as in the feed's heartbeat
                    "loaded_days": extra["loaded_days"],
                    "loading_days": extra["loading_days"],
                }
        return {
            "status": self.status(),
            "seq": self._seq,
            "now": to_dt(self.now()).isoformat().replace("+00:00", "Z"),
            "speed": self.speed,
            "tz": self.tz_name,
            "events": c.events,
            "clamped": c.clamped,
            "rejected": {
                "total": sum(c.rejected_kind.values()),
                "by_kind": dict(c.rejected_kind),
                "by_source": dict(c.rejected_source),
                "recent": list(c.recent),
            },
            "clients": len(self.subscribers),
            "sources": self.sources_health(),
            "retained_from_seq": self.base_seq + 1,
        } | extra

    def status(self) -> str:
        """``degraded`` while storage fails or any source is unreachable or in error, else
        ``starting`` while a source replays its history, else ``ok``."""
        if self.storage_error is not None or any(s.failing for s in self.source_status.values()):
            return "degraded"
        return "starting" if self.catching_up else "ok"

    def sources_health(self) -> list[dict[str, str | None]]:
        out = []
        for source in self.sources:
            entry = self.source_status[source.name].as_json(source.name)
            error = getattr(source, "error", None)  # e.g. a directory file's error
            if entry["detail"] is None and error:
                entry["detail"] = str(error)
            out.append(entry)
        return out

    def heartbeat_fields(self) -> dict[str, Any]:
        """What the feed's heartbeat says of the hub (docs/feed-protocol.md): status, sources
        and, while starting, the history loading progress."""
        fields: dict[str, Any] = {"status": self.status(), "sources": self.sources_health()}
        if self.catching_up:
            progress = self.loading_progress()
            if progress is not None:
                fields["loading"] = {
                    "loaded_days": round(progress[0], 2),
                    "loading_days": round(progress[1], 2),
                }
        return fields


def _float_or_none(text: str | None) -> float | None:
    try:
        value = None if text is None else float(text)
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None
