"""A host App for the profile (imported by name: ``from conftest import`` would pick whichever
folder's conftest pytest loaded last): the attributes ``RingmonApp`` gives its screens, fixed data,
a fixed clock, and the REST routes served by a stand-in hub (see profile_data.FakeHub)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Static

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_data import NOW, WARSAW, FakeHub, profile_events
from tables import table_measured
from waiting import until

from ringmon.config import Settings
from ringmon.feed.connection import Connection, HubTime
from ringmon.hub_client import HubClient
from ringmon.model.period import Period
from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.screens.context import ContextApp, ScreenContext, context_of
from ringmon.screens.profile import ProfileScreen


def fixed_time(now: float) -> HubTime:
    """The hub's clock standing at ``now`` (move it with ``hub_at_sync``)."""
    return HubTime(hub_at_sync=now, local_at_sync=0.0, monotonic=lambda: 0.0)


class BoardStandIn(Screen[None]):
    """What lies behind the panel: a few lines that say whose board it is."""

    def compose(self) -> ComposeResult:
        state = context_of(self.app).state
        lines = [f"{e.name:<24} {e.status.label}" for e in state.employees.values()]
        yield Static("The board (live)\n\n" + "\n".join(lines), id="board", markup=False)


class ProfileHost(ContextApp):
    """Hosts the profile as ``RingmonApp`` would, with a ``ScreenContext`` of the real
    settings; opens ``ProfileScreen`` for ``employee`` on mount when one is given."""

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
        hub_time = fixed_time(hub.now)
        self.context = ScreenContext(
            settings=Settings(player=player),
            state=live_state if live_state is not None else hub.state,
            hub_time=hub_time,
            connection=Connection(since=hub.now),
            tz=hub.tz,
            hub_url="http://hub.test",
            token="test-token",
        )
        self.employee = employee
        self.period = period
        self.details = details

    def get_default_screen(self) -> Screen[Any]:
        return BoardStandIn()

    def on_mount(self) -> None:
        if self.employee is not None:
            self.open_profile(self.employee)

    def client(self) -> HubClient:
        return HubClient(self.context.hub_url, self.context.token, transport=self.hub.transport)

    def open_profile(self, employee_id: str) -> None:
        self.push_screen(
            ProfileScreen(
                employee_id, period=self.period, details=self.details, client=self.client()
            )
        )


def make_hub(events: list[Event] | None = None, now: float = NOW) -> FakeHub:
    return FakeHub(events if events is not None else profile_events(), WARSAW, now, "Europe/Warsaw")


async def settle(pilot: Any) -> None:
    """Wait until the history is loaded and drawn (a table's rows measured, too)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await until(
        lambda: all(table_measured(t) for t in pilot.app.screen.query(DataTable)),
        "the tables' rows measured",
        poll=pilot.pause,
    )
