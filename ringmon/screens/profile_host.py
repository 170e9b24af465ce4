"""What the profile and the call log read from their App, read defensively so that any App
can host them: ``RingmonApp`` in production, a small host in tests.

- ``state``: the live model ``State`` (header, devices);
- ``hub_time.now()``: the hub's clock ("now" for today's numbers);
- ``tz``: the call center's zone (calendar days, R18);
- ``hub_url`` and ``token``: where REST goes, with which token;
- ``settings.player``: the command that plays a recording (optional).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringmon.feed.history import HubClient, HubError
from ringmon.model.history_docs import HistoryDoc
from ringmon.model.state import State


def app_state(app: Any) -> State | None:
    state = getattr(app, "state", None)
    return state if isinstance(state, State) else None


def app_now(app: Any, fallback: float) -> float:
    hub_time = getattr(app, "hub_time", None)
    if hub_time is not None and callable(getattr(hub_time, "now", None)):
        return float(hub_time.now())
    return fallback


def app_tz(app: Any, doc: HistoryDoc | None = None) -> tzinfo:
    tz = getattr(app, "tz", None)
    if isinstance(tz, tzinfo):
        return tz
    state = app_state(app)
    if state is not None:
        return state.tz
    if doc is not None:
        try:
            return ZoneInfo(doc.tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def app_client(app: Any) -> HubClient:
    """A REST client from ``app.hub_url`` and ``app.token``.

    Until the App exposes those two, the feed client's URL and header are used (read-only).
    """
    url = getattr(app, "hub_url", None)
    token = getattr(app, "token", None)
    feed = getattr(app, "feed", None)
    if not url and feed is not None:
        url = getattr(feed, "url", None)
        header = getattr(feed, "_headers", {}).get("Authorization", "")
        if token is None and header.startswith("Bearer "):
            token = header.removeprefix("Bearer ")
    if not url:
        raise HubError("this app does not know the hub's address (app.hub_url is not set)")
    return HubClient(str(url), token)


def app_player(app: Any) -> str | None:
    settings = getattr(app, "settings", None)
    player = getattr(settings, "player", None)
    return str(player) if player else None
