"""Each source runs once for the whole cluster: a lease per source in the JetStream key-value
bucket ``ringmon_leases`` (a part of ``ClusterLog``).

Why a lease in the hubs rather than a separate ``ringmon relay`` process: every hub is
started with the same sources (one config file for the cluster), so a PBX source moves with
no other process to deploy, watch and make redundant; the bucket is already replicated with
the stream, and NATS decides who holds a key (compare-and-set on its revision), so no clock
of ours takes part in the decision.

How: the bucket's entries live ``lease_ttl`` seconds (10 by default) after their last write.
A hub takes a lease by ``create`` (only if the key is absent or expired) and refreshes it
every third of the TTL by ``update(last=revision)``, which fails if anyone else wrote the
key since. It stops the source at once when an update is refused, and when it could not
refresh for two thirds of the TTL (counted from before its last good write, so the source is
stopped before the entry can expire and another hub take it). A hub that dies stops
refreshing: within one TTL (plus a poll, 1 s) another hub creates the key and starts the
source, after applying the stream up to its end (the state and the source's cursor, e.g. a
file's position, are then those the old holder last published). A hub that stops cleanly
deletes its leases, so the others take over within a second. A hub restarted with the same
data folder (the same hub id) takes its own lease back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

if TYPE_CHECKING:
    from ringmon.hub.log.cluster import ClusterLog
    from ringmon.sources.base import SourceHealth

log = logging.getLogger("ringmon.hub.log")

POLL = 1.0
"""How often a hub without the lease tries to take it (s)."""


class Leases:
    def __init__(self, owner: ClusterLog, kv: KeyValue) -> None:
        self.owner = owner
        self.kv = kv
        self._held: dict[str, int] = {}

    def held(self) -> list[str]:
        return sorted(self._held)

    async def hold(
        self, key: str, run: Callable[[], Awaitable[Any]], status: SourceHealth | None
    ) -> None:
        """For ever: take the lease, run ``run()`` while it is held, stop it when lost."""
        ttl = self.owner.settings.lease_ttl
        me = self.owner.id.encode()
        while True:
            revision = await self._acquire(key, status)
            self._held[key] = revision
            log.info("this hub holds the lease %s", key)
            task = asyncio.create_task(self._caught_up_then(run), name=f"leased-{key}")
            good_at = time.monotonic()
            reason = ""
            try:
                while not reason:
                    await asyncio.wait({task}, timeout=ttl / 3)
                    if task.done() and not task.cancelled() and task.exception() is not None:
                        reason = f"could not start here ({task.exception()!r})"
                        break
                    sent = time.monotonic()
                    try:
                        async with asyncio.timeout(ttl / 3):
                            revision = await self.kv.update(key, me, last=revision)
                        good_at = sent
                        self._held[key] = revision
                    except KeyWrongLastSequenceError:
                        reason = "another hub took the lease"
                    except Exception as exc:
                        if time.monotonic() - good_at > ttl * 2 / 3:
                            reason = f"could not refresh the lease ({exc!r})"
            except asyncio.CancelledError:
                self._held.pop(key, None)
                await _stopped(task)
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(2.0):
                        await self.kv.delete(key, last=revision)
                raise
            self._held.pop(key, None)
            await _stopped(task)
            log.warning("lease %s lost: %s; stopped here", key, reason)
            if status is not None:
                status.set("stopped", f"lease lost: {reason}")
            await asyncio.sleep(POLL)

    async def _caught_up_then(self, run: Callable[[], Awaitable[Any]]) -> None:
        """Apply the stream up to its end first: the state and cursor the last holder left."""
        owner = self.owner
        end = await owner.stream_last_seq()
        await owner.applier.wait_applied(end, timeout=None)
        await owner.hub.flush()
        await run()
        await asyncio.Event().wait()  # a source that finished keeps its lease

    async def _acquire(self, key: str, status: SourceHealth | None) -> int:
        me = self.owner.id.encode()
        said = None
        while True:
            holder = ""
            try:
                return await self.kv.create(key, me)
            except KeyWrongLastSequenceError:
                pass
            except Exception as exc:  # NATS unreachable: keep trying
                holder = f"nobody yet (NATS: {exc!r})"
            try:
                entry = await self.kv.get(key)
                if entry.value == me and entry.revision is not None:
                    # This hub (restarted with the same data folder) held it: take it back.
                    return await self.kv.update(key, me, last=entry.revision)
                holder = (entry.value or b"?").decode(errors="replace")
            except KeyNotFoundError:
                continue  # expired meanwhile: try again at once
            except Exception:
                pass
            if status is not None and said != holder:
                said = holder
                status.set("stopped", f"runs on {holder} (this hub takes it over if that stops)")
            await asyncio.sleep(POLL)


async def _stopped(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
