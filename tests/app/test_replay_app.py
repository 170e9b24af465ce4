"""Replay in the App, on a real hub on loopback: the board replayed at T is the board that
was fed live up to T (rows, statuses, in-status durations, as painted); ``[ { ] }`` step,
``p`` plays at 1x/10x/60x, ``esc`` is live again at once (the live feed kept running
underneath); profiles opened in a replay show that moment; ``--at`` reads local times."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from replay_hub import NOW, events_until, held_rebuilds, hub_config, store
from textual.widgets import OptionList, Static

from ringmon.app import RingmonApp
from ringmon.cli import main
from ringmon.config import Settings
from ringmon.feed.connection import Link
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubServer, running_hub
from ringmon.model.schema import DeviceStatus, Registration
from ringmon.model.wire import to_dt
from ringmon.replay.banner import ReplayBanner
from ringmon.replay.moment import MomentError, parse_at, say_moment
from ringmon.screens.board import BoardScreen
from ringmon.screens.call_log import CallLogScreen
from ringmon.screens.profile import ProfileScreen
from ringmon.widgets.employee_table import EmployeeTable
from ringmon.widgets.filter_bar import NameInput

FAST = {"first_delay": 0.05}
WARSAW = ZoneInfo("Europe/Warsaw")
T = NOW - 1102  # 14:11:38 in Warsaw: one rings (since 14:11:36), others talk, DND, offline


async def until(pilot: Any, condition: Callable[[], Any], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def pinned(app: RingmonApp) -> RingmonApp:
    """The live clock is what the hub last said (its ManualClock), not extrapolated."""
    app.context.hub_time.monotonic = lambda: 0.0
    return app


def board(app: RingmonApp) -> BoardScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, BoardScreen)
    return screen


def painted(app: RingmonApp) -> list[str]:
    """The table's lines as painted, blank ones left out (the replay's banner takes one)."""
    table = board(app).query_one(EmployeeTable)
    lines = (table.render_line(y).text for y in range(table.size.height))
    return [line for line in lines if line.strip()]


def banner(app: RingmonApp) -> str:
    found = board(app).query(ReplayBanner)
    return str(found.first().render()) if found else ""


def rows_of(app: RingmonApp) -> dict[str, str]:
    """The board's rows, field by field (rows are compared by identity in the board)."""
    return {key: repr(row) for key, row in board(app).board.rows.items()}


def token(server: HubServer) -> str:
    assert server.hub.tokens is not None
    return server.hub.tokens.add("t", "analyst")


async def test_the_replayed_board_is_the_board_fed_live_up_to_then(tmp_path: Path) -> None:
    clock = ManualClock(T)
    async with running_hub(hub_config(tmp_path), clock=clock, sources=[]) as server:
        await store(server, events_until(T))
        key = token(server)
        live = pinned(RingmonApp(server.url, key, feed_options=FAST))
        async with live.run_test(size=(160, 50)) as pilot:
            await until(pilot, lambda: len(board(live).board.rows) == 30)
            await until(pilot, lambda: live.context.hub_time.now() == T)
            board(live)._tick()
            await pilot.pause()
            rows = rows_of(live)
            lines = painted(live)
        # The day goes on: more events, the hub's clock at 14:30.
        clock.set(NOW)
        await store(server, events_until(NOW, after=T))
        replayed = RingmonApp(server.url, key, feed_options=FAST, at=T)
        async with replayed.run_test(size=(160, 50)) as pilot:
            await until(pilot, lambda: replayed.replay.shown == T)
            await until(pilot, lambda: rows_of(replayed) == rows)
            await pilot.pause()
            assert replayed.context.hub_time.now() == T
            assert painted(replayed) == lines
            assert "REPLAY" in banner(replayed) and "14:11:38" in banner(replayed)
            assert replayed.context.connection.link is Link.REPLAY
    # The moment is not a trivial one: someone rings, talks, is in DND and offline.
    every = " ".join(rows.values())
    assert all(f"Status.{word}" in every for word in ("TALKING", "DND", "OFFLINE"))
    assert any("ringing_since=None" not in row for row in rows.values())


