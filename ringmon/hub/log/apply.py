"""Consuming the stream and applying it, in stream order, on every hub (a part of
``ClusterLog``).

What a message does to the state is decided by the message and the state alone, never by a
clock nor by which hub applies it, so every hub decides the same:

- a line that is not an event (another program on the subject) is rejected as malformed;
- an event whose ``event_id`` its token already used (in the index or in an earlier
  message or line) is skipped as a duplicate;
- a push batch (``whole``) is tried on a scratch state first: one event that does not fit
  refuses the whole batch (as the push API's own check does on the receiving hub);
- every other event goes through ``Hub.take_logged`` with its seq (stream sequence x 10,000 +
  its line): applied, or rejected with the model's reason (``stale``, ``inconsistent``...).

A rejected or skipped event's seq is never used: a gap every hub has (docs/feed-protocol.md).
The stream sequence of the last message applied goes to the index (meta ``log:stream_seq``)
with its events, so a restarted hub resumes after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import nats.errors
from nats.js.api import ConsumerConfig, DeliverPolicy

from ringmon.hub.intake.trial import scratch_state
from ringmon.hub.intake.validate import BadInput, RejectKind, parse_input
from ringmon.hub.log import SUBJECT
from ringmon.hub.log.message import BadMessage, LogMessage, decode, feed_seq
from ringmon.model.schema import Event, parse_event
from ringmon.model.state import EventRejected

if TYPE_CHECKING:
    from ringmon.hub.log.cluster import ClusterLog

log = logging.getLogger("ringmon.hub.log")

STREAM_SEQ_KEY = "log:stream_seq"
"""The index's ``meta`` row: the last stream sequence applied (and stored with its events)."""
SEEN_IDS = 200_000
"""Event ids kept in memory (the newest); older ones are looked up in the index."""


class StalledConsumer(Exception):
    """The consumer delivers nothing although the stream has more: it is made anew."""


@dataclass(slots=True)
class Outcome:
    """What every hub made of a push batch."""

    accepted: int = 0
    duplicates: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    errors: list[dict[str, object]] | None = None
    stream_seq: int = 0


