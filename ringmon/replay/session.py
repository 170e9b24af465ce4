"""The App's replay: the board shows a past moment instead of the live feed.

While a replay is on, the live feed keeps running (so ``esc`` is back to live at once), but
the App holds its updates back (``Replay.holds_live``); the screen context's ``state``,
``hub_time`` (frozen at the moment shown) and ``connection`` (``Link.REPLAY``) are the
replay's, so the board, the device detail and the profile read the past through what they read
anyway (``ringmon.screens.context``).

Moving: a step back asks the hub for the state at the new moment (``/v1/replay?at=``); a step
forward and playing ask for the events in between (``/v1/replay/events``) and apply them with
the model, as the live feed does. Playing moves ``speed`` x real time, a step a second; a load
still running when the next second comes makes that second wait (never a pile of requests).
A moment reached that is the hub's now is live again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from ringmon.feed.connection import Connection, HubTime, Link
from ringmon.hub_client import HubError
from ringmon.model.schema import Event
from ringmon.model.state import EventRejected, State
from ringmon.model.touched import touched_employees
from ringmon.replay.hub import EVENTS_PAGE, MAX_PAGES, Moment, ReplayClient
from ringmon.replay.moment import say_moment
from ringmon.screens.model_messages import ConnectionChanged, ModelChanged

if TYPE_CHECKING:
    from textual.timer import Timer

    from ringmon.feed.client import FeedClient
    from ringmon.replay.banner import ReplayBanner
    from ringmon.screens.context import ContextApp, ScreenContext

log = logging.getLogger(__name__)

SPEEDS = (0.0, 1.0, 10.0, 60.0)
"""``p`` cycles through these (0: paused)."""
PLAY_TICK = 1.0
"""Real seconds between two steps of play."""
BUSY_RETRY = 2.0
BUSY_TRIES = 90
"""A hub still loading (503) is asked again this many times, ``BUSY_RETRY`` s apart."""


class Replay:
    """Which moment the board shows (``moment`` None: live), stepping, playing, live again."""

    def __init__(self, app: ContextApp, live_feed: Callable[[], FeedClient]) -> None:
        """``live_feed``: the App's live feed client now (its state, connection and clock
        wait there while a past moment is shown)."""
        self.app = app
        self._live_feed = live_feed
        self.moment: float | None = None
        """The moment asked for (None: live)."""
        self.shown: float | None = None
        """The moment the board shows (None until the first one arrived)."""
        self.speed = 0.0
        self.status = ""
        """Loading, or why the last move failed."""
        self.state: State | None = None
        self.hub_time = HubTime(hub_at_sync=0.0, speed=0.0)
        self._live_hub_time: HubTime | None = None
        self._client: ReplayClient | None = None
        self._timer: Timer | None = None
        self._busy = False
        self._banner: ReplayBanner | None = None
        self.hub_ready = asyncio.Event()
        """Set by the App once the hub can be asked (``ringmon demo`` starts its hub while the
        screen is already up; a browser session asks for a token first)."""

    @property
    def host(self) -> ScreenContext:
        """What the screens read: the replay puts the past moment in, and live back."""
        return self.app.context

    # -- what the App and the screens ask --------------------------------------------------

    @property
    def active(self) -> bool:
        return self.moment is not None

    def moment_shown(self) -> float | None:
        """The moment the board shows, when it replays one (None: live)."""
        if self.moment is None:
            return None
        return self.shown if self.shown is not None else self.moment

    def holds_live(self) -> bool:
        """Whether the live feed's updates wait (the board shows a past moment)."""
        return self.moment is not None

    def live_now(self) -> float:
        """The hub's clock now, as the live feed knows it."""
        live = self._live_hub_time if self._live_hub_time is not None else self.host.hub_time
        return live.now()

    def client(self) -> ReplayClient:
        if self._client is None:
            self._client = ReplayClient(self.host.hub_url, self.host.token)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- moving ----------------------------------------------------------------------------

    def go_to(self, at: float) -> None:
        """Show the moment ``at`` (entering the replay if it is not on). Until the first
        moment arrives the board shows no rows but says which moment it loads: never the live
        rows under a REPLAY line."""
        self.moment = at
        self.status = "loading…"
        if self.shown is None:
            self._show_loading(at)
        self._show_banner()
        self.app.run_worker(self._load(at), group="replay", exclusive=True, name="replay")

    def _show_loading(self, at: float, why: str = "") -> None:
        context = self.host
        if self._live_hub_time is None:
            self._live_hub_time = context.hub_time
        context.tz = self._zone()
        self.hub_time.sync(at, 0.0)
        context.hub_time = self.hub_time
        context.state = State(context.tz)
        context.connection = Connection(
            Link.REPLAY,
            since=at,
            last_frame_at=at,
            message=f"Loading the board as it was at {say_moment(at, context.tz)}…"
            + (f" ({why})" if why else ""),
        )
        self._post(reset=True, employees=frozenset())

    def _zone(self) -> tzinfo:
        """The zone to say a moment in before the hub said its own: the live feed's, else the
        one ``--at`` was read in (``--tz`` / the config's, else this computer's)."""
        live = self._live_feed().state
        if live is not None:
            return live.tz
        zone = self.host.settings.zone()
        if zone is not None:
            return zone
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else self.host.tz

    def step(self, seconds: float) -> None:
        """Back (negative) or forward from the moment shown; from live, back only. A step
        that reaches the hub's now is live again."""
        if self.moment is None:
            if seconds > 0:
                self.app.notify("Live already: [ and { step back in time.")
                return
            self.go_to(self.live_now() + seconds)
            return
        target = self.moment + seconds
        if seconds > 0 and target >= self.live_now():
            self.leave("Back to live: the replay reached now.")
            return
        self.go_to(target)

    def cycle_speed(self) -> None:
        """Paused -> 1x -> 10x -> 60x -> paused."""
        if self.moment is None:
            self.app.notify("p plays a replay: step back first with [ or {.")
            return
        self.speed = SPEEDS[(SPEEDS.index(self.speed) + 1) % len(SPEEDS)]
        if self.speed and self._timer is None:
            self._timer = self.app.set_interval(PLAY_TICK, self._play_tick, name="replay-play")
        elif not self.speed:
            self._stop_playing()
        self._show_banner()

    def _play_tick(self) -> None:
        if self._busy or self.moment is None or not self.speed:
            return  # this second waits for the load still running
        self.step(self.speed * PLAY_TICK)

    def _stop_playing(self) -> None:
        self.speed = 0.0
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def leave(self, message: str | None = None) -> None:
        """Back to live: the live feed's state, clock and connection, as they are now."""
        if self.moment is None:
            return
        app, host = self.app, self.host
        self._stop_playing()
        app.workers.cancel_group(app, "replay")
        self.moment = self.shown = self.state = None
        self.status = ""
        feed = self._live_feed()
        if self._live_hub_time is not None:
            host.hub_time = self._live_hub_time
            self._live_hub_time = None
        host.state = feed.state if feed.state is not None else State(host.tz)
        host.tz = host.state.tz
        host.connection = feed.connection
        self._post(reset=True, employees=frozenset())
        self._remove_banner()
        if message:
            app.notify(message, markup=False)

    # -- loading ---------------------------------------------------------------------------

    async def _load(self, at: float) -> None:
        self._busy = True
        try:
            await self.hub_ready.wait()
            state, shown = self.state, self.shown
            if state is not None and shown is not None and at >= shown:
                events = await self._events_until(state.seq, at)
                if events is not None and self._apply(state, events, at):
                    return
            moment = await self._moment(at)
            self._show_state(moment.state, moment.at)
        except HubError as exc:
            self._failed(str(exc))
        finally:
            self._busy = False

    async def _moment(self, at: float) -> Moment:
        """The state at ``at``; while the hub says it is still loading (503: its sources
        catching up, its past days being written, as when ``ringmon demo --at`` starts) and
        nothing of the past is shown yet, asked again every ``BUSY_RETRY`` s, saying why."""
        for attempt in range(BUSY_TRIES):
            try:
                return await self.client().moment(at, self.host.settings.zone())
            except HubError as exc:
                if exc.status != 503 or self.shown is not None or attempt == BUSY_TRIES - 1:
                    raise
                self._show_loading(at, why=str(exc))
                await asyncio.sleep(BUSY_RETRY)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _events_until(self, after: int, at: float) -> list[Event] | None:
        """Every stored event after seq ``after`` up to ``at``; None when there are so many
        that the state at ``at`` is the cheaper ask."""
        events: list[Event] = []
        for _ in range(MAX_PAGES):
            page = await self.client().events(after, at, EVENTS_PAGE)
            events.extend(page.events)
            after = page.seq
            if not page.more:
                return events
        return None

    def _apply(self, state: State, events: list[Event], at: float) -> bool:
        """Apply ``events`` as the live feed does; False when one does not fit (then the
        state at ``at`` is asked for instead)."""
        touched: set[str] = set()
        for event in events:
            if event.seq is not None and event.seq <= state.seq:
                continue
            ids = touched_employees(state, event)
            try:
                state.apply(event)
            except EventRejected as exc:
                log.warning("replay: event %s does not apply (%s)", event.seq, exc.reason)
                return False
            touched.update(ids)
        self.shown = at
        self.hub_time.sync(at, 0.0)
        self.status = ""
        self.host.connection = self._connection(state, at)
        self._post(reset=False, employees=frozenset(touched))
        self._show_banner()
        return True

    def _show_state(self, state: State, at: float) -> None:
        context = self.host
        if self._live_hub_time is None:
            self._live_hub_time = context.hub_time
        self.state = state
        self.shown = at
        self.status = ""
        self.hub_time.sync(at, 0.0)
        context.hub_time = self.hub_time
        context.state = state
        context.tz = state.tz
        context.connection = self._connection(state, at)
        self._post(reset=True, employees=frozenset())
        self._show_banner()

    def _failed(self, message: str) -> None:
        self._stop_playing()
        if self.shown is None:
            # Nothing of the past was shown yet: the board stays live.
            self.leave()
            self.app.notify(f"Replay: {message}", severity="error", timeout=10, markup=False)
            return
        self.moment = self.shown
        self.status = message
        self._show_banner()
        self.app.notify(f"Replay: {message}", severity="error", timeout=10, markup=False)

    @staticmethod
    def _connection(state: State, at: float) -> Connection:
        return Connection(
            Link.REPLAY,
            since=at,
            last_event_at=state.clock if state.clock else None,
            last_frame_at=at,
        )

    def _post(self, *, reset: bool, employees: frozenset[str]) -> None:
        connection = self.host.connection
        for screen in self.app.screen_stack:
            screen.post_message(ModelChanged(employees, reset=reset))
            screen.post_message(ConnectionChanged(connection))

    # -- the banner ------------------------------------------------------------------------

    def banner_parts(self) -> tuple[str, str]:
        """(``Mon 2026-11-30 14:05:00 CET``, ``paused`` / ``▶ 10x`` / loading / a failure)."""
        at = self.moment if self.moment is not None else 0.0
        playing = f"▶ {self.speed:g}x" if self.speed else "paused"
        return say_moment(at, self.host.tz), self.status or playing

    def _show_banner(self) -> None:
        from ringmon.replay.banner import ReplayBanner

        if self._banner is None:
            base = self.app.screen_stack[0] if self.app.screen_stack else None
            if base is None:
                return
            self._banner = ReplayBanner()
            children = list(base.children)
            base.mount(self._banner, before=children[0] if children else None)
        self._banner.show(*self.banner_parts())

    def _remove_banner(self) -> None:
        if self._banner is not None:
            self._banner.remove()
            self._banner = None