def empty_text(app: RingmonApp) -> str:
    return str(board(app).query_one(EmployeeTable).empty_text)


async def test_at_shows_a_loading_board_not_the_live_one_until_the_moment_comes(
    tmp_path: Path,
) -> None:
    """``ringmon --at``: while the hub rebuilds the moment, the board has no row (the live
    ones, which arrive meanwhile, wait) and says which moment it loads; then the moment."""
    async with running_hub(hub_config(tmp_path), clock=ManualClock(NOW), sources=[]) as server:
        await store(server, events_until(NOW))
        settings = Settings(tz="Europe/Warsaw")
        app = RingmonApp(server.url, token(server), settings, feed_options=FAST, at=T)
        with held_rebuilds() as go:
            async with app.run_test(size=(120, 30)) as pilot:
                await until(pilot, lambda: app.feed.state is not None)  # live is in
                await until(pilot, lambda: "Loading the board" in empty_text(app))
                await pilot.pause()
                loading = "Loading the board as it was at Tue 2026-03-24 14:11:38 CET…"
                assert board(app).board.rows == {} and empty_text(app) == loading
                header, *rest = painted(app)
                assert "Employee" in header and [line.strip() for line in rest] == [loading]
                assert "14:11:38 CET · loading…" in banner(app)
                feed = board(app).feed
                assert feed is not None and feed.short == "◷ replay loading…"
                go.set()
                await until(pilot, lambda: app.replay.shown == T)
                await until(pilot, lambda: len(board(app).board.rows) == 30)
                assert "paused" in banner(app)


async def test_stepping_back_from_live_does_not_show_live_rows_while_loading(
    tmp_path: Path,
) -> None:
    async with running_hub(hub_config(tmp_path), clock=ManualClock(NOW), sources=[]) as server:
        await store(server, events_until(NOW))
        app = pinned(RingmonApp(server.url, token(server), feed_options=FAST))
        with held_rebuilds() as go:
            async with app.run_test(size=(120, 30)) as pilot:
                await until(pilot, lambda: len(board(app).board.rows) == 30)
                await until(pilot, lambda: app.context.hub_time.now() == NOW)
                await pilot.press("down", "down")
                cursor = board(app).query_one(EmployeeTable).cursor_id
                assert cursor is not None
                await pilot.press("left_curly_bracket")
                await until(pilot, lambda: "Loading the board" in empty_text(app))
                await pilot.pause()
                assert board(app).board.rows == {}
                assert "14:15:00 CET · loading…" in banner(app)
                go.set()
                await until(pilot, lambda: app.replay.shown == NOW - 900)
                await until(pilot, lambda: len(board(app).board.rows) == 30)
                await pilot.pause()
                assert board(app).query_one(EmployeeTable).cursor_id == cursor


