"""Snapshots of what the board says about the feed, at 80x24: silent, a source down (with the
hub's heartbeats still coming), the hub loading its history (first connect, and after a
loss), and the wall screen's clock and freshness, live and with a source down.

After an intended change: ``pytest tests/board --snapshot-update``, then look at the pictures in
the report before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
from board_data import NOW, TZ, board_state
from board_host import BoardHost, settings, settle

from ringmon.feed.connection import Connection, Link, Loading, SourceHealth
from ringmon.model.state import State

SOURCES = (
    SourceHealth("asterisk:pbx1.example.com:8088", "unreachable", NOW - 27 * 60),
    SourceHealth("file:/var/spool/ringmon/push.jsonl", "running", NOW - 3600),
)
LOADING = Loading(loaded_days=3.2, loading_days=7.6)

CONNECTIONS = {
    "silent": Connection(
        Link.CONNECTED, since=NOW - 3600, last_event_at=NOW - 40, last_frame_at=NOW - 12
    ),
    "source_down": Connection(
        Link.CONNECTED,
        since=NOW - 3600,
        last_event_at=NOW - 27 * 60,
        last_frame_at=NOW - 1,
        heartbeat_every=2.0,
        hub_status="degraded",
        sources=SOURCES,
    ),
    "every_source_down": Connection(
        Link.CONNECTED,
        since=NOW - 3600,
        last_event_at=NOW - 27 * 60,
        last_frame_at=NOW - 1,
        hub_status="degraded",
        sources=SOURCES[:1],
    ),
    "loading_after_a_loss": Connection(
        Link.RECONNECTING,
        since=NOW - 30,
        last_event_at=NOW - 35,
        attempts=2,
        loading=LOADING,
    ),
}


@pytest.mark.parametrize("name", list(CONNECTIONS))
def test_feed_banner(snap_compare: Any, name: str) -> None:
    app = BoardHost(connection=CONNECTIONS[name])
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_loading_history_on_first_connect(snap_compare: Any) -> None:
    connection = Connection(Link.CONNECTING, since=NOW - 5, loading=LOADING)
    app = BoardHost(State(TZ), connection=connection)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


NO_PAGING = settings(page=3600.0)


@pytest.mark.parametrize("name", ["live", "source_down"])
def test_wall_clock_and_freshness(snap_compare: Any, name: str) -> None:
    connection = (
        Connection(Link.CONNECTED, since=NOW - 3600, last_event_at=NOW - 3, last_frame_at=NOW)
        if name == "live"
        else CONNECTIONS["source_down"]
    )
    app = BoardHost(board_state(80), wall=True, settings_obj=NO_PAGING, connection=connection)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
