"""FALLBACK main screen: a plain live table, used only while ``ringmon.screens.board`` (the real
board of issue 3) is absent. It shows employee, department, status, in status and user agents,
and the feed's state on one line; it has no filters, no sorting keys and no profile.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ringmon.feed.connection import Connection, Link
from ringmon.model.state import State
from ringmon.model.status import Status
from ringmon.screens.model_messages import ConnectionChanged, ModelChanged

if TYPE_CHECKING:
    from ringmon.app import RingmonApp

GLYPHS: dict[Status, str] = {
    Status.TALKING: "◉",
    Status.ONLINE: "●",
    Status.DND: "⊘",
    Status.OFFLINE: "○",
}
COLUMNS = ("Employee", "Department", "Status", "In status", "User agents")


def format_duration(seconds: float) -> str:
    """``12s``, ``5m 03s``, ``2h 07m``: how long, at a glance."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def feed_line(connection: Connection, now: float) -> str:
    """The feed's state in words: connected and how fresh, or since when it is not."""
    clock = time.strftime("%H:%M:%S", time.localtime(connection.since))
    if connection.link is Link.CONNECTED:
        if connection.last_event_at is None:
            return "feed: connected"
        return f"feed: connected · last event {format_duration(now - connection.last_event_at)} ago"
    if connection.link is Link.RECONNECTING:
        why = f" ({connection.message})" if connection.message else ""
        return f"feed: STALE, reconnecting since {clock}{why}; the data below may be old"
    if connection.link is Link.REFUSED:
        return f"feed: refused: {connection.message}"
    return "feed: connecting…"


class PlainTableScreen(Screen[None]):
    """The fallback live table (see the module docstring)."""

    DEFAULT_CSS = """
    PlainTableScreen #feed { height: 1; padding: 0 1; background: $panel; }
    PlainTableScreen #feed.stale { background: $error; color: $text; }
    PlainTableScreen DataTable { height: 1fr; }
    """

    @property
    def ringmon(self) -> RingmonApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("feed: connecting…", id="feed", markup=False)
        yield DataTable(id="employees", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "ringmon (plain table)"
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self._rebuild()
        self.set_interval(1.0, self._tick)

    def _cells(self, state: State, employee_id: str, now: float) -> tuple[str, ...]:
        emp = state.employees[employee_id]
        status = f"{GLYPHS[emp.status]} {emp.status.label}"
        if state.ringing(employee_id):
            status += " ♪"
        devices = state.devices_of(employee_id)
        agents = sorted({d.user_agent or d.device for d in devices if d.status != Status.OFFLINE})
        return (
            emp.name,
            emp.department or "",
            status,
            format_duration(now - emp.since),
            ", ".join(agents),
        )

    def _rebuild(self) -> None:
        state = self.ringmon.state
        now = self.ringmon.hub_time.now()
        table = self.query_one(DataTable)
        table.clear()
        for emp in sorted(state.employees.values(), key=lambda e: (e.name, e.id)):
            table.add_row(*self._cells(state, emp.id, now), key=emp.id)
        self.sub_title = f"{len(state.employees)} employees"

    def on_model_changed(self, message: ModelChanged) -> None:
        if message.reset:
            self._rebuild()
            return
        state = self.ringmon.state
        now = self.ringmon.hub_time.now()
        table = self.query_one(DataTable)
        for employee_id in message.employees:
            present = employee_id in table.rows
            if employee_id not in state.employees:
                if present:
                    table.remove_row(employee_id)
            elif not present:
                table.add_row(*self._cells(state, employee_id, now), key=employee_id)
            else:
                for column, value in zip(
                    COLUMNS, self._cells(state, employee_id, now), strict=True
                ):
                    table.update_cell(employee_id, column, value)
        self.sub_title = f"{len(state.employees)} employees"

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self._show_feed(message.connection)

    def _show_feed(self, connection: Connection) -> None:
        line = self.query_one("#feed", Static)
        line.update(feed_line(connection, self.ringmon.hub_time.now()))
        line.set_class(connection.link is Link.RECONNECTING, "stale")

    def _tick(self) -> None:
        state = self.ringmon.state
        now = self.ringmon.hub_time.now()
        table = self.query_one(DataTable)
        for row_key in list(table.rows):
            emp = state.employees.get(str(row_key.value))
            if emp is not None:
                table.update_cell(row_key, "In status", format_duration(now - emp.since))
        self._show_feed(self.ringmon.connection)
