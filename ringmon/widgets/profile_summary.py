"""The profile's period summary (R9, R11) and the per-day calls table behind "details" (R10)."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.widgets import DataTable, Static

from ringmon.model.stats import CallStats, PeriodStats
from ringmon.present.call_row import ANSWERED_BY_COLLEAGUE
from ringmon.present.durations import format_average, format_duration
from ringmon.present.status_style import StatusStyles, status_items
from ringmon.present.words import flow
from ringmon.widgets.status_colours import theme_styles


def render_summary(stats: PeriodStats, width: int, styles: StatusStyles) -> Table:
    calls = stats.calls
    grid = Table.grid(padding=(0, 2), expand=False)
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    handled = Text.assemble(
        (str(calls.handled), "bold"),
        f"  (incoming {calls.incoming} · outgoing {calls.outgoing})",
    )
    grid.add_row("Calls handled", handled)
    missed = Text.assemble((str(calls.missed), "bold bright_red" if calls.missed else "bold"))
    missed.append("  rang > 5 s, not answered", "dim")
    if calls.missed_answered_by_colleague:
        n = calls.missed_answered_by_colleague
        missed.append(f", {n} of them {ANSWERED_BY_COLLEAGUE}", "dim")
    grid.add_row("Missed", missed)
    not_missed = []
    if calls.short_unanswered:
        not_missed.append(f"{calls.short_unanswered} rang ≤ 5 s")
    if calls.outgoing_unanswered:
        not_missed.append(f"{calls.outgoing_unanswered} outgoing not picked up")
    if not_missed:
        grid.add_row("Unanswered", Text(" · ".join(not_missed) + "  (not missed)", "dim"))
    grid.add_row(
        "Talk time",
        Text.assemble(
            (format_duration(calls.total_talk), "bold"),
            f"  average {format_average(calls.average_talk, calls.handled)}",
        ),
    )
    grid.add_row(
        "Answer time", Text(f"average {format_average(calls.average_answer, calls.incoming)}")
    )
    in_status = flow(status_items(stats.in_status, format_duration, styles), max(20, width - 17))
    grid.add_row("In status", in_status)
    return grid


class SummaryRenderable:
    """The summary laid out at the width it is drawn at: Textual measures the height of an
    auto-height widget by rendering it at the container's width, so the "In status" line wraps
    (or not) the same way when measured and when drawn. (Laid out at a width guessed before the
    first resize, the widget kept the height of a wrapped line it no longer had.)"""

    def __init__(self, stats: PeriodStats, styles: StatusStyles) -> None:
        self.stats = stats
        self.styles = styles

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield render_summary(self.stats, options.max_width, self.styles)


class ProfileSummary(Static):
    DEFAULT_CSS = """
    ProfileSummary {
        height: auto;
        padding: 0 1;
    }
    """

    stats: PeriodStats | None = None

    def show(self, stats: PeriodStats) -> None:
        self.stats = stats
        self.redraw()

    def redraw(self) -> None:
        """Draw the summary again (new figures, or a new theme's colours)."""
        if self.stats is not None:
            self.update(SummaryRenderable(self.stats, theme_styles(self.app)))


DAY_COLUMNS: tuple[str, ...] = (
    "Day",
    "Handled",
    "In",
    "Out",
    "Missed",
    "≤5 s",
    "Out n/a",
    "Talk",
    "Avg talk",
    "Avg ans.",
)
"""``≤5 s``: unanswered after ringing 5 s or less (not missed, R11); ``Out n/a``: outgoing
calls nobody picked up."""


def day_row(label: str, calls: CallStats) -> tuple[str, ...]:
    return (
        label,
        str(calls.handled),
        str(calls.incoming),
        str(calls.outgoing),
        str(calls.missed),
        str(calls.short_unanswered),
        str(calls.outgoing_unanswered),
        format_duration(calls.total_talk),
        format_average(calls.average_talk, calls.handled),
        format_average(calls.average_answer, calls.incoming),
    )


class CallsTable(DataTable[str]):
    """Calls by day as a table, with a total row (the "details" of R10)."""

    DEFAULT_CSS = """
    CallsTable {
        height: auto;
        max-height: 12;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.add_columns(*DAY_COLUMNS)
        self._shown: list[tuple[str, tuple[str, ...]]] = []

    def show(self, stats: PeriodStats) -> None:
        """Fill the table; untouched when nothing changed (the cursor stays where it is)."""
        rows = [
            (day.day.isoformat(), day_row(day.day.strftime("%a %d"), day.calls))
            for day in stats.days
        ]
        if len(stats.days) > 1:
            rows.append(("total", day_row("Total", stats.calls)))
        if rows == self._shown:
            return
        self._shown = rows
        row = self.cursor_row
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if rows:
            self.move_cursor(row=min(row, len(rows) - 1))