async def test_keys_step_play_and_escape_to_live(tmp_path: Path) -> None:
    clock = ManualClock(NOW)
    async with running_hub(hub_config(tmp_path), clock=clock, sources=[]) as server:
        await store(server, events_until(NOW))
        app = pinned(RingmonApp(server.url, token(server), feed_options=FAST))
        async with app.run_test(size=(120, 30)) as pilot:
            await until(pilot, lambda: len(board(app).board.rows) == 30)
            await until(pilot, lambda: app.context.hub_time.now() == NOW)
            live_state = app.context.state
            await pilot.press("left_square_bracket")
            await until(pilot, lambda: app.replay.shown == NOW - 60)
            assert app.context.state is not live_state and app.context.hub_time.now() == NOW - 60
            assert "REPLAY" in banner(app) and "14:29:00" in banner(app)
            await pilot.press("left_curly_bracket")
            await until(pilot, lambda: app.replay.shown == NOW - 960)
            await pilot.press("right_square_bracket")
            await until(pilot, lambda: app.replay.shown == NOW - 900)
            assert "14:15:00" in banner(app)
            # Live events wait while a past moment is shown.
            server.hub.accept(
                DeviceStatus(
                    ts=to_dt(NOW),
                    account=next(iter(live_state.accounts)),
                    device="late",
                    user_agent="MicroSIP",
                    status=Registration.ONLINE,
                ),
                source="t",
            )
            await server.hub.flush()
            await until(pilot, lambda: any(d == "late" for _, d in live_state.devices))
            assert not any(d == "late" for _, d in app.context.state.devices)
            # Play: 1x, 10x, 60x, paused.
            await pilot.press("p")
            assert app.replay.speed == 1.0 and "▶ 1x" in banner(app)
            await until(pilot, lambda: (app.replay.shown or 0) > NOW - 900)
            await pilot.press("p")
            assert app.replay.speed == 10.0
            await pilot.press("p")
            assert app.replay.speed == 60.0
            await pilot.press("p")
            assert app.replay.speed == 0.0 and "paused" in banner(app)
            # esc: live at once, with what came meanwhile.
            await pilot.press("escape")
            await until(pilot, lambda: not app.replay.active)
            await pilot.pause()
            assert app.context.state is live_state and banner(app) == ""
            assert (
                app.context.connection.link is Link.CONNECTED and app.context.hub_time.now() == NOW
            )
            # Forward from live: nothing to do; a step forward that reaches now is live.
            await pilot.press("right_curly_bracket")
            assert not app.replay.active
            await pilot.press("left_square_bracket")
            await until(pilot, lambda: app.replay.shown == NOW - 60)
            await pilot.press("right_curly_bracket")
            await until(pilot, lambda: not app.replay.active)
            assert app.context.state is live_state


async def test_keys_type_into_the_name_filter_and_esc_clears_filters_when_live(
    tmp_path: Path,
) -> None:
    async with running_hub(hub_config(tmp_path), clock=ManualClock(NOW), sources=[]) as server:
        await store(server, events_until(NOW))
        app = pinned(RingmonApp(server.url, token(server), feed_options=FAST))
        async with app.run_test(size=(120, 30)) as pilot:
            await until(pilot, lambda: len(board(app).board.rows) == 30)
            # ({ rather than [: a [ typed in the name filter breaks the chips' markup today.)
            await pilot.press("slash", "left_curly_bracket")
            await until(pilot, lambda: board(app).query_one(NameInput).value == "{")
            assert not app.replay.active
            await pilot.press("enter")
            assert board(app).board.filters
            await pilot.press("escape")  # live: the board's own escape (clear the filter)
            await until(pilot, lambda: not board(app).board.filters)
            assert not app.replay.active


async def test_a_profile_opened_in_a_replay_shows_that_moment(tmp_path: Path) -> None:
    async with running_hub(hub_config(tmp_path), clock=ManualClock(NOW), sources=[]) as server:
        await store(server, events_until(NOW))
        app = RingmonApp(server.url, token(server), feed_options=FAST, at=T)
        async with app.run_test(size=(160, 50)) as pilot:
            await until(pilot, lambda: app.replay.shown == T)
            await until(pilot, lambda: len(board(app).board.rows) == 30)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ProfileScreen))
            profile = app.screen
            assert isinstance(profile, ProfileScreen)
            await until(pilot, lambda: profile.doc is not None)
            assert profile.doc is not None and profile.doc.now.timestamp() == T
            assert all(leg.ring_at.timestamp() <= T for leg in profile.doc.calls)
            # The replay keys are the board's: under the profile, [ does nothing.
            await pilot.press("left_square_bracket")
            assert app.replay.shown == T


