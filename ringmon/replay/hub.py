"""The replay's REST calls: the state at a moment, and the events after it (docs/replay.md).

Failures are ``HubError`` (``ringmon.hub_client``) with a sentence, as for the profile's calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from ringmon.hub_client import HubClient
from ringmon.hub_client.client import hub_zone
from ringmon.hub_client.errors import unreadable
from ringmon.model.schema import Event, UnknownEventType, parse_feed_event, utc_text
from ringmon.model.snapshot_reader import SnapshotReading
from ringmon.model.state import State

EVENTS_PAGE = 5000
MAX_PAGES = 40
"""A forward step reads at most this many pages of events; past that a snapshot is cheaper."""


@dataclass(slots=True)
class Moment:
    """The state at ``at`` as the hub rebuilt it."""

    at: float
    state: State


@dataclass(slots=True)
class Page:
    """Events after the state's seq, up to a moment (``more``: another page follows)."""

    events: list[Event]
    seq: int
    more: bool


def _iso(at: float) -> str:
    return utc_text(datetime.fromtimestamp(at, UTC))


class ReplayClient(HubClient):
    """``GET /v1/replay?at=`` and ``GET /v1/replay/events``."""

    async def moment(self, at: float, tz: tzinfo | None) -> Moment:
        """The board's state at ``at`` (in ``tz``, else the hub's zone)."""
        response = await self._get("/v1/replay", {"at": _iso(at)})
        try:
            reading = SnapshotReading(response.content)
            return Moment(reading.now, reading.state(tz or hub_zone(reading.tz)))
        except ValueError as exc:  # pydantic's ValidationError included
            raise unreadable(self.url, "a replay", exc) from None

    async def events(self, after: int, until: float, limit: int = EVENTS_PAGE) -> Page:
        """One page of the stored events after seq ``after`` up to the moment ``until``."""
        params: dict[str, str | int] = {"after": after, "until": _iso(until), "limit": limit}
        response = await self._get("/v1/replay/events", params)
        try:
            body = response.json()
            events = []
            for item in body["events"]:
                try:
                    events.append(parse_feed_event(item))
                except UnknownEventType:  # a newer hub's: stepped over, as the live feed does
                    continue
            return Page(events, int(body["seq"]), bool(body["more"]))
        except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError included
            detail = exc if isinstance(exc, ValueError) else ValueError(f"{exc!r}")
            raise unreadable(self.url, "replay events", detail) from None
