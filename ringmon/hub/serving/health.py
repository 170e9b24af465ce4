# mypy: disable-error-code="misc"
"""What the hub says of itself: ``/v1/health`` and the feed's heartbeat (a room of ``Hub``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ringmon.hub.shared import HubShared
from ringmon.model.schema import utc_text
from ringmon.model.wire import to_dt

if TYPE_CHECKING:
    from ringmon.hub.core import Hub


class Health(HubShared):
    """The hub's status (ok, starting, degraded) and the documents that carry it."""

    def health(self: Hub) -> dict[str, Any]:
        c = self.counters
        extra: dict[str, Any] = {}
        if self.storage_error is not None:
            extra = {"storage_error": self.storage_error, "pending": len(self._pending.events)}
        if self.catching_up:
            extra["catching_up"] = sorted(self.catching_up)
        if self.cluster is not None:
            extra["log"] = self.cluster.health()  # the shared log (docs/scale-out.md)
        progress = self._loading()
        if progress is not None:
            extra["loaded_days"] = round(progress[0], 2)
            extra["loading_days"] = round(progress[1], 2)
            extra["loading"] = {  # as in the feed's heartbeat
                "loaded_days": extra["loaded_days"],
                "loading_days": extra["loading_days"],
            }
        return {
            "status": self.status(),
            "seq": self._seq,
            "now": utc_text(to_dt(self.now())),
            "speed": self.speed,
            "tz": self.tz_name,
            "events": c.events,
            "clamped": c.clamped,
            "rejected": {
                "total": sum(c.rejected_kind.values()),
                "by_kind": dict(c.rejected_kind),
                "by_source": dict(c.rejected_source),
                "recent": list(c.recent),
            },
            "clients": len(self.subscribers),
            "sources": self.sources_health(),
            "retained_from_seq": self.base_seq + 1,
        } | extra

    def status(self: Hub) -> str:
        """``degraded`` while storage fails or any source is unreachable or in error, else
        ``starting`` while a source replays its history, else ``ok``."""
        if self.storage_error is not None or any(s.failing for s in self.source_status.values()):
            return "degraded"
        if self.cluster is not None and self.cluster.error is not None:
            return "degraded"
        return "starting" if self.catching_up else "ok"

    def sources_health(self: Hub) -> list[dict[str, str | None]]:
        out = []
        for source in self.sources:
            entry = self.source_status[source.name].as_json(source.name)
            error = getattr(source, "error", None)  # e.g. a directory file's error
            if entry["detail"] is None and error:
                entry["detail"] = str(error)
            out.append(entry)
        return out

    def heartbeat_fields(self: Hub) -> dict[str, Any]:
        """What the feed's heartbeat says of the hub (docs/feed-protocol.md): status, sources
        and, while starting, the history loading progress."""
        fields: dict[str, Any] = {"status": self.status(), "sources": self.sources_health()}
        progress = self._loading()
        if progress is not None:
            fields["loading"] = {
                "loaded_days": round(progress[0], 2),
                "loading_days": round(progress[1], 2),
            }
        return fields

    def _loading(self: Hub) -> tuple[float, float] | None:
        """(days loaded, days to load): of the history sources are replaying before the hub
        serves today, else of what it writes in bulk after serving today: today's backlog
        (backlog.py; or what a stop left of it unstored, finished at the restart:
        backlog_restart.py), then the past days (backfill.py)."""
        if self.catching_up:
            progress = self.loading_progress()
            if progress is not None:
                return progress
        # A source finishing a range a stop cut short is still catching up (it has replayed
        # nothing yet): what is loading is that range.
        history, today = self.history_progress(), self.range_progress()
        if today is None:
            return history
        if history is None:
            return today
        return history[0] + today[0], history[1] + today[1]
