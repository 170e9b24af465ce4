"""The Textual App: wires the feed to the model and the model to the screens.

``RingmonApp`` is the feed's listener. The ``FeedClient`` runs as a worker on the App's own
event loop, so the ``State`` is only ever mutated on the UI thread, between frames. Events are
coalesced (``ringmon.update_pacer``): the ids they touched accumulate and one ``ModelChanged``
goes to every screen on the stack at once when the last one is a frame (1/30 s) old, else a
frame after the last one; a snapshot sends ``ModelChanged(reset=True)`` at once.
Screens read one typed ``ScreenContext`` (``ringmon.screens.context``): the state, the hub's
clock, the connection, the zone, the settings, ``--wall``, the masking of callers' numbers, the
state file and the hub's address and token for REST; the board opens a profile with
``app.open_profile(employee_id)``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from types import FrameType
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from rich.console import RenderableType
from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.message import Message
from textual.screen import Screen

from ringmon import collector
from ringmon.client_state import ClientState, StateFile, state_path
from ringmon.config import ConfigError, Settings, config_path, load_settings, load_token
from ringmon.cropped_updates import cropped
from ringmon.exit_signals import ExitSignals
from ringmon.feed.client import FeedClient
from ringmon.feed.connection import Connection, HubTime, Link
from ringmon.feed.early_snapshot import EarlySnapshot
from ringmon.feed.hubs import split_hub_urls
from ringmon.logs import configure_logging
from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.replay.keys import ReplayKeys
from ringmon.replay.session import Replay
from ringmon.screens.context import ScreenContext
from ringmon.screens.model_messages import ConnectionChanged, ModelChanged
from ringmon.screens.refused import RefusedScreen
from ringmon.screens.token_prompt import TokenPromptScreen
from ringmon.terminal import missing_terminal, sized_linux_driver, stand_in_driver
from ringmon.update_pacer import UpdatePacer
from ringmon.web.session import in_browser_session

log = logging.getLogger(__name__)


def main_screen_class() -> type[Screen[Any]]:
    """The live board, the main screen."""
    from ringmon.screens.board import BoardScreen

    return BoardScreen


class RingmonApp(ReplayKeys):
    """Live terminal monitor of call-center employees' telephony presence."""

    TITLE = "ringmon"
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit_ctrl_c"),
        Binding("f1", "help", "Help", show=False, priority=True, id="help_f1"),
        # Declaring any palette binding drops Textual's own ctrl+p one: both are here.
        Binding(
            "ctrl+p",
            "command_palette",
            "palette",
            show=False,
            key_display=App.COMMAND_PALETTE_DISPLAY,
            priority=True,
            tooltip="Open the command palette",
            id="palette",
        ),
        Binding("colon", "command_palette", "palette", show=False, id="palette_colon"),
    ]

    def __init__(
        self,
        url: str,
        token: str | None,
        settings: Settings | None = None,
        *,
        wall: bool = False,
        mask_numbers: bool | None = None,
        handle_signals: bool = False,
        feed_options: dict[str, Any] | None = None,
        ready: Callable[[], Awaitable[object]] | None = None,
        state_file: StateFile | None = None,
        at: float | None = None,
        view: str | None = None,
        early: EarlySnapshot | None = None,
    ) -> None:
        """``at``, if given, is a past moment to open the board at (a replay, ringmon/replay).
        ``ready``, if given, is awaited before the feed starts (``ringmon demo`` waits
        there for its hub while the screen is already up); if it raises, the App exits with
        the exception's message and return code 1. Without a ``token`` (a browser session of
        ``ringmon web``) the App asks for one before the feed starts. ``state_file``: where
        the theme chosen in the palette is remembered (None: nowhere). ``early``: the first
        snapshot, asked for before the App was built (``ringmon.feed.early_snapshot``)."""
        super().__init__()
        settings = settings if settings is not None else Settings()
        if settings.keys:
            self.set_keymap(dict(settings.keys))
        if mask_numbers is None:
            mask_numbers = settings.mask_numbers
        zone = settings.zone()
        tz: tzinfo = zone if zone is not None else ZoneInfo("UTC")
        hub_time = HubTime()
        self.context = ScreenContext(
            settings=settings,
            state=State(tz),
            hub_time=hub_time,
            connection=Connection(since=hub_time.now()),
            tz=tz,
            hub_url=split_hub_urls(url)[0],  # then the hub the feed is on
            token=token,
            wall=wall,
            view=view,
            # Callers' numbers are personal data: ``--[no-]mask-numbers``, else the
            # config's ``mask_numbers``, else on in wall mode only.
            mask_numbers=wall if mask_numbers is None else mask_numbers,
            state_file=state_file,
            remembered=state_file.load() if state_file is not None else ClientState(),
        )
        self.feed = FeedClient(
            url, token, zone, self, hub_time=hub_time, early=early, **(feed_options or {})
        )
        self._hub_urls = url
        self._feed_options = feed_options or {}
        self._handle_signals = handle_signals
        self._before_feed = ready
        self._pacer = UpdatePacer(self._post_model_changes)
        self._refused_shown = False
        self._signal_loop: asyncio.AbstractEventLoop | None = None
        self._pending_signal: signal.Signals | None = None
        self.replay = Replay(self, lambda: self.feed)
        self._replay_at = at

    def get_default_screen(self) -> Screen[Any]:
        return main_screen_class()()

    def on_mount(self) -> None:
        log.info("app mounted")
        context = self.context
        if context.state_file is not None and context.state_file.problem:
            self.notify(context.state_file.problem, severity="warning", timeout=10, markup=False)
        # The theme last chosen in the palette, else the configured one.
        theme = context.remembered.theme or context.settings.theme
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                unknown = f"unknown theme {theme!r}; see the command palette's themes"
                self.notify(unknown, markup=False)
        # After the theme set just now is published: only a change from here on is a choice.
        self.call_next(self.theme_changed_signal.subscribe, self, self._remember_theme)
        # The collector held off at start (ringmon.collector) runs again at the latest now.
        self.set_timer(collector.HOLD_AT_MOST, collector.release, name="collector-hold")
        if self._handle_signals:
            self._install_signal_handlers()
        self._signal_loop = asyncio.get_running_loop()
        if self._pending_signal is not None:
            self._signalled(self._pending_signal)
            return
        self.run_worker(self._run_feed(), name="feed", group="feed", exclusive=True)
        if self._replay_at is not None:
            self.replay.go_to(self._replay_at)

    def _remember_theme(self, theme: object) -> None:
        name = getattr(theme, "name", None)
        context = self.context
        if context.state_file is None or not isinstance(name, str):
            return
        if name == context.remembered.theme:
            return
        context.remembered = context.remembered.model_copy(update={"theme": name})
        context.state_file.save(context.remembered)

    async def _run_feed(self) -> None:
        if self._before_feed is not None:
            try:
                await self._before_feed()
            except Exception as exc:
                self.exit(return_code=1, message=Text(f"ringmon: {exc}"))
                return
        context = self.context
        if context.token is None:
            context.token = await self.push_screen_wait(TokenPromptScreen(context.hub_url))
            self.feed = FeedClient(
                self._hub_urls,
                context.token,
                context.settings.zone(),
                self,
                hub_time=context.hub_time,
                **self._feed_options,
            )
        self.replay.hub_ready.set()
        await self.feed.run()

    def action_help(self) -> None:
        """F1 on any screen: that screen's help (or close the help)."""
        from ringmon.screens.help import toggle_help

        toggle_help(self)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: into the Downloads folder when there is one, else the
        current folder (Textual would fail on a missing ~/Downloads); the notice says where."""
        from ringmon.hub_client.recordings import download_folder

        folder = path if path is not None else str(download_folder())
        return super().deliver_screenshot(filename, folder, time_format)

    def _display(
        self, screen: Screen[Any], renderable: RenderableType | None, *args: Any, **kwargs: Any
    ) -> None:
        """Hand the driver only the cells that changed (``ringmon.cropped_updates``; a private
        Textual method: whatever else a later Textual passes goes through untouched)."""
        update = None if renderable is None else cropped(renderable)
        super()._display(screen, update, *args, **kwargs)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, or on Linux and macOS one that takes the terminal's size the
        way the App does (see ``ringmon.terminal``); a driver named by ``TEXTUAL_DRIVER``
        (textual-serve's web driver) is left as it is."""
        if stand_in_driver() is None and os.name == "posix":
            return sized_linux_driver()
        return super().get_driver_class()

    def exit_on_signal(self, sig: signal.Signals) -> None:
        """Leave because of ``sig`` (SIGTERM, SIGINT, SIGHUP). Called from a signal handler,
        so it only hands over to the App's loop; before the App has a loop, the App leaves
        as soon as it mounts."""
        loop = self._signal_loop
        if loop is None:
            self._pending_signal = sig
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: we are leaving
            loop.call_soon_threadsafe(self._signalled, sig)

    def _install_signal_handlers(self) -> None:
        """When a terminal hangs up, the kernel sends SIGHUP *and* SIGCONT. Textual's driver
        answers any SIGCONT by re-entering application mode, which on a dead terminal fills
        its writer queue and deadlocks the exit (seen with tmux kill-server). So SIGCONT is
        passed on to Textual only while our terminal is still there. (SIGHUP, SIGTERM and
        SIGINT are ``run_tui``'s: see ``ringmon.exit_signals``.)"""
        textual_sigcont = signal.getsignal(signal.SIGCONT)
        if callable(textual_sigcont):

            def on_sigcont(signum: int, frame: FrameType | None) -> None:
                if _terminal_alive():
                    textual_sigcont(signum, frame)

            signal.signal(signal.SIGCONT, on_sigcont)

    def _signalled(self, sig: signal.Signals) -> None:
        """SIGHUP (the terminal is gone), SIGTERM or SIGINT: leave instead of running on."""
        log.info("%s: exiting", sig.name)
        self.exit(return_code=128 + sig.value)

    # -- FeedListener ---------------------------------------------------------------------

    def feed_snapshot(self, state: State) -> None:
        if self.replay.holds_live():  # a past moment is shown; live waits in self.feed
            return
        self.context.state = state
        self.context.tz = state.tz
        self._pacer.drop()
        self._post_to_screens(lambda: ModelChanged(frozenset(), reset=True))

    def feed_events(self, events: list[Event], employees: set[str]) -> None:
        if self.replay.holds_live():
            return
        self._pacer.add(employees)

    def feed_connection(self, connection: Connection) -> None:
        if self.replay.holds_live():
            if connection.link is not Link.REFUSED:
                return
            self.replay.leave()
        self.context.connection = connection
        if connection.link is Link.CONNECTED and connection.hub:
            self.context.hub_url = connection.hub  # REST calls go where the feed is
        self._post_to_screens(lambda: ConnectionChanged(connection))
        if connection.link is Link.REFUSED and not self._refused_shown:
            self._refused_shown = True
            self.push_screen(RefusedScreen(connection.message))

    # -- to the screens -------------------------------------------------------------------

    def _post_model_changes(self, employees: frozenset[str]) -> None:
        self._post_to_screens(lambda: ModelChanged(employees))

    def _post_to_screens(self, make: Callable[[], Message]) -> None:
        """Post a fresh message (one instance per screen) to every screen on the stack."""
        for screen in self.screen_stack:
            message: Message = make()
            screen.post_message(message)


