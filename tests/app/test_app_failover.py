"""``ringmon --url A,B``: the App on two hub URLs, the first of which is down; the board comes
up from the second, says which hub it is on, and the profile's REST calls go there too."""

from __future__ import annotations

import socket
from pathlib import Path

from test_app_real_hub import FAST, hub, token, until  # noqa: F401 (hub: a fixture)

from ringmon.app import RingmonApp
from ringmon.feed.connection import Link
from ringmon.feed.hubs import hub_label
from ringmon.hub.server import HubServer
from ringmon.widgets.summary import SummaryBar


def closed_port() -> int:
    """A loopback port nobody listens on (bound, read, closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_the_board_comes_up_from_the_next_hub_and_says_which(
    hub: tuple[HubServer, Path],  # noqa: F811 (the fixture imported above)
) -> None:
    server, _ = hub
    down = f"http://127.0.0.1:{closed_port()}"
    app = RingmonApp(f"{down},{server.url}", token(server), feed_options=FAST)
    assert app.context.hub_url == down  # the first, until the feed is on one
    async with app.run_test(size=(140, 30)) as pilot:
        await until(pilot, lambda: len(app.context.state.employees) == 3)
        await until(pilot, lambda: app.context.connection.link is Link.CONNECTED)
        assert app.context.hub_url == server.url  # the profile and call log ask this hub
        summary = app.screen.query_one(SummaryBar)
        await until(pilot, lambda: f"live on {hub_label(server.url)}" in str(summary.render()))
        await pilot.press("q")
    assert app.return_code == 0
