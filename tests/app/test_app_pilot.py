"""RingmonApp driven by Pilot against the scripted hub: the board's rows, live updates,
coalescing, refusal, quitting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from feed_fakehub import TOKEN, FakeHub, at, base_events, call_events, frame
from textual.screen import Screen
from textual.widgets import Static
from websockets.asyncio.server import ServerConnection

from ringmon.app import RingmonApp, main_screen_class
from ringmon.feed.connection import Link
from ringmon.model.schema import DeviceStatus, EmployeeUpsert
from ringmon.screens.model_messages import ModelChanged
from ringmon.screens.refused import RefusedScreen
from ringmon.widgets.columns import MARK_WIDTH
from ringmon.widgets.employee_table import EmployeeTable
from ringmon.widgets.summary import FeedBanner

FAST = {"first_delay": 0.05}


def board_app(url: str, **feed_options: float) -> RingmonApp:
    """The app as a user starts it: its main screen is the board."""
    return RingmonApp(url, TOKEN, feed_options={**FAST, **feed_options})


async def until(pilot: Any, condition: Callable[[], Any], timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds (re-checked after each pause)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def table_lines(app: RingmonApp) -> dict[str, str]:
    """The board's table as painted, by employee name: the line a user reads for each."""
    table = app.screen.query_one(EmployeeTable)
    lines = [table.render_line(y).text for y in range(table.size.height)]
    return {
        name: line
        for line in lines
        for name in (r.name for r in app.context.state.employees.values())
        if line[MARK_WIDTH:].strip().startswith(name)
    }


