"""Access tokens shared by every hub on the shared log: a client that fails over to another
hub is not refused, and a revocation reaches every hub.

Tokens are still made and revoked with ``ringmon token add|revoke`` on any one hub's data
folder (tokens.py, unchanged). Each hub shares its own tokens in the key-value bucket
``ringmon_tokens``: the key is the token's SHA-256 (never the secret), the value its name,
role and the hub it comes from (``origin``); the hub looks at its file every half second and
puts what was added, deletes what was revoked (only the keys it put). Every hub watches the
bucket and keeps it in memory: a token is known when its own file or the bucket knows it. A
revocation on one hub reaches the others within about a second (its next look, then the
watch), and their feeds of that token close as for a local revocation (fanout.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging

from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from ringmon.hub.log import STOP_WAIT
from ringmon.hub.serving.tokens import Principal, TokenInfo, TokenStore

log = logging.getLogger("ringmon.hub.log")

SYNC_EVERY = 0.5


class ClusterTokens:
    """``TokenStore``'s interface (what the hub uses of it), over the file and the bucket."""

    def __init__(self, local: TokenStore, kv: KeyValue, hub_id: str) -> None:
        self.local = local
        self.kv = kv
        self.hub_id = hub_id
        self._shared: dict[str, tuple[str, str, str]] = {}  # hash -> name, role, origin
        self._changes = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._synced: tuple[int, int] | None = None
        self._watcher: KeyValue.KeyWatcher | None = None
        self._stopping = False  # as ClusterLog.stopping

    async def start(self) -> None:
        """Read the bucket, then put this hub's tokens in it. Tried again as a whole while
        NATS is not ready (ClusterLog.start): the bucket is read once."""
        watcher = self._watcher
        if watcher is None:
            watcher = await self.kv.watchall()
            while True:  # the bucket as it is, up to the end-of-initial-values marker
                entry = await watcher.updates(timeout=30.0)  # type: ignore[no-untyped-call]
                if entry is None:
                    break
                self._seen(entry)
            self._watcher = watcher
        await self.sync()
        self._tasks = [
            asyncio.create_task(self._watch(watcher), name="tokens-watch"),
            asyncio.create_task(self._sync_loop(), name="tokens-sync"),
        ]

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # Bounded: a task that swallowed its cancellation (asyncio.wait_for on Python
            # 3.11 can) must not keep the hub from stopping.
            await asyncio.wait(self._tasks, timeout=STOP_WAIT)

    def _seen(self, entry: KeyValue.Entry) -> None:
        self._changes += 1
        if entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
            self._shared.pop(entry.key, None)
            return
        try:
            raw = json.loads(entry.value)
            self._shared[entry.key] = (str(raw["name"]), str(raw["role"]), str(raw["origin"]))
        except (ValueError, KeyError, TypeError):
            log.warning("token bucket entry %s is not one of ours; ignored", entry.key[:8])

    async def _watch(self, watcher: KeyValue.KeyWatcher) -> None:
        async for entry in watcher:
            if self._stopping:
                return
            if entry is not None:
                self._seen(entry)

    async def _sync_loop(self) -> None:
        while not self._stopping:
            await asyncio.sleep(SYNC_EVERY)
            try:
                await self.sync()
            except Exception:
                log.warning("could not share this hub's tokens; trying again", exc_info=True)

    async def sync(self) -> None:
        """Put this hub's tokens in the bucket, delete those it revoked."""
        revision = self.local.revision()
        if revision == self._synced:
            return
        local = dict(await asyncio.to_thread(self.local.digests))
        mine = {k: v for k, v in self._shared.items() if v[2] == self.hub_id}
        for digest, info in local.items():
            if mine.get(digest, ("", "", ""))[:2] != (info.name, info.role):
                value = {"name": info.name, "role": info.role, "origin": self.hub_id}
                await self.kv.put(digest, json.dumps(value).encode())
        for digest in set(mine) - set(local):
            await self.kv.delete(digest)
        self._synced = revision

    # -- TokenStore's interface -----------------------------------------------------------

    def authenticate(self, token: str) -> Principal | None:
        found = self.local.authenticate(token)
        if found is not None:
            return found
        shared = self._shared.get(hashlib.sha256(token.encode("utf-8")).hexdigest())
        return None if shared is None else Principal(shared[0], shared[1])

    def revision(self) -> tuple[int, int]:
        changes, version = self.local.revision()
        return changes + self._changes, version

    def add(self, name: str, role: str) -> str:
        return self.local.add(name, role)

    def revoke(self, name: str) -> bool:
        return self.local.revoke(name)

    def list(self) -> list[TokenInfo]:
        return self.local.list()

    def close(self) -> None:
        self.local.close()