class Applier:
    def __init__(self, owner: ClusterLog) -> None:
        self.owner = owner
        self.applied = 0
        self._advanced = asyncio.Event()
        self._waiting: dict[str, asyncio.Future[Outcome]] = {}
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def start_at(self, stream_seq: int) -> None:
        self.applied = stream_seq

    # -- waiting --------------------------------------------------------------------------

    def expect(self, msg_id: str) -> asyncio.Future[Outcome]:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        return future

    def forget(self, msg_id: str) -> None:
        self._waiting.pop(msg_id, None)

    async def wait_applied(self, stream_seq: int, timeout: float | None) -> None:
        async with asyncio.timeout(timeout):
            while self.applied < stream_seq:
                self._advanced.clear()
                await self._advanced.wait()

    # -- consuming ------------------------------------------------------------------------

    async def run(self) -> None:
        """Consume from the last applied + 1, for ever (a new ordered consumer after any
        failure of the old one)."""
        conn = self.owner.conn
        assert conn is not None
        stall_check = self.owner.settings.stall_check
        failing = False
        while not self.owner.stopping:
            sub = None
            try:
                sub = await conn.js.subscribe(
                    SUBJECT,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                    config=_start(self.applied + 1),
                    pending_msgs_limit=2_000,
                    pending_bytes_limit=64 * 2**20,
                )
                while not self.owner.stopping:
                    try:
                        msg = await sub.next_msg(timeout=stall_check)
                    except nats.errors.TimeoutError:
                        await self._check_not_stalled()
                        continue
                    failing = False
                    await self.apply(int(msg.metadata.sequence.stream), msg.data, msg.headers)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # JetStream electing a leader, NATS unreachable...
                if not failing:  # said once per outage
                    log.warning("consuming the event stream failed (%r); trying again", exc)
                failing = True
                await asyncio.sleep(1.0)
            finally:
                if sub is not None:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()

    async def _check_not_stalled(self) -> None:
        """Raise if the stream holds messages past the last applied while none came: after a
        NATS node dies, nats-py's ordered consumer may fail to make its consumer anew (the
        request times out during the leader election) and then waits for ever on a delivery
        subject nothing is sent to, without raising."""
        last = await self.owner.stream_last_seq()
        if last > self.applied:
            raise StalledConsumer(f"the stream is at {last}, this hub at {self.applied}")

    async def apply(self, stream_seq: int, data: bytes, headers: dict[str, str] | None) -> None:
        if stream_seq <= self.applied:
            return  # delivered again after a consumer reset
        hub = self.owner.hub
        try:
            message = decode(data)
        except BadMessage as exc:
            hub.reject(RejectKind.MALFORMED, f"stream message {stream_seq}: {exc}", "log")
            message = None
        outcome = Outcome()
        if message is not None:
            outcome = await self._apply(stream_seq, message)
        hub.note_with_pending(STREAM_SEQ_KEY, str(stream_seq))
        self.applied = stream_seq
        self._advanced.set()
        waiter = self._waiting.get((headers or {}).get("Nats-Msg-Id", ""))
        if waiter is not None and not waiter.done():
            waiter.set_result(outcome)
        if hub.unflushed >= hub.max_pending:
            await hub.flush()  # the index is far behind: let it catch up
        await asyncio.sleep(0)

    async def _apply(self, stream_seq: int, message: LogMessage) -> Outcome:
        hub = self.owner.hub
        source = message.source
        outcome = Outcome()
        events: list[tuple[int, Event, str, str | None]] = []
        for index, line in enumerate(message.lines):
            try:
                event = parse_event(line)  # a hub's own dump: the schema's JSON parser
            except ValueError:
                try:
                    parse_input(line)
                    reason = "not an event"
                except BadInput as exc:
                    reason = exc.reason
                where = f"stream message {stream_seq} line {index}: {reason}"
                hub.reject(RejectKind.MALFORMED, where, source)
                continue
            events.append((index, event, line, message.ids[index] if message.ids else None))
        if message.token is not None and any(eid for *_, eid in events):
            events, outcome.duplicates = await self._unseen(message.token, events)
        if message.whole and events:
            refused = self._try_whole(events)
            if refused is not None:
                index, kind, reason = refused
                for _ in events:
                    hub.reject(kind, f"event {index}: {reason}", source)
                outcome.errors = [{"index": index, "message": reason}]
                return outcome
        for index, event, line, event_id in events:
            seq = feed_seq(stream_seq, index)
            refusal = hub.take_logged(event, source, line, seq)
            if refusal is not None:
                hub.reject(refusal[0], refusal[1], source)
                continue
            outcome.accepted += 1
            outcome.first_seq = outcome.first_seq or seq
            outcome.last_seq = seq
            if event_id is not None and message.token is not None:
                hub.remember_event_id(message.token, event_id, seq)
                self._remember((message.token, event_id))
        if message.cursor is not None:
            hub.note_with_pending(f"source:{source}", message.cursor)
        return outcome

    async def _unseen(
        self, token: str, events: list[tuple[int, Event, str, str | None]]
    ) -> tuple[list[tuple[int, Event, str, str | None]], int]:
        """``events`` less those whose id ``token`` already used; and how many those were."""
        hub = self.owner.hub
        ids = [eid for *_, eid in events if eid is not None and (token, eid) not in self._seen]
        stored: set[str] = set()
        if ids and hub.storage is not None:
            stored = await asyncio.to_thread(hub.storage.known_event_ids, token, ids)
        kept: list[tuple[int, Event, str, str | None]] = []
        in_message: set[str] = set()
        for item in events:
            eid = item[3]
            if eid is not None:
                if eid in in_message or eid in stored or (token, eid) in self._seen:
                    continue
                in_message.add(eid)
            kept.append(item)
        return kept, len(events) - len(kept)

    def _try_whole(
        self, events: list[tuple[int, Event, str, str | None]]
    ) -> tuple[int, str, str] | None:
        """The first event of a push batch that does not fit (index, kind, reason), or None."""
        hub = self.owner.hub
        scratch = scratch_state(hub.state, [event for _, event, _, _ in events])
        for index, event, _, _ in events:
            try:
                scratch.apply(event)
            except EventRejected as exc:
                return index, str(exc.kind), f"{event.type}: {exc.reason}"
            except Exception as exc:
                return index, RejectKind.INTERNAL, f"{event.type}: {exc!r}"
        return None

    def _remember(self, key: tuple[str, str]) -> None:
        self._seen[key] = None
        while len(self._seen) > SEEN_IDS:
            self._seen.popitem(last=False)


def _start(stream_seq: int) -> ConsumerConfig:
    return ConsumerConfig(opt_start_seq=max(stream_seq, 1))