def _terminal_alive() -> bool:
    """Whether our terminal is still there (a hung-up tty fails ``tcgetattr``)."""
    stdin = sys.__stdin__
    try:
        return stdin is not None and os.isatty(stdin.fileno())
    except (OSError, ValueError):
        return False


def run_tui(
    args: argparse.Namespace,
    *,
    token: str | None = None,
    ready: Callable[[], Awaitable[object]] | None = None,
    signals: ExitSignals | None = None,
    early: EarlySnapshot | None = None,
) -> int:
    """``ringmon [--url URL] [--token-file F] [--tz ZONE] [--wall]``: the TUI on a hub.

    ``token``, ``ready`` and ``signals`` are for callers in this process (``ringmon demo``,
    which handles the exit signals around its hub too); users pass the token by file or
    ``RINGMON_TOKEN``, never on the command line. In a browser session (``ringmon web``) no
    token is read from anywhere: the App asks the person for theirs. Without a terminal (and
    outside a browser session) it says so and returns 2 (see ``ringmon.terminal``). ``early``:
    the first snapshot, already asked for (``ringmon.cli``)."""
    browser = in_browser_session()
    try:
        settings = load_settings({"url": getattr(args, "url", None), "tz": args.tz})
        if settings.keys:
            from ringmon.key_bindings import check_keymap

            check_keymap(settings.keys, config_path())
        if token is None and not browser:
            token = load_token(getattr(args, "token_file", None), settings.token_file)
    except ConfigError as exc:
        print(f"ringmon: {exc}", file=sys.stderr)
        return 2
    view = getattr(args, "view", None)
    if view is not None and view not in settings.views:
        from ringmon.model.views import unknown_view

        print(
            f"ringmon: {unknown_view(view, list(settings.views), config_path())}", file=sys.stderr
        )
        return 2
    at = None
    if getattr(args, "at", None):
        from ringmon.replay.moment import MomentError, parse_at

        try:
            at = parse_at(args.at, settings.zone())
        except MomentError as exc:
            print(f"ringmon: {exc}", file=sys.stderr)
            return 2
    if settings.url is None:
        from ringmon.config import NO_HUB_URL

        print(
            f"ringmon: {NO_HUB_URL}\nTo try ringmon without a hub, run: ringmon demo",
            file=sys.stderr,
        )
        return 2
    if token is None and not browser:
        print(
            "ringmon: no access token. Set RINGMON_TOKEN or pass --token-file FILE; an "
            "administrator makes one with: ringmon token add NAME --role analyst",
            file=sys.stderr,
        )
        return 2
    no_terminal = missing_terminal()
    if no_terminal is not None:
        print(f"ringmon: {no_terminal}", file=sys.stderr)
        return 2
    configure_logging()
    app = RingmonApp(
        settings.url,
        token,
        settings,
        wall=args.wall,
        mask_numbers=getattr(args, "mask_numbers", None),
        handle_signals=True,
        ready=ready,
        state_file=StateFile(state_path(config_path())),
        at=at,
        view=view,
        early=early,
    )
    with contextlib.ExitStack() as stack:
        if signals is None:
            signals = stack.enter_context(ExitSignals())
        signals.on_signal = app.exit_on_signal
        try:
            app.run()
        finally:
            signals.on_signal = None
            signals.leaving = True
    return app.return_code or 0
