"""The call log of one employee for a period (R12): browse, filter, download and play.

Pushed by the profile (key ``c``). Calls come from ``GET /v1/calls`` (newest first). A
recording is streamed to a file with a progress bar and the screen says where it went; ``p``
plays it with the configured player (``RINGMON_PLAYER`` or the config file's ``player``): a
recording already saved with ``s`` from where it was saved, else from a private temporary
folder that is removed once the player exits (playing leaves no copy behind).
In a browser (``ringmon web``) the recording goes to the browser instead (Textual's
``deliver_binary``), which saves it (``s``) or plays it (``p``); nothing stays on the server.
"""

from __future__ import annotations

import tempfile
from datetime import date, tzinfo
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

from ringmon.feed.history import (
    HubClient,
    HubError,
    PlayerError,
    download_folder,
    play,
    player_command,
)
from ringmon.model.calls import Outcome
from ringmon.model.period import Period
from ringmon.model.profile import day_label, fmt_short
from ringmon.model.schema import Direction
from ringmon.model.wire import LegDoc
from ringmon.screens.profile import NARROW
from ringmon.screens.profile_host import app_now, app_tz
from ringmon.widgets.words import counted

RESULT_FILTERS: tuple[str, ...] = ("all", "answered", "missed", "short", "unanswered")
DIRECTION_FILTERS: tuple[str, ...] = ("all", "in", "out")

RESULT_LABEL: dict[Outcome, str] = {
    Outcome.ANSWERED: "answered",
    Outcome.MISSED: "missed",
    Outcome.SHORT: "short ≤5 s",
    Outcome.UNANSWERED: "no answer",
    Outcome.RINGING: "ringing",
    Outcome.TALKING: "talking",
}
RESULT_STYLE: dict[Outcome, str] = {
    Outcome.ANSWERED: "green",
    Outcome.MISSED: "bold bright_red",
    Outcome.SHORT: "yellow",
    Outcome.UNANSWERED: "dim",
    Outcome.RINGING: "cyan",
    Outcome.TALKING: "bright_red",
}
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


def leg_outcome(leg: LegDoc) -> Outcome:
    return leg.outcome if leg.outcome is not None else leg.to_leg().outcome()


def matches(leg: LegDoc, result: str, direction: str) -> bool:
    """The filters: ``result`` in RESULT_FILTERS, ``direction`` in DIRECTION_FILTERS."""
    if direction != "all" and leg.direction.value != direction:
        return False
    if result == "all":
        return True
    outcome = leg_outcome(leg)
    if result == "answered":
        return outcome in (Outcome.ANSWERED, Outcome.TALKING)
    return outcome.value == result


def call_row(
    leg: LegDoc, tz: tzinfo, now: float, many_days: bool, compact: bool = False
) -> tuple[Text, ...]:
    """A table row: time, direction, remote, ring time, talk time, result, recording; when
    ``compact``, the direction is an arrow before the remote and there is no Dir column."""
    local = leg.ring_at.astimezone(tz)
    if compact:
        when = local.strftime("%a %H:%M" if many_days else "%H:%M:%S")
    else:
        when = local.strftime("%a %d %H:%M:%S" if many_days else "%H:%M:%S")
    model = leg.to_leg()
    ring = leg.ring_seconds if leg.ring_seconds is not None else model.ring_seconds(now)
    talk = leg.talk_seconds if leg.talk_seconds is not None else model.talk_seconds(now)
    outcome = leg_outcome(leg)
    arrow = "← in" if leg.direction is Direction.IN else "→ out"
    if compact:
        return (
            Text(when),
            Text(f"{arrow[0]} {leg.remote or 'unknown'}"),
            Text(fmt_short(ring), justify="right"),
            Text(fmt_short(talk) if model.answered else "-", justify="right"),
            Text(RESULT_LABEL[outcome], RESULT_STYLE[outcome]),
            Text("♪" if leg.recording else "-", justify="center"),
        )
    return (
        Text(when),
        Text(arrow),
        Text(leg.remote or "unknown"),
        Text(fmt_short(ring), justify="right"),
        Text(fmt_short(talk) if model.answered else "-", justify="right"),
        Text(RESULT_LABEL[outcome], RESULT_STYLE[outcome]),
        Text("♪ yes" if leg.recording else "-"),
    )