async def test_the_call_log_from_a_profile_in_a_replay_lists_the_calls_as_they_stood(
    tmp_path: Path,
) -> None:
    """At 14:11:38 e019's call had rung 2 s before and was answered 4 s after: the log
    opened from the profile in the replay lists it ringing, and no call after the moment."""
    async with running_hub(hub_config(tmp_path), clock=ManualClock(NOW), sources=[]) as server:
        await store(server, events_until(NOW))
        app = RingmonApp(server.url, token(server), feed_options=FAST, at=T)
        async with app.run_test(size=(160, 50)) as pilot:
            await until(pilot, lambda: app.replay.shown == T)
            app.open_profile("e019")
            await until(pilot, lambda: isinstance(app.screen, ProfileScreen))
            profile = app.screen
            assert isinstance(profile, ProfileScreen)
            await until(pilot, lambda: profile.doc is not None)
            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, CallLogScreen))
            log = app.screen
            assert isinstance(log, CallLogScreen)
            await until(pilot, lambda: any(leg.leg == "c19/sip119" for leg in log.calls))
            assert all(leg.ring_at.timestamp() <= T for leg in log.calls)
            ringing = next(leg for leg in log.calls if leg.leg == "c19/sip119")
            assert ringing.answer_at is None and ringing.end_at is None
            assert "as at 14:11:38" in str(log.query_one("#log-title", Static).render())
            # As stored now, the same call was answered (after the moment).
            storage = server.hub.storage
            assert storage is not None
            stored = storage.calls_page("e019", None, None, 50, None)
            assert any(row[1] == "c19/sip119" and row[9] is not None for row in stored)


async def test_a_moment_the_hub_does_not_keep_stays_live_and_says_why(tmp_path: Path) -> None:
    async with running_hub(hub_config(tmp_path), clock=ManualClock(NOW), sources=[]) as server:
        await store(server, events_until(NOW))
        app = RingmonApp(server.url, token(server), feed_options=FAST, at=NOW - 30 * 86_400)
        async with app.run_test(size=(120, 30)) as pilot:
            await until(pilot, lambda: not app.replay.active)
            await until(pilot, lambda: len(board(app).board.rows) == 30)
            assert banner(app) == ""
            notes = [n.message for n in app._notifications]
            assert any("before what the hub keeps" in note for note in notes), notes


def test_at_reads_a_local_time_or_iso() -> None:
    day = date(2026, 11, 30)
    at = parse_at("2026-11-30 14:05", WARSAW)
    assert say_moment(at, WARSAW) == "Mon 2026-11-30 14:05:00 CET"
    assert parse_at("2026-11-30T14:05", WARSAW) == at
    assert parse_at("2026-11-30T13:05:00Z", WARSAW) == at
    assert parse_at("14:05", WARSAW, today=day) == at
    assert parse_at("2026-07-01 14:05", WARSAW) == parse_at("2026-07-01T12:05Z", None)
    with pytest.raises(MomentError, match="is not a time like 2026-11-30 14:05"):
        parse_at("yesterday", WARSAW)


def test_a_bad_at_is_refused_before_the_tui_starts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "http://127.0.0.1:1", "--at", "last tuesday"]) == 2
    assert "--at 'last tuesday' is not a time like" in capsys.readouterr().err


async def test_the_palette_steps_back_and_goes_live(tmp_path: Path) -> None:
    async with running_hub(hub_config(tmp_path), clock=ManualClock(NOW), sources=[]) as server:
        await store(server, events_until(NOW))
        app = pinned(RingmonApp(server.url, token(server), feed_options=FAST))
        async with app.run_test(size=(120, 30)) as pilot:
            await until(pilot, lambda: len(board(app).board.rows) == 30)
            await until(pilot, lambda: app.context.hub_time.now() == NOW)
            await pilot.press("ctrl+p", *"replay 15 minutes back")
            await until(
                pilot,
                lambda: (
                    "15 minutes back"
                    in app.screen.query_one(OptionList).get_option_at_index(0).prompt.plain
                ),
            )
            await pilot.press("enter")
            await until(pilot, lambda: app.replay.shown == NOW - 900)
            await pilot.press("ctrl+p", *"back to live")
            await until(
                pilot,
                lambda: (
                    "back to live"
                    in app.screen.query_one(OptionList).get_option_at_index(0).prompt.plain
                ),
            )
            await pilot.press("enter")
            await until(pilot, lambda: not app.replay.active)