class Spy(Screen[None]):
    """A screen that records the ModelChanged messages it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[ModelChanged] = []
        self.times: list[float] = []

    def on_model_changed(self, message: ModelChanged) -> None:
        self.seen.append(message)
        if not message.reset:
            self.times.append(message.time)


async def test_rows_appear_update_live_and_q_quits() -> None:
    later = DeviceStatus(ts=at(30), seq=7, account="sip2", device="c1", status="offline")
    first_rows_seen = asyncio.Event()

    async def script(ws: ServerConnection, since: int) -> None:
        await first_rows_seen.wait()
        await ws.send(frame(later))
        await ws.wait_closed()

    async with FakeHub(script=script) as hub:
        app = board_app(hub.url)
        async with app.run_test(size=(100, 24)) as pilot:
            await until(pilot, lambda: app.context.state.seq == 6 and len(table_lines(app)) == 2)
            rows = table_lines(app)
            assert "Sales" in rows["Anna Nowak"]
            assert "online" in rows["Jan Kowalski"] and "Zoiper" in rows["Jan Kowalski"]
            first_rows_seen.set()
            await until(pilot, lambda: app.context.state.seq == 7)
            await until(pilot, lambda: "offline" in table_lines(app)["Jan Kowalski"])
            assert app.context.connection.link is Link.CONNECTED
            await pilot.press("q")
        assert app.return_code == 0


async def test_events_are_coalesced_into_one_model_changed_per_tick() -> None:
    extra = [EmployeeUpsert(ts=at(20), seq=7 + i, id=f"x{i}", name=f"Extra {i}") for i in range(30)]
    spy_listening = asyncio.Event()

    async def script(ws: ServerConnection, since: int) -> None:
        await spy_listening.wait()
        for event in extra:  # thirty frames in a burst
            await ws.send(frame(event))
        await ws.wait_closed()

    async with FakeHub(script=script) as hub:
        app = RingmonApp(hub.url, TOKEN, feed_options=FAST)
        async with app.run_test() as pilot:
            spy = Spy()
            await app.push_screen(spy)
            spy_listening.set()
            extras = {f"x{i}" for i in range(30)}

            def told() -> frozenset[str]:
                return frozenset().union(*(m.employees for m in spy.seen if not m.reset))

            await until(pilot, lambda: app.context.state.seq == 36 and told() == extras)
            live = [m for m in spy.seen if not m.reset]  # a reset may come from the snapshot
            assert frozenset().union(*(m.employees for m in live)) == {f"x{i}" for i in range(30)}
            assert len(live) < len(extra)  # not one per frame
            gaps = [b - a for a, b in zip(spy.times, spy.times[1:], strict=False)]
            assert all(gap >= 0.04 for gap in gaps), gaps  # at most one per 50 ms tick


async def test_snapshot_sends_reset() -> None:
    async with FakeHub() as hub:
        app = RingmonApp(hub.url, TOKEN, feed_options=FAST)
        async with app.run_test() as pilot:
            spy = Spy()
            await app.push_screen(spy)
            await until(pilot, lambda: app.context.connection.link is Link.CONNECTED)
            app.feed_snapshot(app.context.state)
            await until(pilot, lambda: spy.seen and spy.seen[-1].reset)
            assert str(app.context.tz) == "Europe/Warsaw"


async def test_refused_shows_a_full_screen_message_and_any_key_exits() -> None:
    message = "the token of 'bob' has role employee"
    async with FakeHub(refuse=(403, message)) as hub:
        app = board_app(hub.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(
                pilot,
                lambda: isinstance(app.screen, RefusedScreen) and app.screen.query("#refusal"),
            )
            text = str(app.screen.query_one("#refusal", Static).render())
            assert text.startswith("Access refused") and message in text
            assert "analyst or administrator token." in text
            assert "(R1)" not in text
            await pilot.press("x")
        assert app.return_code == 1


async def test_reconnecting_is_shown_as_stale() -> None:
    calls = call_events(7)

    applied = asyncio.Event()

    async def script(ws: ServerConnection, since: int) -> None:
        await ws.send(frame(calls[0]))
        await applied.wait()
        ws.transport.abort()

    async with FakeHub(events=base_events() + calls, script=script) as hub:
        hub.snapshot_seq = 6
        app = board_app(hub.url, first_delay=5.0)
        async with app.run_test() as pilot:
            await until(pilot, lambda: app.context.state.seq == 7)
            applied.set()
            await until(pilot, lambda: app.context.connection.link is Link.RECONNECTING)
            banner = app.screen.query_one(FeedBanner)
            await until(pilot, lambda: banner.has_class("-shown"))
            assert "reconnecting" in str(banner.render())


async def test_default_main_screen_shows_the_employees() -> None:
    async with FakeHub() as hub:
        app = RingmonApp(hub.url, TOKEN, feed_options=FAST)
        async with app.run_test(size=(120, 30)) as pilot:
            assert type(app.screen) is main_screen_class()
            await until(pilot, lambda: app.context.state.seq == 6)
            await until(pilot, lambda: "Kowalski" in app.export_screenshot())
            assert "Nowak" in app.export_screenshot()
            await pilot.press("q")
        assert app.return_code == 0


async def test_a_failing_ready_step_exits_with_its_message() -> None:
    async def ready() -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("the hub stopped (exit code 2) before it was ready")

    app = RingmonApp("http://127.0.0.1:9", TOKEN, ready=ready, feed_options=FAST)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 1
    assert app.feed.counters.snapshots == 0
    assert [str(r) for r in app._exit_renderables] in (
        ["ringmon: the hub stopped (exit code 2) before it was ready"],
        [],  # already printed and cleared
    )


async def test_ready_step_runs_before_the_feed() -> None:
    order: list[str] = []
    async with FakeHub() as hub:

        async def ready() -> None:
            order.append(f"ready, {hub.snapshot_requests} snapshots")

        app = RingmonApp(hub.url, TOKEN, ready=ready, feed_options=FAST)
        async with app.run_test() as pilot:
            await until(pilot, lambda: app.context.connection.link is Link.CONNECTED)
    assert order == ["ready, 0 snapshots"]


async def test_refused_on_the_board_shows_one_refusal_screen() -> None:
    """The App owns the refusal screen (R1): the board shows it in its banner, never a
    second screen of its own."""
    message = "the token of 'bob' has role employee"
    async with FakeHub(refuse=(403, message)) as hub:
        app = RingmonApp(hub.url, TOKEN, feed_options=FAST)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, RefusedScreen))
            # The board has taken the refusal in (its banner): a second screen of its own
            # would have come with it.
            board = app.screen_stack[0]
            await until(pilot, lambda: board.query_one(FeedBanner).has_class("-refused"))
            stack = app.screen_stack
            assert [type(s) for s in stack] == [main_screen_class(), RefusedScreen]
            assert app.context.connection.link is Link.REFUSED
            await pilot.press("x")
        assert app.return_code == 1


async def test_exit_while_the_board_mounts_prints_no_traceback() -> None:
    """``ringmon demo`` whose hub dies at start: the App exits with its message while the
    board is still mounting; the board must not fail (run_test re-raises its exception)."""

    async def ready() -> None:
        raise RuntimeError("the hub stopped (exit code 2) before it was ready")

    app = RingmonApp("http://127.0.0.1:9", TOKEN, ready=ready, feed_options=FAST)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.return_code is not None)
        await pilot.pause(0.1)
    assert app.return_code == 1
    assert app._exception is None
