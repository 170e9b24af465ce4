"""A host App for the profile (imported by name: ``from conftest import`` would pick whichever
folder's conftest pytest loaded last): the attributes ``RingmonApp`` gives its screens, fixed data,
a fixed clock, and the REST routes served by a stand-in hub (see profile_data.FakeHub)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_data import NOW, WARSAW, FakeHub, profile_events

from ringmon.feed.history import HubClient
from ringmon.model.period import Period
from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.screens.profile import ProfileScreen


class FixedTime:
    def __init__(self, now: float) -> None:
        self.at = now

    def now(self) -> float:
        return self.at


class BoardStandIn(Screen[None]):
    """What lies behind the panel: a few lines that say whose board it is."""

    def compose(self) -> ComposeResult:
        state: State = self.app.state  # type: ignore[attr-defined]
        lines = [f"{e.name:<24} {e.status.label}" for e in state.employees.values()]
        yield Static("The board (live)\n\n" + "\n".join(lines), id="board")


class ProfileHost(App[None]):
    """Hosts the profile as ``RingmonApp`` would: state, hub_time, tz, settings, hub_url,
    token; opens ``ProfileScreen`` for ``employee`` on mount when one is given."""

    def __init__(
        self,
        hub: FakeHub,
        *,
        employee: str | None = "e1",
        period: Period = Period.TODAY,
        details: bool = False,
        player: str | None = None,
        live_state: State | None = None,
    ) -> None:
        super().__init__()
        self.hub = hub
        self.tz = hub.tz
        self.state = live_state if live_state is not None else hub.state
        self.hub_time = FixedTime(hub.now)
        self.settings = SimpleNamespace(player=player)
        self.hub_url = "http://hub.test"
        self.token = "test-token"
        self.employee = employee
        self.period = period
        self.details = details

    def get_default_screen(self) -> Screen[Any]:
        return BoardStandIn()

    def on_mount(self) -> None:
        if self.employee is not None:
            self.open_profile(self.employee)

    def client(self) -> HubClient:
        return HubClient(self.hub_url, self.token, transport=self.hub.transport)

    def open_profile(self, employee_id: str) -> None:
        self.push_screen(
            ProfileScreen(
                employee_id, period=self.period, details=self.details, client=self.client()
            )
        )


def make_hub(events: list[Event] | None = None, now: float = NOW) -> FakeHub:
    return FakeHub(events if events is not None else profile_events(), WARSAW, now, "Europe/Warsaw")


async def settle(pilot: Any) -> None:
    """Wait until the history is loaded and drawn."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
