"""Base snapshots in JetStream's object store, so that a hub rebuilt after the stream's oldest
messages expired (its max age is the retention) still knows every employee (a part of
``ClusterLog``).

Every ``base_every`` seconds the hub holding the ``base`` lease puts the whole state as of the
last message it applied (the checkpoint body: state and the ledger's bookkeeping, zlib) under
``base-<stream seq, 12 digits>`` in the object store ``ringmon_base``; bases older than the
stream's first message are deleted, except the newest of them.

A hub whose index is empty starts from the stream's first message when nothing expired yet
(its index then holds every event the stream does), else from the oldest base at or after the
message before the stream's first one (the state there, then every message after it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import zlib
from typing import TYPE_CHECKING

from ringmon.hub.log import STREAM
from ringmon.hub.log.apply import STREAM_SEQ_KEY
from ringmon.hub.log.connection import LogUnavailable
from ringmon.hub.storage.database import WriteBatch

if TYPE_CHECKING:
    from ringmon.hub.log.cluster import ClusterLog

log = logging.getLogger("ringmon.hub.log")

NAME = re.compile(r"^base-(\d{12})$")


class Bases:
    def __init__(self, owner: ClusterLog) -> None:
        self.owner = owner
        self.published = 0

    async def _listed(self) -> list[int]:
        conn = self.owner.conn
        assert conn is not None
        try:
            infos = await conn.bases.list()
        except Exception:  # an empty store answers "no objects"
            return []
        found = []
        for info in infos:
            match = NAME.match(info.name or "")
            if match and not info.deleted:
                found.append(int(match.group(1)))
        return sorted(found)

    async def _first_seq(self) -> int:
        conn = self.owner.conn
        assert conn is not None
        info = await conn.js.stream_info(STREAM)
        return int(info.state.first_seq)

    async def restore_if_empty(self) -> None:
        """Where this hub's applying starts: after its index's last message; for an empty
        index, after the right base (restored into the state and the index) or at 1."""
        hub = self.owner.hub
        storage = hub.storage
        assert storage is not None
        applier = self.owner.applier
        known = storage.meta(STREAM_SEQ_KEY)
        if known is not None:
            applier.start_at(int(known))
            return
        if storage.last_seq() > 0:
            raise LogUnavailable(
                f"the data folder {hub.folder} holds the events of a hub that kept its own "
                "log (no --log): give a hub on the shared log a new data folder"
            )
        first = await self._first_seq()
        if first <= 1:
            applier.start_at(0)
            return
        bases = await self._listed()
        usable = [s for s in bases if s >= first - 1]
        chosen = usable[0] if usable else (bases[-1] if bases else None)
        if chosen is None or chosen < first - 1:
            log.error(
                "the stream starts at message %d and no base snapshot covers the messages "
                "before it: this hub's state misses what they said",
                first,
            )
        if chosen is None:
            applier.start_at(first - 1)
            return
        conn = self.owner.conn
        assert conn is not None
        result = await conn.bases.get(f"base-{chosen:012d}")
        raw = json.loads(zlib.decompress(result.data or b""))
        seq, body = int(raw["seq"]), str(raw["body"])
        hub.restore_base(seq, body)
        state_doc = json.dumps(json.loads(body)["state"], separators=(",", ":"))
        batch = WriteBatch()
        batch.checkpoint = (seq, body)
        batch.meta[STREAM_SEQ_KEY] = str(chosen)
        ledger = hub.ledger
        for leg_id in sorted(hub.state.legs):  # calls in progress get their call-log rows
            row = ledger.call_rows[leg_id] = ledger.next_call_id
            ledger.next_call_id += 1
            batch.legs[row] = hub.state.legs[leg_id]
        batch.seal()
        await asyncio.to_thread(storage.replace_base, seq, state_doc, 0.0)
        await asyncio.to_thread(storage.write, batch)
        hub.base_seq = hub.flushed_seq = seq
        applier.start_at(chosen)
        log.info("index rebuilt from the base snapshot at stream message %d (seq %d)", chosen, seq)

    async def run(self) -> None:
        leases = self.owner.leases
        assert leases is not None
        await leases.hold("base", self._publishing, None)

    async def _publishing(self) -> None:
        every = self.owner.settings.base_every
        while not self.owner.stopping:
            await asyncio.sleep(every)
            try:
                await self.publish()
            except Exception:
                log.warning("could not publish a base snapshot; trying later", exc_info=True)

    async def publish(self) -> int | None:
        """Put the state as of the last applied message; its stream sequence, or None."""
        applier, hub = self.owner.applier, self.owner.hub
        stream_seq = applier.applied
        if stream_seq <= self.published or stream_seq == 0:
            return None
        seq, body = hub.base_now()  # the state as of ``stream_seq`` (no await since)
        raw = json.dumps({"stream_seq": stream_seq, "seq": seq, "body": body})
        data = await asyncio.to_thread(zlib.compress, raw.encode("utf-8"), 6)
        conn = self.owner.conn
        assert conn is not None
        await conn.bases.put(f"base-{stream_seq:012d}", data)
        self.published = stream_seq
        first = await self._first_seq()
        older = [s for s in await self._listed() if s < first - 1]
        for old in older[:-1]:
            await conn.bases.delete(f"base-{old:012d}")
        return stream_seq
