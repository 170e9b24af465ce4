"""The rows one flush writes (``WriteBatch``), in one transaction (storage.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ringmon.hub.tables import CallRow
from ringmon.model.calls import CallLeg


@dataclass(slots=True)
class WriteBatch:
    """Everything accepted since the last flush, written in one transaction."""

    events: list[tuple[int, float, str, str]] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)
    calls: dict[int, CallRow] = field(default_factory=dict)
    legs: dict[int, CallLeg] = field(default_factory=dict)
    """Legs whose call-log rows changed, by row id, as live objects: made ``calls`` rows by
    ``seal`` when the batch is cut (on the event loop: the legs change there)."""
    meta: dict[str, str] = field(default_factory=dict)
    checkpoint: tuple[int, str] | None = None
    snapshot: tuple[int, float, str] | None = None
    """(seq, the state's clock, its ``SnapshotDoc`` JSON): the state as of the batch's end."""
    ingest_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    """(push token name, event_id) -> seq of the event it stored."""

    def __bool__(self) -> bool:
        return bool(
            self.events
            or self.links
            or self.calls
            or self.legs
            or self.meta
            or self.checkpoint
            or self.snapshot
            or self.ingest_ids
        )

    @property
    def last_seq(self) -> int:
        return self.events[-1][0] if self.events else 0

    def seal(self) -> None:
        """Make the changed legs' rows as they are now (when the batch is cut: the state is
        then the state as of its last event)."""
        calls = self.calls
        for row_id, leg in self.legs.items():
            calls[row_id] = call_row(row_id, leg)
        self.legs.clear()


def call_row(row_id: int, leg: CallLeg) -> CallRow:
    return (
        row_id,
        leg.leg,
        leg.call,
        leg.account,
        leg.device,
        leg.employee,
        str(leg.direction),
        leg.remote,
        leg.ring_at,
        leg.answer_at,
        leg.end_at,
        leg.recording,
        leg.remote_name,
    )
