"""The WebSocket feed of docs/feed-protocol.md (``/v1/feed``): the handshake's checks (R1,
``since``, ``v``), then the stored events after ``since`` and the live ones as they are
committed, with heartbeats; ``resync`` when the client cannot be caught up."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ringmon.hub.core import Hub
from ringmon.hub.serving.access import ApiError, authorize, bearer, error, protocol_version
from ringmon.hub.serving.fanout import DIRECT_WRITE, Subscriber
from ringmon.hub.serving.replay import iso
from ringmon.model.schema import PROTOCOL_VERSION

log = logging.getLogger("ringmon.hub")


async def _deny(websocket: WebSocket, status: int, message: str) -> None:
    """Refuse the handshake with an HTTP status and a JSON body (or a close if the server
    cannot send one)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(error(status, message))
    else:
        await websocket.close(code=1008, reason=message[:120])


async def serve_feed(hub: Hub, websocket: WebSocket) -> None:
    """One feed connection, from its handshake to its end."""
    try:
        authorize(hub, websocket.headers)
    except ApiError as exc:
        await _deny(websocket, exc.status, exc.message)
        return
    since_text = websocket.query_params.get("since")
    since: int | None = None
    if since_text is not None:
        try:
            since = int(since_text)
        except ValueError:
            await _deny(websocket, 400, f"since={since_text!r} is not a sequence number")
            return
        if since < 0:
            await _deny(websocket, 400, "since must be 0 or more")
            return
    if protocol_version(websocket.query_params.get("v")) is None:
        text = websocket.query_params.get("v")
        await _deny(
            websocket,
            400,
            f"v={text!r} is not a protocol version (this hub speaks {PROTOCOL_VERSION})",
        )
        return
    await websocket.accept()
    if since is not None and hub.cluster is not None and since > hub.flushed_seq:
        # A client failing over from a hub that is ahead: the same seq, once applied here.
        await hub.cluster.wait_for_seq(since, timeout=10.0)
    if since is not None and hub.flushed_seq < since <= hub.seq:
        # Numbered but not committed yet (so sent to nobody by this hub): subscribe once it is.
        with contextlib.suppress(Exception):  # storage failing: the sender says resync
            await hub.wait_flushed(since)
    async with hub.subscription(bearer(websocket.headers)) as sub:
        sender = asyncio.create_task(_send_feed(hub, websocket, sub, since))
        receiver = asyncio.create_task(_ignore_incoming(websocket))
        try:
            await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sub.direct = None
            cancelled = await _stop(sender, receiver)
            failure = sender.exception() if not sender.cancelled() else None
            if failure is not None and not isinstance(
                failure, WebSocketDisconnect | OSError | RuntimeError
            ):
                log.error("feed connection failed", exc_info=failure)
            if cancelled is not None:
                raise cancelled


async def _stop(*tasks: asyncio.Task[None]) -> asyncio.CancelledError | None:
    """Cancel ``tasks`` and wait until they have all ended; the cancellation of the caller
    that came meanwhile (for it to pass on once they have), or None.

    Not ``await task``: a cancelled child's CancelledError and one meant for the caller look
    the same, and taking the caller's for the child's loses it (the handler would return as if
    nothing had happened)."""
    for task in tasks:
        task.cancel()
    cancelled: asyncio.CancelledError | None = None
    pending = set(tasks)
    while pending:
        try:
            _, pending = await asyncio.wait(pending)
        except asyncio.CancelledError as exc:
            cancelled = exc  # ours: the children still end first (they were cancelled)
            pending = {task for task in pending if not task.done()}
    for task in tasks:  # retrieved: the caller reads the one it cares about
        if not task.cancelled():
            task.exception()
    return cancelled


