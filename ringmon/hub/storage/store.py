# mypy: disable-error-code="misc"
"""Where an event is stored: the hub's write path, checkpoints and retention (a room of ``Hub``).

Nothing leaves the hub before it is committed: the flush that commits a batch then hands the
whole batch to every feed subscriber (one frame per client), and a snapshot is the live state
taken at the moment a batch is cut and served once that batch is committed. So a hub killed
at any moment (SIGKILL, power loss) has stored every seq any client has seen, and the restarted
hub, which numbers on from its storage, never gives a seen seq to a different event. The cost
is latency: an event reaches clients at the next flush (``flush_interval``, 50 ms).

Storage I/O: accepted events are buffered and written by a flush task every
``flush_interval`` (50 ms) in ONE transaction (many rows per statement: write_batch.py),
through ``asyncio.to_thread``. Why both: batching makes SQLite fast (one commit per tick
instead of per event, ~100x), and the thread keeps a slow disk (fsync, WAL checkpoint) from
freezing the WebSocket feed and the REST routes; SQLite works in that thread without the GIL,
beside the event loop. While a source hands the hub a backlog, batches gather up to
``BACKLOG_BATCH`` events or ``BACKLOG_FLUSH_INTERVAL``: fewer, larger commits. Whoever needs
storage to include an event (``wait_flushed``: the feed's replay, history, the call log; the
snapshot) triggers a flush at once instead of waiting for the tick. The buffer is bounded:
past ``max_pending`` events ``emit`` waits for a flush (back-pressure on a source that
floods).

Restart: the live state is rebuilt from the newest of the checkpoint (written every
``checkpoint_every`` events and at a clean stop) and the base (the state at the last pruned
event), plus every stored event after it, so a restarted hub continues with the same state and
seq. Whom each event concerns (for histories) is the ``Ledger``'s business (ledger.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import TYPE_CHECKING

from ringmon.hub.clock import HubClock
from ringmon.hub.serving.fanout import encode_frames
from ringmon.hub.serving.tokens import TokenStore
from ringmon.hub.shared import DAY, HubShared
from ringmon.hub.storage.database import Storage, WriteBatch
from ringmon.model.schema import parse_event
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.model.state import EventRejected, State
from ringmon.model.wire import SnapshotDoc, snapshot_doc, state_from_snapshot
from ringmon.retry import Backoff, Lost

if TYPE_CHECKING:
    from ringmon.hub.core import Hub

log = logging.getLogger("ringmon.hub")

CLOCK_KEY = "hub:clock"
"""The ``meta`` row holding the hub's clock as of the last flush: an accelerated (demo) clock
resumes there after a restart."""


BACKLOG_SNAPSHOT_GAP = 2.0
"""While the hub takes a backlog at full speed (a source handed it a full run of lines, e.g.
a file of past events: ``Pipeline.emit_lines``, in the last this many seconds), a snapshot
due by event time waits until this many seconds of wall time have passed since the last
one. Each costs the event loop what a ``/v1/snapshot`` does, and a day's file loaded in
seconds would take 24; a replay from one is still at most a couple of seconds of ingest
away."""

BACKLOG_FLUSH_INTERVAL = 1.0
"""While a source hands the hub a backlog (full runs of lines, ``Pipeline.emit_lines``), the
longest a batch gathers before it is cut, instead of ``flush_interval``; it is cut sooner once
it holds ``BACKLOG_BATCH`` events, or once no full run came for ``BACKLOG_PAUSE`` (the file's
end: its last events are not kept waiting). A commit writes every page its rows touched, and
the history and call-log indexes take rows all over (by employee, leg, call): fewer commits of
more rows write fewer pages per event, and every statement is a moment the writer's thread
takes the GIL back from the event loop (a few a commit; about 5 ms of the loop's time each
on a busy machine). Clients of a backlog get it in steps of that size; live events keep
``flush_interval``."""
BACKLOG_BATCH = 10_000
"""Events a backlog's batch is cut at (the fan-out queues a batch's frames for a slow client:
well under a client's queue bound, ``queue_bytes``)."""
BACKLOG_PAUSE = 0.05
"""No full run for this long (s): the backlog ended or paused, its batch is cut."""

