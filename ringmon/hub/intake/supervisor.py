# mypy: disable-error-code="misc"
"""Starting and watching the hub's sources (a room of ``Hub``).

Each source runs in its own task, restarted after a failure (backing off). Catching up: a
source that replays history at start (``backfills = True``, the simulator) says so by calling
``caught_up`` once it has reached the present; until every such source has, ``health`` says
``starting`` and ``wait_caught_up`` (the snapshot route) waits, so that no client takes last
week for today.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from typing import TYPE_CHECKING

from ringmon.hub.shared import DAY, HubShared
from ringmon.retry import Backoff, Lost
from ringmon.sources.base import Source, SourceHealth

if TYPE_CHECKING:
    from ringmon.hub.core import Hub

log = logging.getLogger("ringmon.hub")

SOURCE_BACKOFF_CAP = 60.0
"""The longest wait before a failed source is started again (s)."""
RAN_WELL = 60.0
"""A source that ran this long before failing starts the waits over (s)."""


class Supervisor(HubShared):
    """Sources' tasks, their health, and the history they are still catching up on."""

    def add_source(self: Hub, source: Source) -> None:
        self.sources.append(source)
        own = getattr(source, "health", None)
        self.source_status[source.name] = own if isinstance(own, SourceHealth) else SourceHealth()
        if self.cluster is not None:
            # Once for the cluster: on the hub holding its lease (hub/log/lease.py). Other
            # hubs do not wait for its history: they apply what the holder publishes.
            status = self.source_status[source.name]
            run = self.cluster.leased(source.name, lambda: self._supervise(source), status)
            self._source_tasks.append(asyncio.create_task(run, name=f"source-{source.name}"))
            return
        if getattr(source, "backfills", False):
            self.catching_up[source.name] = None
            self._first_ts_wanted = True
            self._caught_up.clear()
        task = asyncio.create_task(self._supervise(source), name=f"source-{source.name}")
        self._source_tasks.append(task)

    async def _supervise(self: Hub, source: Source) -> None:
        """Run ``source``, restarting it after a failure (backing off). A source with its own
        ``health`` reports connecting/running/unreachable itself; the supervisor says
        ``running`` for the others, and ``error``/``done``/``stopped`` for all."""
        status = self.source_status[source.name]
        reports_itself = getattr(source, "health", None) is status

        async def run_once() -> None:
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
                # It ran a good while before failing: start over gently.
                ran = time.monotonic() - started > RAN_WELL
                raise Lost(f"{type(exc).__name__}: {exc}", after_running=ran) from exc

        def waiting(lost: Lost, seconds: float) -> None:
            log.error(
                "source %s failed; restarting it in %.0f s",
                source.name,
                seconds,
                exc_info=lost.__cause__,
            )
            status.error(f"{lost.reason}; restarting in {seconds:g} s")

        await Backoff(self.source_backoff, SOURCE_BACKOFF_CAP).keep_trying(
            run_once, waiting=waiting
        )
        status.set("done")
        log.info("source %s has finished", source.name)
        self.caught_up(source.name)

    def caught_up(self: Hub, source: str) -> None:
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
            # Live from here: hourly snapshots again, from the top of the next hour. Not one
            # now: it would cost the loop what a /v1/snapshot does (~0.5 s at 10,000
            # employees) just as the first clients ask for theirs, and replays do not need
            # it: the filler (checkpoints.py) adds snapshots after the newest one every few
            # thousand events, and the hours of the catch-up once the next hour's is taken.
            self._next_snapshot_at = self._snapshot_after(self.state.clock)

    @property
    def is_caught_up(self: Hub) -> bool:
        return self._caught_up.is_set()

    async def wait_caught_up(self: Hub, timeout: float | None = None) -> bool:
        """Wait until every source has caught up (at most ``timeout`` s); whether it has."""
        if self._caught_up.is_set():
            return True
        # Not ``wait_for``: on Python 3.11 it drops a cancellation that comes as the event is
        # set (the hub's stop, just as a source catches up), and the waiter runs on.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._caught_up.wait()
        return self._caught_up.is_set()

    def loading_progress(self: Hub) -> tuple[float, float] | None:
        """(days loaded, days to load) of the history being replayed, when known."""
        starts = [ts for ts in self.catching_up.values() if ts is not None]
        if not starts:
            return None
        first = min(starts)
        total = max(self.now() - first, 0.0) / DAY
        done = min(max(self.state.clock - first, 0.0) / DAY, total)
        return done, total

    def loading_message(self: Hub) -> str:
        names = ", ".join(sorted(self.catching_up)) or "its sources"
        progress = self.loading_progress()
        if progress is None:
            return f"the hub is still loading history (from {names}); try again shortly"
        done, total = progress
        return (
            f"the hub is still loading history: {int(done)} of {math.ceil(total)} days "
            f"(from {names}); try again shortly"
        )