async def _ignore_incoming(websocket: WebSocket) -> None:
    """The feed is one-way; read (and drop) what the client sends, to notice it leaving."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state is WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close(code=code, reason=reason[:120])


async def _resync(websocket: WebSocket, reason: str) -> None:
    await websocket.send_text(json.dumps({"type": "resync", "reason": reason}))
    await _close(websocket, 1000, "resync")


async def _beating_until_stored(
    hub: Hub, seq: int, beat: Callable[[], Awaitable[None]], next_beat: Callable[[], float]
) -> None:
    """Wait until storage holds ``seq``, sending heartbeats meanwhile: the replay of a client
    that resumes may wait a while (a backlog being stored, a disk failing and retried), and
    it hears the hub say why (loading, degraded), not silence it would take for a lost feed."""
    stored = asyncio.ensure_future(hub.wait_flushed(seq))
    try:
        while not stored.done():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(next_beat()):
                    await asyncio.shield(stored)
            if not stored.done():
                await beat()
        stored.result()
    finally:
        if not stored.done():
            stored.cancel()
        elif not stored.cancelled():
            stored.exception()  # retrieved: raised above, or the caller's error is raised


def _frame(batch: list[tuple[int, str]]) -> str:
    if len(batch) == 1:
        return batch[0][1]
    return "[" + ",".join(body for _, body in batch) + "]"


async def _send_feed(hub: Hub, websocket: WebSocket, sub: Subscriber, since: int | None) -> None:
    """Replay ``since < seq <= start`` from storage, then live events with ``seq > start``.

    ``start`` is the newest committed seq when the client subscribed, and live events come
    only from committed batches (one frame per batch), so nothing sent can be lost by a crash.

    The subscription is made before the replay, so nothing emitted meanwhile is lost, and
    live events the replay already covered are dropped by seq: no gap, no repeat. Heartbeats
    carry the last seq sent on this connection; one is sent as soon as the replay is done.
    """
    loop = asyncio.get_running_loop()
    start = sub.start_seq
    last = start if since is None else since
    if last > start:
        await _resync(
            websocket,
            f"since={last} is newer than anything this hub has (its newest is {start}): "
            "its storage was replaced; take a new snapshot",
        )
        return
    if last < hub.base_seq:
        await _resync(
            websocket,
            f"events after {last} are no longer kept (retention keeps from seq "
            f"{hub.base_seq + 1}); take a new snapshot",
        )
        return
    next_beat = loop.time() + hub.heartbeat

    async def beat() -> None:
        nonlocal next_beat
        payload: dict[str, Any] = {
            "type": "heartbeat",
            "seq": last,
            "now": iso(hub.now()),
            "speed": hub.speed,
            **hub.heartbeat_fields(),
        }
        await websocket.send_text(json.dumps(payload))
        next_beat = loop.time() + hub.heartbeat

    if last < start:
        await _beating_until_stored(hub, start, beat, lambda: next_beat)
        async for rows in hub.replay(last, start):
            # (On the shared log seqs have gaps by design: docs/feed-protocol.md.)
            if rows[0][0] != last + 1 and (hub.cluster is None or last < hub.base_seq):
                await _resync(websocket, "events were pruned during the replay; resync")
                return
            await websocket.send_text(_frame(rows))
            last = rows[-1][0]
            if loop.time() >= next_beat:
                await beat()
        if last != start:
            await _resync(websocket, f"events after {last} are no longer stored; resync")
            return
    await beat()
    sub.last_sent = last
    sub.direct = websocket.scope.get("extensions", {}).get(DIRECT_WRITE)
    while True:
        if sub.closing is not None:
            await _close(websocket, *sub.closing)
            return
        if sub.overflowed:
            await _resync(websocket, "this client fell too far behind the live feed; resync")
            return
        frame = sub.pop()
        if frame is None:
            sub.wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(next_beat):
                    await sub.wake.wait()
        elif frame.last > sub.last_sent:  # (one the replay already sent is dropped)
            # The same bytes for every client: encoded once when its batch was committed.
            sub.sending = True
            try:
                await websocket.send(frame.message)
            finally:
                sub.sending = False
            sub.last_sent = frame.last
        last = sub.last_sent  # frames may also have been written at commit (Subscriber.push)
        if loop.time() >= next_beat:
            await beat()
