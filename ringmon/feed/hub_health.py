"""What the hub says of itself, in its heartbeats and ``/v1/health``: its status, its sources
and how far it is in loading its history (docs/feed-protocol.md).

Read tolerantly: a field that is absent or not what it should be is unknown (None, empty),
never an error, so that an older or newer hub is shown for what it does say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ringmon.feed.connection import Loading, SourceHealth

STATUSES = frozenset({"ok", "starting", "degraded"})


@dataclass(frozen=True, slots=True)
class HubHealth:
    status: str | None = None
    sources: tuple[SourceHealth, ...] = ()
    loading: Loading | None = None
    log: str | None = None
    """The event log the hub serves (hubs on one JetStream stream say the same): a client
    resumes with ``since`` on another hub only when it is the same log (or unsaid)."""
    shared_log: bool = False
    """The hub is on the shared log (``log`` in its health): its seqs are spaced."""


def parse_hub_health(data: object) -> HubHealth:
    """The hub's own state from a heartbeat or a ``/v1/health`` document."""
    if not isinstance(data, dict):
        return HubHealth()
    status = data.get("status")
    status = status if isinstance(status, str) and status in STATUSES else None
    sources = tuple(s for s in map(_source, _list(data.get("sources"))) if s is not None)
    loading = _loading(data) if status == "starting" else None
    shared = isinstance(data.get("log"), dict | str)
    return HubHealth(status, sources, loading, _log_id(data.get("log")), shared)


def _log_id(value: object) -> str | None:
    """Which log the hub serves: ``log.stream`` of a hub on the shared log (the stream's name
    and creation time), or a bare string; None when it does not say (an SQLite hub)."""
    if isinstance(value, dict):
        value = value.get("stream")
    return value if isinstance(value, str) and value else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _source(item: object) -> SourceHealth | None:
    if not isinstance(item, dict):
        return None
    name, state = item.get("name"), item.get("state")
    if not isinstance(name, str) or not isinstance(state, str):
        return None
    detail = item.get("detail")
    return SourceHealth(
        name, state, parse_time(item.get("since")), detail if isinstance(detail, str) else None
    )


def _loading(data: dict[str, Any]) -> Loading:
    """``loading: {loaded_days, loading_days}`` (heartbeat), or the same two keys at the top
    level (``/v1/health``)."""
    inner = data.get("loading")
    where = inner if isinstance(inner, dict) else data
    return Loading(_number(where.get("loaded_days")), _number(where.get("loading_days")))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def parse_time(value: object) -> float | None:
    """An aware ISO time from the hub as a UNIX time; anything else is None (unknown)."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at.timestamp() if at.tzinfo is not None else None