STORAGE_RETRY = Backoff(0.5, 10.0)
"""Waits between tries while storage fails (s)."""


class StorageFailing(Exception):
    """Storage cannot commit: nothing uncommitted may be served, so there is no snapshot."""


class Store(HubShared):
    """Opening storage and rebuilding the state, the flush (commit, then hand to the fan-out),
    checkpoints and retention."""

    def open(self: Hub) -> None:
        """Open storage and rebuild the live state from it (synchronous, before serving)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        storage = self.storage = Storage(self.folder)
        self.tokens = TokenStore(self.folder)
        storage.migrate_ingest_ids(info.name for info in self.tokens.list())
        self.resume_history_at_open(storage)  # before the state: it may drop a cut day
        self.resume_backlog_at_open(storage)
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
        self._seq = max(self.state.seq, storage.last_seq(), self._history_upto)
        self.state.seq = self._seq
        self.flushed_seq = self._seq
        kept = storage.snapshot_times()
        if kept and self.snapshot_interval:
            self._next_snapshot_at = self._snapshot_after(kept[-1][1])
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

    def _snapshot_after(self: Hub, at: float) -> float:
        """When the snapshot after one taken at ``at`` is due: the next multiple of
        ``snapshot_interval`` of event time (hourly: at the top of the next hour). While a
        source loads history (the demo's week), one a day: a snapshot costs the event loop
        what a ``/v1/snapshot`` does (0.2-0.9 s at 2,000 employees), 168 of them would hold
        up the loading by minutes."""
        every = max(self.snapshot_interval, DAY) if self.catching_up else self.snapshot_interval
        return (math.floor(at / every) + 1) * every

    def _checkpoint_body(self: Hub) -> str:
        """The live state and the ingest bookkeeping, as JSON."""
        doc = snapshot_json(self.state, self.state.clock, 1.0, self.tz_name)
        extra = self.ledger.to_json()
        return f'{{"state":{doc.decode()},"ingest":{extra}}}'

    def _restore_checkpoint(self: Hub, body: str) -> None:
        raw = json.loads(body)
        self.state = state_from_snapshot(SnapshotDoc.model_validate(raw["state"]), self.tz)
        self.ledger.restore(raw["ingest"])

    # -- storage --------------------------------------------------------------------------

    async def flush(self: Hub, *, checkpoint: bool = False, snapshot: bool = False) -> str | None:
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
            batch.seal()
            if batch.events:
                batch.meta[CLOCK_KEY] = repr(self.clock.now())
            if (checkpoint or self._since_checkpoint >= self.checkpoint_every) and batch.events:
                # Every accepted event is in this batch or already stored: the live state is
                # exactly the state at the batch's last seq.
                batch.checkpoint = (self._seq, self._checkpoint_body())
                self._since_checkpoint = 0
            if (
                batch.events
                and self.snapshot_interval
                and self.state.clock >= self._next_snapshot_at
                and (
                    time.monotonic() - self._backlog_at >= BACKLOG_SNAPSHOT_GAP
                    or time.monotonic() - self._last_snapshot_wall >= BACKLOG_SNAPSHOT_GAP
                )
            ):
                self._last_snapshot_wall = time.monotonic()
                # The same reasoning: this is the state as of the batch's last seq.
                at = self.state.clock
                kept = snapshot_json(self.state, at, 1.0, self.tz_name).decode()
                batch.snapshot = (self._seq, at, kept)
                self._next_snapshot_at = self._snapshot_after(at)
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

    def _written(self: Hub, batch: WriteBatch, job: asyncio.Future[None]) -> BaseException | None:
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
        batch.legs.update(newer.legs)  # sealed at the next cut, over the older rows
        batch.meta.update(newer.meta)
        batch.ingest_ids.update(newer.ingest_ids)
        batch.checkpoint = newer.checkpoint or batch.checkpoint
        batch.snapshot = batch.snapshot or newer.snapshot  # each is the state at its seq
        self._pending = batch
        return failure

    async def wait_flushed(self: Hub, seq: int) -> None:
        """Return once storage holds every event up to ``seq``."""
        if self._range is not None:
            await self.range_stored()  # today's backlog, served while stored (backlog.py)
        if self.flushed_seq < seq:
            await self.flush()

    async def _flush_loop(self: Hub) -> None:
        """Flush every ``flush_interval`` (while a source hands the hub a backlog, in batches
        of up to ``BACKLOG_BATCH`` events or ``BACKLOG_FLUSH_INTERVAL``); while storage fails,
        try again after a growing wait (the one retry policy, ``STORAGE_RETRY``), saying so in
        ``storage_error``."""

        async def flushing() -> None:
            wrote = False
            cut_at = time.monotonic()
            while True:
                await asyncio.sleep(min(self.flush_interval, BACKLOG_PAUSE))
                if self._backlog_loading or self._range is not None:
                    continue  # a backlog commits itself, in large batches (backfill.py)
                now = time.monotonic()
                pending = len(self._pending.events)
                if not batch_due(
                    now - cut_at, now - self._backlog_at, pending, self.flush_interval
                ):
                    continue
                cut_at = now
                try:
                    await self.flush()
                except Exception as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                    raise Lost(reason, after_running=wrote) from exc
                wrote = True
                self.storage_error = None

        def waiting(lost: Lost, seconds: float) -> None:
            if self.storage_error is None:
                log.error("could not write events to storage; retrying", exc_info=lost.__cause__)
            self.storage_error = lost.reason

        await STORAGE_RETRY.keep_trying(flushing, waiting=waiting)

    def source_cursor(self: Hub, name: str) -> str | None:
        """Where a source got to (stored with its events, so both survive a restart)."""
        pending = self._pending.meta.get(f"source:{name}")
        if pending is not None:
            return pending
        return None if self.storage is None else self.storage.meta(f"source:{name}")

    def set_source_cursor(self: Hub, name: str, value: str) -> None:
        if self.cluster is not None:  # travels with the source's events (hub/log/)
            self.cluster.note_cursor(name, value)
            return
        self._pending.meta[f"source:{name}"] = value

    def remember_event_id(self: Hub, token: str, event_id: str, seq: int) -> None:
        """Store that push token ``token`` used ``event_id`` for event ``seq`` (with it)."""
        self._pending.ingest_ids[(token, event_id)] = seq

    # -- retention ------------------------------------------------------------------------

    async def _prune_loop(self: Hub) -> None:
        while True:
            try:
                await self.prune()
            except Exception:
                log.exception("pruning old events failed; will try again")
            await asyncio.sleep(self.prune_interval)

    async def prune(self: Hub, now: float | None = None) -> int:
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

    def _fold_base(self: Hub, storage: Storage, old_base: int, target: int) -> str:
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

    def base_doc(self: Hub) -> tuple[int, SnapshotDoc | None]:
        """The base (cached until the next prune)."""
        if self._base_cache[0] != self.base_seq and self.storage is not None:
            seq, body = self.storage.base()
            doc = None if body is None else SnapshotDoc.model_validate_json(body)
            self._base_cache = (seq, doc)
        return self._base_cache


def batch_due(since_cut: float, since_full_run: float, pending: int, interval: float) -> bool:
    """Whether the flush task cuts the pending batch now: ``since_cut`` seconds after the last
    cut, ``since_full_run`` after a source last handed the hub a full run of lines (a
    backlog), ``pending`` events waiting, ``interval`` the hub's ``flush_interval``. Live:
    every ``interval``. In a backlog: at ``BACKLOG_BATCH`` events or after
    ``BACKLOG_FLUSH_INTERVAL``, or at once when no full run came for ``BACKLOG_PAUSE``."""
    if since_full_run < BACKLOG_PAUSE:
        return pending >= BACKLOG_BATCH or since_cut >= BACKLOG_FLUSH_INTERVAL
    return since_cut >= interval


def _float_or_none(text: str | None) -> float | None:
    try:
        value = None if text is None else float(text)
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None
