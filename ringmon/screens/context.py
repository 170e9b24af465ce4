"""What every screen reads from its App, typed: the one :class:`ScreenContext`.

The App (``RingmonApp``; in tests a small host) builds one context when it starts and keeps it
current: a new snapshot replaces ``state`` (and ``tz``, the hub's zone unless ``--tz`` says
otherwise), every feed report replaces ``connection``, a token typed in a browser session
sets ``token``, a choice remembered in the state file replaces ``remembered``; a replay puts
the past moment's ``state``, ``hub_time`` and ``connection`` in and the live ones back.
Screens read it with ``context_of(self.app)``; nothing is looked up by name, so a misspelt
attribute or setting is an error, not a silent default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from textual.app import App

from ringmon.client_state import ClientState, StateFile
from ringmon.config import Settings
from ringmon.feed.connection import Connection, HubTime
from ringmon.hub_client import HubClient
from ringmon.model.state import State


@dataclass(slots=True)
class ScreenContext:
    """The live model, the hub's clock and link, the zone, the settings and the hub's address."""

    settings: Settings
    """The client's settings (config file, ``RINGMON_*``, command line)."""
    state: State
    """The model, as the feed keeps it; replaced (a new object) on every snapshot."""
    hub_time: HubTime
    """The hub's clock: "in status" and "today" are measured against it."""
    connection: Connection
    """The feed's health as the banner and the summary word it."""
    tz: tzinfo
    """The call center's zone: calendar days, clocks on screen."""
    hub_url: str
    """Where REST calls (history, calls, recordings) go."""
    token: str | None = None
    """The access token of those calls (None until a browser session gives one)."""
    wall: bool = False
    """``--wall``: the read-only wall screen."""
    view: str | None = None
    """``--view NAME``: the saved view (``[views.NAME]``) the board opens with."""
    mask_numbers: bool = False
    """Callers' numbers masked on the screen (personal data): ``--[no-]mask-numbers``, else
    the config's ``mask_numbers``, else on in wall mode only."""
    state_file: StateFile | None = None
    """Where choices made on screen (the theme, the board's counter columns) are remembered
    (None: nowhere)."""
    remembered: ClientState = field(default_factory=ClientState)
    """What the state file held at start, with the choices made since."""

    def now(self) -> float:
        """The hub's "now"."""
        return self.hub_time.now()

    def hub_client(self) -> HubClient:
        """A REST client of the hub with this context's token (the caller closes it)."""
        return HubClient(self.hub_url, self.token)


class ContextApp(App[None]):
    """An App whose screens read a :class:`ScreenContext`: ``RingmonApp`` and test hosts."""

    context: ScreenContext

    def open_profile(self, employee_id: str) -> None:
        """Open the employee's profile over the current screen."""
        from ringmon.screens.profile import ProfileScreen

        self.push_screen(ProfileScreen(employee_id))

    def replay_moment(self) -> float | None:
        """The past moment the board shows, when it replays one (None: live)."""
        return None


def host_of(app: App[Any]) -> ContextApp:
    """The App as the host of ringmon's screens; a clear error for any other App."""
    if not isinstance(app, ContextApp):
        raise TypeError(
            f"ringmon's screens run in an App that gives them a ScreenContext "
            f"(ringmon.screens.context.ContextApp), not in {type(app).__name__}"
        )
    return app


def context_of(app: App[Any]) -> ScreenContext:
    """The context of the App a screen runs in."""
    return host_of(app).context
