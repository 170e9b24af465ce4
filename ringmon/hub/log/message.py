"""One message of the shared event log: what a hub publishes and every hub applies (pure).

A message is text: a header line (JSON), then one event per line, each as the hub stores it
without its ``seq`` (``dump_event``: compact JSON, one line)::

    {"source": "ingest:crm", "token": "crm", "ids": ["a1", null], "whole": true, "cursor": null}
    {"type": "employee.upsert", "ts": "2026-03-24T07:00:00Z", "id": "e17", "name": "Anna"}
    {"type": "account.upsert", "ts": "2026-03-24T07:00:00Z", "login": "sip101", "employee": "e17"}

- ``source``: who sent the events (counted as such in ``/v1/health`` on every hub).
- ``token`` and ``ids``: a push batch's token name and each event's ``event_id`` (or null),
  deduplicated when the message is applied (JetStream's own window is minutes).
- ``whole``: a push batch, applied all or nothing.
- ``cursor``: where the source got to with these events (a ``file:`` source's position),
  stored by every hub with them, so that the hub that takes the source over resumes there.

An event's feed ``seq`` is ``stream sequence * SEQ_SPAN + its line number`` (from 0): one
sequence for every hub, strictly increasing in stream order, with gaps between messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

SEQ_SPAN = 10_000
"""Feed seqs per stream message: event ``i`` of message ``m`` is ``m * SEQ_SPAN + i``."""
MAX_EVENTS = 5_000
"""Events per message (the push API's own cap); a source's run is cut into such messages."""
MAX_BYTES = 768 * 1024
"""Bytes of events per message, under nats-server's default max_payload (1 MiB)."""


def feed_seq(stream_seq: int, index: int) -> int:
    return stream_seq * SEQ_SPAN + index


def stream_seq_of(seq: int) -> int:
    """The stream message holding feed seq ``seq``."""
    return seq // SEQ_SPAN


@dataclass(slots=True)
class LogMessage:
    source: str
    lines: list[str] = field(default_factory=list)
    ids: list[str | None] | None = None
    token: str | None = None
    whole: bool = False
    cursor: str | None = None

    def encode(self) -> bytes:
        head = {"source": self.source, "whole": self.whole}
        if self.token is not None:
            head["token"] = self.token
        if self.ids is not None:
            head["ids"] = self.ids
        if self.cursor is not None:
            head["cursor"] = self.cursor
        return b"\n".join([orjson.dumps(head), *(line.encode("utf-8") for line in self.lines)])


class BadMessage(ValueError):
    """A stream message that is not one of ours (another program writing to the subject)."""


def decode(data: bytes) -> LogMessage:
    head_line, _, rest = data.partition(b"\n")
    try:
        head = orjson.loads(head_line)
    except orjson.JSONDecodeError as exc:
        raise BadMessage(f"its header is not JSON: {exc}") from None
    if not isinstance(head, dict) or not isinstance(head.get("source"), str):
        raise BadMessage("its header names no source")
    lines = rest.decode("utf-8", errors="replace").split("\n") if rest else []
    ids = head.get("ids")
    if ids is not None and (not isinstance(ids, list) or len(ids) != len(lines)):
        raise BadMessage("its event ids do not match its events")
    token = head.get("token")
    cursor = head.get("cursor")
    return LogMessage(
        source=head["source"],
        lines=lines,
        ids=ids,
        token=token if isinstance(token, str) else None,
        whole=bool(head.get("whole")),
        cursor=cursor if isinstance(cursor, str) else None,
    )
