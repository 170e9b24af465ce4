"""The live feed's fan-out: committed batches, encoded once, queued for every feed client.

A committed batch becomes text frames once (``encode_frames``: a JSON array of at most
``FRAME_EVENTS`` events and about ``FRAME_CHARS`` characters each), and every subscriber
queues references to the same frames: 200 clients cost one encoding, not 200. A frame carries
its bytes on the wire too (a server's WebSocket frame is not masked, and the hub does not
compress, so they are the same for every client): the hub's WebSocket protocol
(``guards.GuardedWebSocketProtocol``) writes them as they are, and any other ASGI server
sends the text.

Each subscriber's queue is bounded in bytes (the frames' text and wire bytes), not in events. A
client whose queue passes its bound is marked ``overflowed``, its queue is dropped, and its
sender tells it to resync (docs/feed-protocol.md); the hub never waits for a client. Because
the frames are shared, the memory all queues hold together is at most about one bound (the
longest queue), whatever the number of clients. A client that stops reading altogether is
closed by the send timeout of the WebSocket protocol (``hub/serving/guards.py``).

Revocation: ``watch_revocations`` looks at the token store about once a second; when a token
changed (``TokenStore.revision``), every feed whose token is no longer valid for reading is
closed (code 1008, a plain reason), so a revoked token loses its open feeds within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from websockets.frames import Frame as WireFrame
from websockets.frames import Opcode

from ringmon.hub.serving.tokens import TokenStore

log = logging.getLogger("ringmon.hub")

FRAME_EVENTS = 1000
FRAME_CHARS = 256 * 1024
"""A frame holds at most this many events / about this many characters (a long batch is
split): small enough for every client's ``max_size`` and for a slow link."""

GOING_AWAY = 1001
POLICY_VIOLATION = 1008
REVOKED = "this access token was revoked: ask an administrator for a new one"


@dataclass(frozen=True, slots=True)
class Frame:
    """One text frame of the live feed: events ``first..last`` (by seq) as JSON."""

    first: int
    last: int
    text: str
    wire: bytes = field(init=False)
    """The whole WebSocket frame (header and UTF-8 text), as written to every client."""

    def __post_init__(self) -> None:
        frame = WireFrame(Opcode.TEXT, self.text.encode())
        object.__setattr__(self, "wire", frame.serialize(mask=False))

    @property
    def size(self) -> int:
        return len(self.wire) + len(self.text)

    @property
    def message(self) -> dict[str, object]:
        """The ASGI message sending it (``ringmon.wire``: see GuardedWebSocketProtocol)."""
        return {"type": "websocket.send", "text": self.text, WIRE: self.wire}


WIRE = "ringmon.wire"
"""The key of a ``websocket.send`` message holding the frame's bytes on the wire."""
DIRECT_WRITE = "ringmon.write"
"""The ASGI scope extension of the hub's WebSocket protocol: ``write(wire) -> bool``."""


def encode_frames(rows: Iterable[tuple[int, float, str, str]]) -> list[Frame]:
    """The committed storage rows (seq, ts, type, body) as frames: a single event as itself,
    several as a JSON array. Built once per batch, sent to every client."""
    frames: list[Frame] = []
    bodies: list[str] = []
    first = last = chars = 0

    def cut() -> None:
        text = bodies[0] if len(bodies) == 1 else "[" + ",".join(bodies) + "]"
        frames.append(Frame(first, last, text))

    for seq, _, _, body in rows:
        if bodies and (len(bodies) >= FRAME_EVENTS or chars + len(body) > FRAME_CHARS):
            cut()
            bodies = []
            chars = 0
        if not bodies:
            first = seq
        bodies.append(body)
        last = seq
        chars += len(body) + 1
    if bodies:
        cut()
    return frames


class Subscriber:
    """One feed client's queue of live frames, bounded in characters (``limit``)."""

    def __init__(self, start_seq: int, limit: int, token: str | None = None) -> None:
        self.start_seq = start_seq
        self.limit = limit
        self.token = token
        self.frames: deque[Frame] = deque()
        self.queued = 0
        self.wake = asyncio.Event()
        self.overflowed = False
        self.closing: tuple[int, str] | None = None
        self.last_sent = start_seq
        """The newest seq written to this client (what its heartbeats say)."""
        self.direct: Callable[[bytes], bool] | None = None
        """Writes a frame to the client at once when its connection can take it (False when
        it cannot): set by the feed once it is live, on the hub's own WebSocket protocol."""
        self.sending = False
        """The feed's sender is writing a frame: nothing may overtake it."""

    def push(self, frames: list[Frame]) -> None:
        """Send or queue a committed batch's frames (shared with every other subscriber).

        A client that is keeping up (nothing queued, nothing being sent, its connection
        writable) gets them written here and now: no task to wake per client and per batch.
        """
        if self.overflowed or self.closing is not None:
            return
        if self.direct is not None and not self.frames and not self.sending:
            sent = 0
            for frame in frames:
                if frame.last > self.last_sent:
                    if not self.direct(frame.wire):
                        break
                    self.last_sent = frame.last
                sent += 1
            if sent == len(frames):
                return
            frames = frames[sent:]
        self.frames.extend(frames)
        self.queued += sum(frame.size for frame in frames)
        if self.queued > self.limit:
            self.overflowed = True
            self.frames.clear()
            self.queued = 0
        self.wake.set()

    def pop(self) -> Frame | None:
        if not self.frames:
            return None
        frame = self.frames.popleft()
        self.queued -= frame.size
        return frame

    def close(self, reason: str, code: int = GOING_AWAY) -> None:
        if self.closing is None:
            self.closing = (code, reason)
        self.frames.clear()
        self.queued = 0
        self.wake.set()


def revoke_lost(tokens: TokenStore, subscribers: Collection[Subscriber]) -> int:
    """Close every feed whose token no longer reads; how many were closed."""
    closed = 0
    for sub in list(subscribers):
        if sub.token is None or sub.closing is not None:
            continue
        principal = tokens.authenticate(sub.token)
        if principal is None or not principal.may_read:
            sub.close(REVOKED, POLICY_VIOLATION)
            closed += 1
    return closed


async def watch_revocations(
    tokens: Callable[[], TokenStore | None],
    subscribers: Collection[Subscriber],
    interval: float = 1.0,
) -> None:
    """Close feeds of revoked tokens, looking every ``interval`` s (until cancelled)."""
    seen: tuple[int, int] | None = None
    while True:
        await asyncio.sleep(interval)
        store = tokens()
        if store is None:
            continue
        try:
            revision = store.revision()
            if revision != seen:
                seen = revision
                closed = revoke_lost(store, subscribers)
                if closed:
                    log.info("closed %d feed(s) of revoked tokens", closed)
        except Exception:  # a locked or vanished token file: try again next time
            with contextlib.suppress(Exception):
                log.warning("could not check tokens for revocation", exc_info=True)
