"""The hub: one live ``State`` and its rooms, put together (life cycle, the live feed's
subscriptions, snapshots).

Where an event enters is pipeline.py (and push_api.py for ``POST /v1/ingest``), where it is
stored is store.py (storage.py underneath), where it leaves is fanout.py and feed_socket.py
(the WebSocket feed, via ``subscription``) and routes.py (REST). Sources are started and
watched by supervisor.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable

from ringmon.hub.intake.backfill import Backfill
from ringmon.hub.intake.backlog import Backlog
from ringmon.hub.intake.backlog_restart import BacklogRestart
from ringmon.hub.intake.pipeline import Pipeline
from ringmon.hub.intake.supervisor import Supervisor
from ringmon.hub.log_host import LogHost
from ringmon.hub.serving.fanout import Subscriber
from ringmon.hub.serving.health import Health
from ringmon.hub.serving.limits import MAX_FUTURE_SKEW
from ringmon.hub.storage.checkpoints import fill_when_caught_up
from ringmon.hub.storage.store import CLOCK_KEY, StorageFailing, Store
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.sources.base import Source

log = logging.getLogger("ringmon.hub")

__all__ = ["MAX_FUTURE_SKEW", "Hub", "StorageFailing"]

SNAPSHOT_REUSE = 1.0
"""How long (s of the hub's clock) a snapshot is served again while no event has come."""


class Hub(Pipeline, Store, Supervisor, Backfill, Backlog, BacklogRestart, Health, LogHost):
    """One live ``State`` and the rooms around it: ``Pipeline`` (where an event enters),
    ``Store`` (where it is stored), the fan-out (``subscription``: where it leaves),
    ``Supervisor`` (the sources), ``Health``, and ``LogHost`` (what the shared log may do)."""

    async def start(self, sources: Iterable[Source] = ()) -> None:
        """Start the flush and prune tasks, then every source (each supervised)."""
        if self.storage is None:
            self.open()
        if self.cluster is not None:
            await self.cluster.start()  # the stream applied up to its end (hub/log/)
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="hub-flush"))
        self._tasks.append(asyncio.create_task(self._prune_loop(), name="hub-prune"))
        self._tasks.append(asyncio.create_task(fill_when_caught_up(self), name="hub-fill"))
        for source in sources:
            self.add_source(source)

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
        if self.cluster is not None:
            await self.cluster.stop()
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

    # -- the live feed --------------------------------------------------------------------

    @property
    def seq(self) -> int:
        return self._seq

    @contextlib.asynccontextmanager
    async def subscription(self, token: str | None = None) -> AsyncIterator[Subscriber]:
        """A live queue from the newest committed seq, for the block's duration: it gets every
        batch committed after it, and the feed replays from storage up to its ``start_seq``.
        With ``token``, the feed is closed when that token is revoked
        (fanout.watch_revocations). Leaving the block unsubscribes it, whatever happens."""
        sub = Subscriber(self.flushed_seq, self.queue_bytes, token)
        if self._stopping:
            sub.close("the hub is shutting down")
        self.subscribers.add(sub)
        try:
            yield sub
        finally:
            sub.direct = None
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
        now = self.now()
        doc = snapshot_json(self.state, now, self.speed, self.tz_name).decode()
        self._last_snapshot = (self._seq, now, doc)
        return doc

    async def committed_snapshot(self) -> str:
        """The snapshot JSON of the live state, served only once every event in it is stored
        (at most one flush away). Raises ``StorageFailing`` when storage cannot commit.

        The last one made is served again while no event came since, it is committed and it
        is less than ``SNAPSHOT_REUSE`` old (the hub's clock): clients asking together (all
        of them after a restart of the hub) cost one encoding, not one each."""
        if self._range is not None:
            # Today's backlog, served while it is stored (backlog.py): nothing else is
            # applied meanwhile, and the range is stored with the seqs it shows.
            served = self.snapshot_json()
            self._snapshot_served.set()
            return served
        last = self._last_snapshot
        if (
            last is not None
            and last[0] == self._seq <= self.flushed_seq
            and 0.0 <= self.now() - last[1] < SNAPSHOT_REUSE
        ):
            return last[2]
        try:
            doc = await self.flush(snapshot=True)
        except (OSError, sqlite3.Error) as exc:
            raise StorageFailing(f"{type(exc).__name__}: {exc}") from exc
        assert doc is not None
        self._snapshot_served.set()
        return doc
