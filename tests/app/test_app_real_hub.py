"""RingmonApp on the real hub (a ``file:`` source with a small JSONL): rows, live, quit, and
the refusal of an employee token (R1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from ringmon.app import RingmonApp
from ringmon.feed.connection import Link
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.model.schema import AccountUpsert, DeviceStatus, EmployeeUpsert, Event, dump_event
from ringmon.screens.refused import RefusedScreen
from ringmon.widgets.columns import MARK_WIDTH
from ringmon.widgets.employee_table import EmployeeTable

FAST = {"first_delay": 0.05}


def roster(t0: datetime) -> list[Event]:
    people = [("e1", "Anna Nowak", "Sales"), ("e2", "Jan Kowalski", None), ("e3", "Ola Lis", "IT")]
    out: list[Event] = []
    for i, (emp, name, dept) in enumerate(people):
        out += [
            EmployeeUpsert(ts=t0, id=emp, name=name, department=dept),
            AccountUpsert(ts=t0, login=f"sip{i}", employee=emp),
            DeviceStatus(
                ts=t0, account=f"sip{i}", device="c1", user_agent="MicroSIP", status="online"
            ),
        ]
    return out


async def until(pilot: Any, condition: Callable[[], Any], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[tuple[HubServer, Path]]:
    source = tmp_path / "events.jsonl"
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    source.write_text("".join(dump_event(e) + "\n" for e in roster(t0)))
    config = HubConfig(
        data=tmp_path / "data", port=0, sources=[f"file:{source}"], follow=True, tz="UTC"
    )
    async with running_hub(config) as server:
        yield server, source


def token(server: HubServer, role: str = "analyst") -> str:
    assert server.hub.tokens is not None
    return server.hub.tokens.add(f"t-{role}", role)


async def test_default_screen_shows_rows_and_q_quits(hub: tuple[HubServer, Path]) -> None:
    server, _ = hub
    app = RingmonApp(server.url, token(server), feed_options=FAST)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: len(app.context.state.employees) == 3)
        await until(
            pilot,
            lambda: all(name in app.export_screenshot() for name in ("Nowak", "Kowalski", "Lis")),
        )
        await pilot.press("q")
    assert app.return_code == 0


def painted_line(app: RingmonApp, name: str) -> str:
    """The board's line of ``name`` as painted ("" while it is not on screen)."""
    table = app.screen.query_one(EmployeeTable)
    lines = (table.render_line(y).text for y in range(table.size.height))
    return next((line for line in lines if line[MARK_WIDTH:].strip().startswith(name)), "")


async def test_board_follows_the_file_live(hub: tuple[HubServer, Path]) -> None:
    server, source = hub
    app = RingmonApp(server.url, token(server), feed_options=FAST)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(
            pilot,
            lambda: (
                "online" in painted_line(app, "Ola Lis")
                and app.context.connection.link is Link.CONNECTED
            ),
        )
        later = DeviceStatus(ts=datetime.now(UTC), account="sip2", device="c1", status="offline")
        with source.open("a") as f:
            f.write(dump_event(later) + "\n")
        await until(pilot, lambda: "offline" in painted_line(app, "Ola Lis"))
        await pilot.press("q")
    assert app.return_code == 0


async def test_employee_token_is_refused_full_screen(hub: tuple[HubServer, Path]) -> None:
    server, _ = hub
    app = RingmonApp(server.url, token(server, "employee"), feed_options=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot, lambda: isinstance(app.screen, RefusedScreen) and app.screen.query("#refusal")
        )
        text = str(app.screen.query_one("#refusal", Static).render())
        assert "Access refused" in text and "'employee'" in text
        assert "analyst or administrator token." in text
        assert "(R1)" not in text
        await pilot.press("enter")
    assert app.return_code == 1


async def test_open_profile_shows_the_employee_over_rest(hub: tuple[HubServer, Path]) -> None:
    server, _ = hub
    app = RingmonApp(server.url, token(server), feed_options=FAST)
    assert app.context.hub_url == server.url
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.context.state.employees) == 3)
        app.open_profile("e1")
        await until(pilot, lambda: type(app.screen).__name__ == "ProfileScreen")
        await until(pilot, lambda: "Anna&#160;Nowak" in app.export_screenshot())
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ != "ProfileScreen")
