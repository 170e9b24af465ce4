# mypy: disable-error-code="misc"
"""What the shared event log (hub/log/, ``--log nats://...``) may do to the hub beside its
public attributes: apply an event that came back from the stream with its seq, store a note
with the pending events, and take or restore a base snapshot. The log's modules call these,
never the rooms' own private methods (pipeline.py, store.py), so the rooms stay free to
change how they do it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ringmon.hub.shared import HubShared
from ringmon.model.schema import Event

if TYPE_CHECKING:
    from ringmon.hub.core import Hub


class LogHost(HubShared):
    def take_logged(
        self: Hub, event: Event, source: str, dumped: str, seq: int
    ) -> tuple[str, str] | None:
        """Apply an event of the stream as ``seq``: None when taken, else (kind, reason).
        No ``future`` check (the receiving hub made it before publishing; applying reads no
        clock, so every hub decides the same)."""
        return self._take(event, source, math.inf, dumped, seq=seq)

    def note_with_pending(self: Hub, key: str, value: str) -> None:
        """Store ``key`` = ``value`` in the index's meta with the pending events (one
        transaction): where the stream or a source got to."""
        self._pending.meta[key] = value

    @property
    def unflushed(self: Hub) -> int:
        """Events applied and not yet written to the index."""
        return len(self._pending.events)

    def base_now(self: Hub) -> tuple[int, str]:
        """The live state as a base snapshot: (its seq, its checkpoint body)."""
        return self._seq, self._checkpoint_body()

    def restore_base(self: Hub, seq: int, body: str) -> None:
        """Make a base snapshot (``base_now`` of some hub) the live state, at ``seq``."""
        self._restore_checkpoint(body)
        self._seq = self.state.seq = seq
