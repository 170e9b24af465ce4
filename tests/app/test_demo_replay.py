"""``ringmon demo --at TIME``: the demo's own hub (a real process with the simulator, as
``run_demo`` starts it) and the board replayed at that moment. The App asks for the moment
once the hub answers (the screen is up before the hub is), and again while the hub says it
is still loading (its sources catching up, its past days being written); a time it cannot
read stops it before any hub starts."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from ringmon.app import RingmonApp
from ringmon.cli import build_parser, main
from ringmon.config import Settings
from ringmon.demo import free_port, hub_command, make_token, start_hub, stop_hub, wait_healthy
from ringmon.feed.connection import Link
from ringmon.model.snapshot_reader import SnapshotReading
from ringmon.replay.moment import parse_at
from ringmon.screens.board import BoardScreen

TZ = "Europe/Warsaw"
WARSAW = ZoneInfo(TZ)


async def until(pilot: Any, condition: Callable[[], Any], timeout: float = 120.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.05)


def moments() -> list[str]:
    """Today ten minutes ago (today's events), and yesterday at noon (the past days the hub
    writes in bulk after today: asked again until they are in)."""
    now = datetime.now(WARSAW)
    yesterday = (now - timedelta(days=1)).replace(hour=12, minute=0)
    return [(now - timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M"), f"{yesterday:%Y-%m-%d} 12:00"]


def test_demo_takes_at_before_or_after_the_command() -> None:
    parser = build_parser()
    assert parser.parse_args(["demo", "--at", "14:05"]).at == "14:05"
    assert parser.parse_args(["--at", "14:05", "demo"]).at == "14:05"
    assert parser.parse_args(["demo"]).at is None


def test_a_bad_at_stops_the_demo_before_its_hub_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--at", "last tuesday"]) == 2
    err = capsys.readouterr().err
    assert "ringmon demo: --at 'last tuesday' is not a time like" in err


@pytest.mark.parametrize("text", moments(), ids=["today", "yesterday"])
async def test_demo_at_replays_that_moment_on_the_demos_hub(tmp_path: Path, text: str) -> None:
    args = build_parser().parse_args(
        ["demo", "--at", text, "--employees", "12", "--backfill-days", "2", "--tz", TZ]
    )
    assert isinstance(args, argparse.Namespace)
    data = tmp_path / "data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile(prefix="ringmon-hub-") as output:
        child = start_hub(hub_command(args, port, data), output)
        try:
            _, token = make_token(data)
            at = parse_at(args.at, WARSAW)
            app = RingmonApp(
                url,
                token,
                Settings(tz=TZ),
                feed_options={"first_delay": 0.05},
                ready=lambda: wait_healthy(url, child, output),
                at=at,
            )
            async with app.run_test(size=(120, 30)) as pilot:
                await until(pilot, lambda: app.replay.shown == at)
                board = app.screen_stack[0]
                assert isinstance(board, BoardScreen)
                await until(pilot, lambda: len(board.board.rows) == 12)
                assert app.context.connection.link is Link.REPLAY
                assert app.context.hub_time.now() == at
                # The board shows the hub's state at that moment, not the live one.
                async with httpx.AsyncClient(base_url=url) as http:
                    response = await http.get(
                        "/v1/replay",
                        params={"at": datetime.fromtimestamp(at, WARSAW).isoformat()},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                assert response.status_code == 200, response.text
                expected = SnapshotReading(response.content).state(WARSAW)
                shown = app.context.state
                assert shown.seq == expected.seq and shown.clock == expected.clock
                assert {e.id: e.status for e in shown.employees.values()} == {
                    e.id: e.status for e in expected.employees.values()
                }
        finally:
            stop_hub(child)