class CallLogScreen(ModalScreen[None]):
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
    ) -> None:
        super().__init__()
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
            yield Static(self._title(), id="log-title")
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
            yield Static("Loading calls...", id="log-status")
            yield Footer()

    def _title(self) -> str:
        span = ""
        if self.first is not None and self.last is not None:
            span = day_label(self.first)
            if self.last != self.first:
                span += f" - {day_label(self.last)}"
        return f"Call log · {self.employee_name} · {self.period.label}" + (
            f" ({span})" if span else ""
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
            self.calls = await self.client.calls(self.employee_id, self.first, self.last)
        except HubError as exc:
            self._status(f"Could not load the calls: {exc.message}", error=True)
            return
        self._status(self._keys_hint())
        self._fill()

    def _keys_hint(self) -> str:
        if self.app.is_web:
            return "s/enter: download the recording · p: play it in the browser · r/i: filters"
        player = "p: play" if player_command(self.player) else "p: play (set RINGMON_PLAYER)"
        return f"s/enter: download the recording · {player} · r/i: filters"

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#log-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def visible_calls(self) -> list[LegDoc]:
        return [c for c in self.calls if matches(c, self.result_filter, self.direction_filter)]

    def _fill(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        keep = self._selected()
        table.clear()
        tz = app_tz(self.app)
        now = app_now(self.app, 0.0)
        many = self.first != self.last
        shown = self.visible_calls()
        for leg in shown:
            table.add_row(*call_row(leg, tz, now, many, self.compact), key=leg.leg)
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

    def action_download(self) -> None:
        leg = self._selected()
        if leg is None:
            return
        if not leg.recording:
            self._status("This call has no recording.", error=True)
            return
        self._download(leg)

    def action_play(self) -> None:
        leg = self._selected()
        if leg is None:
            return
        if not leg.recording:
            self._status("This call has no recording.", error=True)
            return
        if self.app.is_web:  # the browser plays it
            self._download(leg, then_play=True)
            return
        if player_command(self.player) is None:
            self._status(
                "No player configured: set RINGMON_PLAYER (e.g. 'mpv --no-video') or "
                "'player' in the config file. s downloads the file instead.",
                error=True,
            )
            return
        done = self.downloads.get(leg.leg)
        if done is not None and done.exists():
            self._play(done)
        else:
            self.run_worker(self._play_once(leg), group="player")

    async def _play_once(self, leg: LegDoc) -> None:
        """Fetch the recording into a private temporary folder (mode 0700), play it, and
        remove the folder when the player exits (or when the screen goes: a player that is
        still running keeps its open file)."""
        command = player_command(self.player)
        if command is None:
            return
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("-shown")
        self._status(f"Fetching the recording of {leg.leg} to play it ...")

        def progress(received: int, total: int | None) -> None:
            bar.update(total=total, progress=received)

        with tempfile.TemporaryDirectory(prefix="ringmon-play-") as folder:
            try:
                result = await self.client.download_recording(leg.leg, Path(folder), progress)
            except HubError as exc:
                bar.remove_class("-shown")
                self._status(f"Could not fetch the recording: {exc.message}", error=True)
                return
            bar.update(total=max(result.size, 1), progress=max(result.size, 1))
            try:
                process = await play(command, result.path)
            except PlayerError as exc:
                self._status(str(exc), error=True)
                return
            self._status(f"Playing the recording of {leg.leg} with {command[0]} (on this machine)")
            await process.wait()

    @work(exclusive=True, group="recording")
    async def _download(self, leg: LegDoc, then_play: bool = False) -> None:
        if self.app.is_web:
            await self._deliver(leg, then_play)
            return
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("-shown")
        folder = download_folder(self.download_dir)
        self._status(f"Downloading the recording of {leg.leg} to {folder} ...")

        def progress(received: int, total: int | None) -> None:
            bar.update(total=total, progress=received)

        try:
            result = await self.client.download_recording(leg.leg, folder, progress)
        except HubError as exc:
            bar.remove_class("-shown")
            self._status(f"Download failed: {exc.message}", error=True)
            return
        bar.update(total=max(result.size, 1), progress=max(result.size, 1))
        self.downloads[leg.leg] = result.path
        self._status(f"Saved the recording to {result.path} ({result.size:,} bytes)")
        self.notify(f"Recording saved to {result.path}", title="Download complete")

    async def _deliver(self, leg: LegDoc, then_play: bool) -> None:
        """To the browser: the recording is fetched into a private temporary folder of the
        server, opened, and handed to Textual (which streams it to the browser and closes it);
        the folder is gone before the browser has the file."""
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("-shown")
        self._status(f"Fetching the recording of {leg.leg} for your browser ...")

        def progress(received: int, total: int | None) -> None:
            bar.update(total=total, progress=received)

        with tempfile.TemporaryDirectory(prefix="ringmon-recording-") as scratch:
            try:
                result = await self.client.download_recording(leg.leg, Path(scratch), progress)
            except HubError as exc:
                bar.remove_class("-shown")
                self._status(f"Download failed: {exc.message}", error=True)
                return
            recording = result.path.open("rb")
        bar.update(total=max(result.size, 1), progress=max(result.size, 1))
        self.app.deliver_binary(
            recording,
            save_filename=result.path.name,
            open_method="browser" if then_play else "download",
        )
        done = "Opened the recording {} in" if then_play else "Sent the recording {} to"
        self._status(f"{done.format(result.path.name)} your browser ({result.size:,} bytes)")

    def _play(self, path: Path) -> None:
        self.run_worker(self._start_player(path), group="player")

    async def _start_player(self, path: Path) -> None:
        command = player_command(self.player)
        if command is None:
            return
        try:
            await play(command, path)
        except PlayerError as exc:
            self._status(str(exc), error=True)
            return
        self._status(f"Playing {path} with {command[0]} (on this machine)")
