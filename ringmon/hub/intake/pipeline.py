# mypy: disable-error-code="misc"
"""Where an event enters: the sources' ``Sink`` and the one path every event takes (a room of
``Hub``).

Ingest path (``emit``, ``emit_raw``, the push API's ``accept``): validate -> refuse as
``future`` an event dated more than ``max_future_skew`` ahead of the hub's clock ->
``State.apply`` (all or nothing; ``EventRejected`` means nothing changed) -> assign ``seq`` ->
the ledger (whom it concerns) -> queue for storage (store.py). All of it runs on the event loop
and touches only memory, so a source is never slowed by the disk.

Clock: the hub's clock is the wall clock, or under ``speed`` an accelerated one whose reading
is stored with every flush and resumed at a restart. No event's ``ts`` ever moves it: the
``future`` check and retention read it; stored events are applied again (restart, retention)
without looking at any clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING

from ringmon.hub.intake.validate import BadInput, RejectKind, parse_input
from ringmon.hub.shared import HubShared
from ringmon.model.schema import Event, dump_event, with_seq_ts
from ringmon.model.state import EventRejected
from ringmon.model.wire import to_dt

if TYPE_CHECKING:
    from ringmon.hub.core import Hub

log = logging.getLogger("ringmon.hub")

BACKLOG_RUN = 100
"""A run of at least this many lines means the source has a backlog (it reads as fast as the
hub takes them)."""
YIELD_AFTER = 0.005
"""A source emitting without pause (a backfill) lets the loop run at least this often (s)."""


class Pipeline(HubShared):
    """The ``Sink`` of sources/base.py: the clock a source reads, ``emit``/``emit_raw``, and
    ``accept`` (validate, future check, apply, number, ledger, queue)."""

    # -- the Sink interface ---------------------------------------------------------------

    def now(self: Hub) -> float:
        """The time documents and sources are stamped with: the hub's clock, or the newest
        event applied when a source's clock runs ahead (by at most ``max_future_skew``)."""
        return max(self.clock.now(), self.state.clock)

    def clock_now(self: Hub) -> float:
        """The hub's own clock (wall clock, or the demo's accelerated one), never an event's
        ts: what ``future`` is measured against and what retention follows."""
        return self.clock.now()

    def too_far_ahead(self: Hub, event: Event) -> str | None:
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

    def last_ts(self: Hub) -> float | None:
        return self.state.clock or None

    async def sleep_until(self: Hub, at: float) -> None:
        while True:
            left = at - self.clock.now()
            if left <= 0:
                return
            await asyncio.sleep(min(left / self.clock.speed, 1.0))

    async def emit(self: Hub, event: Event, *, source: str) -> bool:
        if self._range is not None:
            await self.range_stored()  # today's backlog is being stored (backlog.py)
        accepted = self.accept(event, source=source)
        await self._breathe()
        return accepted

    async def emit_raw(
        self: Hub,
        data: str | bytes | object,
        *,
        source: str,
        where: str = "",
        cursor: str | None = None,
    ) -> bool:
        """Parse and emit raw input (a JSON line or value); ``where`` prefixes the reason.
        ``cursor``: where ``source`` got to with this input, stored in the same transaction
        as the event (or with the events before it, when this one is rejected)."""
        if self._range is not None:
            await self.range_stored()  # today's backlog is being stored (backlog.py)
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

    async def _breathe(self: Hub) -> None:
        """Let the loop run now and then, and wait for the disk when far behind."""
        if len(self._pending.events) >= self.max_pending:
            await self.flush()
        if self.cluster is not None:
            await self.cluster.breathe()
        now = time.perf_counter()
        if now - self._last_yield >= YIELD_AFTER:
            await asyncio.sleep(0)
            self._last_yield = time.perf_counter()

    def reject(self: Hub, kind: RejectKind | str, reason: str, source: str) -> None:
        c = self.counters
        c.rejected_kind[str(kind)] += 1
        c.rejected_source[source] += 1
        c.recent.append(f"{source}: {kind}: {reason}")
        n = c.rejected_source[source]
        if n <= 100 or n % 1000 == 0:
            suffix = f" (rejection {n} from this source; logging every 1000th)" if n > 100 else ""
            log.warning("rejected %s event from %s: %s%s", kind, source, reason, suffix)

    # -- ingest ---------------------------------------------------------------------------

    async def emit_lines(
        self: Hub,
        events: Sequence[tuple[int, Event]],
        *,
        source: str,
        where: str,
        cursor: str | None = None,
    ) -> int:
        """Apply, number and queue the events of a run of lines (``(line number, event)``)
        with no await between them, then note ``cursor`` (where ``source`` got to, past these
        lines): so the events and the cursor go to storage in one transaction, and a run
        costs the loop one turn instead of one per line. A refusal's reason starts with
        ``WHERE line N``. Returns how many were accepted."""
        if self._range is not None:
            await self.range_stored()  # today's backlog is being stored (backlog.py)
        accepted = 0
        take = self._take
        limit = self.clock.now() + self.max_future_skew
        if len(events) >= BACKLOG_RUN:
            self._backlog_at = time.monotonic()  # fewer snapshots meanwhile (store.py)
        for line_no, event in events:
            refusal = take(event, source, limit)
            if refusal is None:
                accepted += 1
            else:
                self.reject(refusal[0], f"{where} line {line_no}: {refusal[1]}", source)
        if cursor is not None:
            self.set_source_cursor(source, cursor)
        await self._breathe()
        return accepted

    def accept(
        self, event: Event, *, source: str, where: str = "", dumped: str | None = None
    ) -> bool:
        """Apply, number, queue for storage and broadcast one event; False if rejected.

        ``dumped``: ``dump_event(event)`` made beforehand (off the event loop), if it was."""
        refusal = self._take(event, source, self.clock.now() + self.max_future_skew, dumped)
        if refusal is None:
            return True
        self.reject(refusal[0], f"{where}: {refusal[1]}" if where else refusal[1], source)
        return False

    def _take(
        self: Hub,
        event: Event,
        source: str,
        limit: float,
        dumped: str | None = None,
        seq: int | None = None,
    ) -> tuple[str, str] | None:
        """``accept`` without the reason's prefix: None when taken, else (kind, reason).
        ``limit``: the latest ``ts`` not ``future`` (the hub's clock plus the skew).
        On the shared log (hub/log/) a checked event is published, not applied; it is applied
        when it comes back from the stream, with its ``seq`` given."""
        fields = event.__dict__
        if fields["seq"] is not None:  # a source's numbering means nothing here
            event = event.model_copy(update={"seq": None})
            fields = event.__dict__
        ts = fields["ts"].timestamp()
        if ts > limit:
            future = self.too_far_ahead(event)
            if future is not None:
                return RejectKind.FUTURE, future
        if seq is None and self.cluster is not None:
            self.cluster.submit(event, source, dumped or dump_body(event))
            return None
        pre = self.ledger.before(self.state, event)
        try:
            at = self.state.apply(event)
        except EventRejected as exc:
            return exc.kind, f"{event.type}: {exc.reason}"
        except Exception as exc:  # a bug in the model must not take the hub down
            log.exception("event from %s broke the model", source)
            return RejectKind.INTERNAL, f"{event.type}: {exc!r}"
        seq = self._seq = self.state.seq = self._seq + 1 if seq is None else seq
        if at != ts:
            body = dump_event(with_seq_ts(event, seq, to_dt(at)))
            self.counters.clamped += 1
        else:
            # The same JSON as dumping a copy carrying the seq (seq is the first field), at a
            # fraction of the cost of copying a pydantic model.
            body = f'{{"seq":{seq},{(dumped or dump_body(event))[1:]}'
        self.counters.events += 1
        self._since_checkpoint += 1
        if self._first_ts_wanted and self.catching_up.get(source, 0) is None:
            self.catching_up[source] = at
            self._first_ts_wanted = any(v is None for v in self.catching_up.values())
        batch = self._pending
        batch.events.append((seq, at, fields["type"], body))
        self.ledger.after(self.state, event, seq, pre, batch)
        return None  # subscribers get it once it is committed (``_written``)


def dump_body(event: Event) -> str:
    """``dump_event``, calling pydantic-core's serializer directly (half the cost) for an
    event in UTC (every validated one is: ``utc_time``)."""
    if event.__dict__["ts"].tzinfo is UTC:
        return event.__pydantic_serializer__.to_json(event, exclude_none=True).decode()
    return dump_event(event)
