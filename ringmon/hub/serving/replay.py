"""The board at any past moment: ``GET /v1/replay?at=ISO`` and ``GET /v1/replay/events``.

A moment ``T`` is rebuilt by the model, exactly as the live state was: the newest snapshot the
store took at or before ``T`` (``Storage.snapshot_before``; the folded base when retention
pruned everything before it, an empty state when the hub kept every event), then every stored
event after that snapshot whose ``ts`` is at or before ``T``, applied in seq order with
``State.apply``. So merge, missed and in-status come out of the same code as live; the
document is the one ``/v1/snapshot`` serves, with ``now`` = ``T`` and ``seq`` the last event at
or before ``T``. Snapshots are kept every hour of event time (the store) and every
``events_between`` seqs in between (hub/storage/checkpoints.py: as many as there are employees, at
least 1,000), so a moment costs one snapshot's decoding, at most about as many events as there
are employees, and one encoding, off the event loop.

``/v1/replay/events?after=SEQ&until=ISO`` gives the stored events after ``SEQ`` up to ``until``
(in pages): a client that holds the state at some moment plays forward by applying them with
its own model, instead of asking for the whole state again.

Kept moments: from the base's last event (or the first stored event) up to the hub's clock. A
moment before that, or after the hub's clock, gets a 4xx with a sentence saying what is kept.
Replays are CPU work on a shared machine: at most ``MAX_AT_ONCE`` run at once, the others
wait (up to ``WAIT_SECONDS``, then 503).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ringmon.hub.core import Hub
from ringmon.hub.serving.compression import maybe_gzipped
from ringmon.hub.serving.queries import QueryError
from ringmon.hub.storage.database import Storage
from ringmon.model.schema import parse_event, utc_text
from ringmon.model.snapshot_reader import SnapshotReading
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.model.state import EventRejected, State
from ringmon.model.wire import SnapshotDoc, state_from_snapshot, to_dt

log = logging.getLogger("ringmon.hub")

MAX_AT_ONCE = 2
"""Replays built at the same time (each holds one state: bounded memory and CPU)."""
WAIT_SECONDS = 20.0
"""How long a replay waits for its turn before the hub answers 503."""
MAX_EVENTS_PAGE = 20_000
DEFAULT_EVENTS_PAGE = 5_000

_SPACED_OFFSET = re.compile(r"^(.*T.*\d) (\d\d:?\d\d)$")
"""``...T14:05:00 01:00``: a ``+`` that an unencoded query string turned into a space."""


def parse_moment(text: str | None, tz: tzinfo, name: str = "at") -> float:
    """``2026-11-30T14:05:00Z`` (or with an offset) as epoch seconds; without an offset, a
    local time of the hub's zone ``tz``. QueryError 400 when it is no time."""
    if text is None or not text.strip():
        raise QueryError(400, f"{name}= is missing: give a time like 2026-11-30T14:05:00Z")
    cleaned = text.strip()
    spaced = _SPACED_OFFSET.match(cleaned)
    if spaced is not None:
        cleaned = f"{spaced.group(1)}+{spaced.group(2)}"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise QueryError(
            400, f"{name}={text!r} is not a time like 2026-11-30T14:05:00Z (ISO 8601)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()


def iso(at: float) -> str:
    """A hub time as the protocol writes it (``2026-03-24T14:05:00Z``)."""
    return utc_text(to_dt(at))


def kept_from(storage: Storage, base: SnapshotDoc | None) -> float | None:
    """The earliest moment the hub can rebuild: the base's last event, else the first stored
    event's time; None when nothing is stored at all."""
    if base is not None:
        if base.clock is not None:
            return base.clock.timestamp()
        return base.now.timestamp()
    first = storage.events_batch(0, None, 1)
    return None if not first else parse_event(first[0][1]).ts.timestamp()


def check_moment(hub: Hub, at: float, storage: Storage, base: SnapshotDoc | None) -> None:
    """QueryError 400 for a moment after the hub's clock, 410 for one before what is kept."""
    now = hub.now()
    if at > now:
        raise QueryError(
            400,
            f"{iso(at)} is in the future: the hub's clock says {iso(now)}. "
            "For the board now, use /v1/snapshot.",
        )
    first = kept_from(storage, base)
    if first is None:
        raise QueryError(410, f"the hub keeps no events yet, so it has no state at {iso(at)}")
    if at < first:
        raise QueryError(
            410,
            f"{iso(at)} is before what the hub keeps: its events start at {iso(first)} "
            f"(retention {hub.retention / 86_400:g} days)",
        )


def seq_at(storage: Storage, at: float, base_seq: int) -> int:
    """The last seq whose ``ts`` is at or before ``at`` (``ts`` never decreases along seq)."""
    return max(base_seq, storage.last_seq_before(math.nextafter(at, math.inf)))


def state_at(
    storage: Storage, base_seq: int, base: SnapshotDoc | None, at: float, tz: tzinfo
) -> State:
    """The live state as it was at ``at``: the newest snapshot at or before it (or the base,
    or nothing), then the stored events up to ``at``. Synchronous (run it in a thread)."""
    upto = seq_at(storage, at, base_seq)
    found = storage.snapshot_before(at)
    if found is not None and base_seq <= found[0] <= upto:
        start = found[0]
        state = SnapshotReading(found[2]).state(tz)
    elif base is not None:
        start = base_seq
        state = state_from_snapshot(base, tz)
    else:
        start = 0
        state = State(tz)
    for rows in storage.iter_events(start, upto, batch=5000):
        for seq, body in rows:
            try:
                state.apply(parse_event(body))
            except EventRejected as exc:  # as at restart: a stored event should apply again
                log.error("replay: stored event %d does not apply again: %s", seq, exc.reason)
    state.seq = max(state.seq, upto)
    return state


class Replayer:
    """Builds past states for the routes, a bounded number at a time."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._turns = asyncio.Semaphore(MAX_AT_ONCE)

    def _storage(self) -> Storage:
        storage = self.hub.storage
        if storage is None:
            raise QueryError(503, "the hub is shutting down")
        return storage

    async def _turn(self) -> None:
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                await self._turns.acquire()
        except TimeoutError:
            raise QueryError(
                503, "the hub is busy rebuilding other moments; try again in a few seconds"
            ) from None

    async def _loaded(self, at: float) -> None:
        """Wait while the sources catch up (as ``/v1/snapshot`` does: the events up to ``at``
        may not be stored yet), then QueryError 503 if they still do, or if ``at`` is among
        the past days still being written in bulk (hub/intake/backfill.py)."""
        hub = self.hub
        if not await hub.wait_caught_up(hub.catch_up_wait):
            raise QueryError(503, hub.loading_message())
        if hub.loading_history_at(at):
            progress = hub.history_progress()
            days = "" if progress is None else f" ({int(progress[0])} of {progress[1]:.0f} days)"
            raise QueryError(
                503,
                f"the hub is still loading its past days{days} and {iso(at)} is among them; "
                "try again shortly",
            )

    async def snapshot_at(self, at_text: str | None) -> bytes:
        """The ``/v1/snapshot`` document of the moment ``at_text``."""
        hub = self.hub
        at = parse_moment(at_text, hub.tz)
        storage = self._storage()
        await self._loaded(at)
        await hub.wait_flushed(hub.seq)
        base_seq, base = hub.base_doc()
        await asyncio.to_thread(check_moment, hub, at, storage, base)
        await self._turn()
        try:

            def build() -> bytes:
                state = state_at(storage, base_seq, base, at, hub.tz)
                body: bytes = snapshot_json(state, at, hub.speed, hub.tz_name)
                return body

            return await asyncio.to_thread(build)
        finally:
            self._turns.release()

    async def events(
        self, after_text: str | None, until_text: str | None, limit_text: str | None
    ) -> bytes:
        """The stored events after seq ``after`` up to the moment ``until``, one page:
        ``{"seq": last seq given, "until": ..., "more": bool, "events": [...]}``."""
        hub = self.hub
        try:
            after = int(after_text) if after_text is not None else -1
            limit = int(limit_text) if limit_text is not None else DEFAULT_EVENTS_PAGE
        except ValueError:
            raise QueryError(400, "after= and limit= are whole numbers") from None
        if after < 0:
            raise QueryError(400, "after= is missing: the seq of the state you hold (0 or more)")
        if not 1 <= limit <= MAX_EVENTS_PAGE:
            raise QueryError(400, f"limit must be between 1 and {MAX_EVENTS_PAGE}")
        # A moment past the hub's clock is its clock: the client's estimate of it may run a
        # little ahead.
        until = min(parse_moment(until_text, hub.tz, "until"), hub.now())
        storage = self._storage()
        await self._loaded(until)
        await hub.wait_flushed(hub.seq)
        base_seq = hub.base_seq
        if after < base_seq:
            raise QueryError(
                410,
                f"events after seq {after} are no longer kept (retention keeps them from seq "
                f"{base_seq + 1} on): ask /v1/replay?at= for the state again",
            )

        def page() -> bytes:
            upto = seq_at(storage, until, base_seq)
            rows = storage.events_batch(after, upto, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            last = rows[-1][0] if rows else after
            head = f'{{"seq":{last},"until":"{iso(until)}","more":{"true" if more else "false"}'
            return (head + ',"events":[' + ",".join(body for _, body in rows) + "]}").encode()

        return await asyncio.to_thread(page)


Authorize = Callable[[Hub, Mapping[str, str]], Any]


def replay_routes(
    hub: Hub, authorize: Authorize, headers: Mapping[str, str] | None = None
) -> list[Route]:
    """The replay's routes, for the hub's app: ``routes=[..., *replay_routes(hub, authorize)]``;
    ``authorize`` is the routes' R1 check (raises for a caller who may not read the report)."""
    replayer = Replayer(hub)
    served = dict(headers or {})

    def handler(make: Callable[[Request], Awaitable[bytes]]) -> Callable[..., Any]:
        async def handle(request: Request) -> Response:
            authorize(hub, request.headers)
            body = await make(request)
            return await maybe_gzipped(request, body, served)  # as /v1/snapshot

        return handle

    async def at_moment(request: Request) -> bytes:
        return await replayer.snapshot_at(request.query_params.get("at"))

    async def events(request: Request) -> bytes:
        q = request.query_params
        return await replayer.events(q.get("after"), q.get("until"), q.get("limit"))

    return [
        Route("/v1/replay", handler(at_moment)),
        Route("/v1/replay/events", handler(events)),
    ]
