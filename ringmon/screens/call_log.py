"""The call log of one employee for a period (R12): browse, filter, download and play.

Pushed by the profile (key ``c``). Calls come from ``GET /v1/calls`` (newest first); which
calls show is the model's (``ringmon.model.call_filter``), how a call reads is
``ringmon.present.call_row``'s, and downloading and playing a recording is
``ringmon.screens.call_recording``'s.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, ProgressBar, Static

from ringmon.hub_client import HubClient, HubError
from ringmon.model.call_filter import DIRECTION_FILTERS, RESULT_FILTERS, shows
from ringmon.model.period import Period
from ringmon.model.wire import LegDoc
from ringmon.present.call_row import call_row
from ringmon.present.clock import clock
from ringmon.present.words import counted, day_label
from ringmon.screens.call_recording import RecordingActions
from ringmon.screens.context import context_of
from ringmon.screens.profile import NARROW

COLUMNS: tuple[tuple[str, str], ...] = (
    ("time", "Time"),
    ("dir", "Dir"),
    ("remote", "Remote"),
    ("ring", "Ring"),
    ("talk", "Talk"),
    ("result", "Result"),
    ("rec", "Rec"),
)
COMPACT_COLUMNS: tuple[tuple[str, str], ...] = tuple(c for c in COLUMNS if c[0] != "dir")
COMPACT_BELOW = 76
"""Below this many cells the table is compact (direction beside the number, shorter time and
recording cells), so that every column still fits at 60 cells."""


class CallLogScreen(RecordingActions, ModalScreen[None]):
    """The calls of one employee in one period, newest first."""

    DEFAULT_CSS = """
    CallLogScreen {
        align: right top;
        background: $background 35%;
    }
    CallLogScreen #log-panel {
        width: 62%;
        min-width: 84;
        height: 100%;
        background: $surface;
        border-left: thick $primary;
    }
    CallLogScreen.-narrow #log-panel {
        width: 100%;
        min-width: 0;
        border-left: none;
    }
    CallLogScreen #log-title {
        padding: 0 1;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    CallLogScreen #filters {
        height: auto;
        padding: 0 1;
    }
    CallLogScreen #filters Button {
        min-width: 10;
        height: 1;
        border: none;
        margin-right: 1;
    }
    CallLogScreen #result-filter {
        width: 20;  /* "Result: unanswered", the longest label, never cut */
    }
    CallLogScreen #direction-filter {
        width: 16;  /* "Direction: all" */
    }
    CallLogScreen #count {
        padding: 0 1;
        width: 1fr;
        color: $text-muted;
    }
    CallLogScreen #calls {
        height: 1fr;
    }
    CallLogScreen #log-status {
        padding: 0 1;
        height: auto;
    }
    CallLogScreen #log-status.-error {
        color: $text-error;
    }
    CallLogScreen #progress {
        padding: 0 1;
        display: none;
    }
    CallLogScreen #progress.-shown {
        display: block;
    }
    CallLogScreen .hint {
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="call_log.close"),
        Binding("question_mark", "help", "Help", key_display="?", id="call_log.help"),
        Binding("q", "app.quit", "Quit", show=False, id="call_log.quit"),
        Binding("colon", "app.command_palette", "Palette", show=False, id="call_log.palette"),
        Binding("r", "cycle_result", "Result filter", show=False, id="call_log.cycle_result"),
        Binding("i", "cycle_direction", "In/out filter", show=False, id="call_log.cycle_direction"),
        Binding("s", "download", "Download", id="call_log.download"),
        Binding("p", "play", "Play", id="call_log.play"),
    ]

    def __init__(
        self,
        employee_id: str,
        name: str,
        period: Period,
        *,
        first: date | None,
        last: date | None,
        client: HubClient,
        player: str | None = None,
        download_dir: Path | None = None,
        at: float | None = None,
    ) -> None:
        """``at``: the log as it stood at that moment (a replay: the calls that had rung by
        then, as they were then); None: as stored now."""
        super().__init__()
        self.at = at
        self.employee_id = employee_id
        self.employee_name = name
        self.period = period
        self.first = first
        self.last = last
        self.client = client
        self.player = player
        self.download_dir = download_dir
        self.calls: list[LegDoc] = []
        self.result_filter = "all"
        self.direction_filter = "all"
        self.downloads: dict[str, Path] = {}
        self.compact = False
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="log-panel"):
            yield Static(self._title(), id="log-title", markup=False)
            with Horizontal(id="filters"):
                yield Button("Result: all", id="result-filter", compact=True)
                yield Button("Direction: all", id="direction-filter", compact=True)
                yield Static("", id="count")
            yield DataTable(id="calls", cursor_type="row", zebra_stripes=True)
            yield Static(
                "short ≤5 s: rang 5 s or less, unanswered: not a missed call",
                classes="hint",
            )
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("Loading calls...", id="log-status", markup=False)
            yield Footer()

    def _title(self) -> str:
        span = ""
        if self.first is not None and self.last is not None:
            span = day_label(self.first)
            if self.last != self.first:
                span += f" - {day_label(self.last)}"
        moment = ""
        if self.at is not None:
            moment = f" · as at {clock(self.at, context_of(self.app).tz, seconds=True)}"
        return (
            f"Call log · {self.employee_name} · {self.period.label}"
            + (f" ({span})" if span else "")
            + moment
        )

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < NARROW, "-narrow")
        self._set_compact(self.app.size.width < COMPACT_BELOW)
        self.query_one(DataTable).focus()
        self._load()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")
        if self._set_compact(event.size.width < COMPACT_BELOW):
            self._fill()

    def _set_compact(self, compact: bool) -> bool:
        """Lay the table's columns out for ``compact``; True if they changed."""
        table: DataTable[Text] = self.query_one(DataTable)
        if table.columns and compact == self.compact:
            return False
        self.compact = compact
        table.clear(columns=True)
        for key, label in COMPACT_COLUMNS if compact else COLUMNS:
            table.add_column(label, key=key)
        return True

    @work(exclusive=True, group="call-log")
    async def _load(self) -> None:
        if self.first is None or self.last is None:
            self._status("No period to show.", error=True)
            return
        try:
            self.calls = await self.client.calls(
                self.employee_id, self.first, self.last, at=self.at
            )
        except HubError as exc:
            self._status(f"Could not load the calls: {exc}", error=True)
            return
        self._status(self._keys_hint())
        self._fill()

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#log-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def visible_calls(self) -> list[LegDoc]:
        return [c for c in self.calls if shows(c, self.result_filter, self.direction_filter)]

    def _fill(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        keep = self._selected()
        table.clear()
        context = context_of(self.app)
        tz, now = context.tz, context.now()
        many = self.first != self.last
        shown = self.visible_calls()
        masked = context.mask_numbers
        for leg in shown:
            table.add_row(*call_row(leg, tz, now, many, self.compact, masked), key=leg.leg)
        if keep is not None:
            for n, leg in enumerate(shown):
                if leg.leg == keep.leg:
                    table.move_cursor(row=n)
        count = f"{len(shown)} of {counted(len(self.calls), 'call')}"
        if not self.calls:
            count = "No calls in this period."
        elif not shown:
            count = f"No call matches these filters ({len(self.calls)} in the period)."
        self.query_one("#count", Static).update(count)
        self.query_one("#result-filter", Button).label = f"Result: {self.result_filter}"
        self.query_one("#direction-filter", Button).label = f"Direction: {self.direction_filter}"

    def _selected(self) -> LegDoc | None:
        table: DataTable[Text] = self.query_one(DataTable)
        shown = self.visible_calls()
        if not shown or table.row_count == 0:
            return None
        row = table.cursor_row
        if not 0 <= row < table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return next((c for c in self.calls if c.leg == key), None)

    # -- actions -----------------------------------------------------------------------------

    def action_help(self) -> None:
        from ringmon.screens.help import toggle_help

        toggle_help(self.app)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_cycle_result(self) -> None:
        index = RESULT_FILTERS.index(self.result_filter)
        self.result_filter = RESULT_FILTERS[(index + 1) % len(RESULT_FILTERS)]
        self._fill()

    def action_cycle_direction(self) -> None:
        index = DIRECTION_FILTERS.index(self.direction_filter)
        self.direction_filter = DIRECTION_FILTERS[(index + 1) % len(DIRECTION_FILTERS)]
        self._fill()

    @on(Button.Pressed, "#result-filter")
    def _result_pressed(self) -> None:
        self.action_cycle_result()

    @on(Button.Pressed, "#direction-filter")
    def _direction_pressed(self) -> None:
        self.action_cycle_direction()

    @on(DataTable.RowSelected, "#calls")
    def _row_selected(self) -> None:
        self.action_download()
