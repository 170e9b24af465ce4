"""The board's entries in the command palette: every action, and each saved view."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    pass

# (action, title, help) of every board command: the palette lists them all.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("name_filter", "Filter", "Names, or dept:sales status:!offline ... (/)"),
    ("filter_panel", "Filter by department and status", "Multi-select filter panel (f)"),
    ("departments", "Department menu", "Departments with counts per status (d)"),
    ("filter_cell", "Filter by this value", "Filter by the selected cell (=)"),
    ("filter_by('employee')", "Filter by this employee", "The selected row's name"),
    ("filter_by('department')", "Filter by this department", "The selected row's department"),
    ("filter_by('status')", "Filter by this status", "The selected row's status"),
    ("clear_last", "Clear the last filter", "Remove the newest chip (escape)"),
    ("clear_filters", "Clear all filters", "Show every employee (ctrl+u)"),
    ("views", "Saved views", "The views of the config file (v)"),
    ("columns", "Columns", "Show or hide today's counters (c)"),
    ("freeze", "Freeze / thaw the order", "Rows stay where they are (space)"),
    ("sort_cycle", "Sort: next column", "Status, employee, department, in status (s)"),
    ("sort_reverse", "Sort: reverse", "Reverse the current order (S)"),
    ("sort_by('status')", "Sort by status", "Status priority, then longest in status"),
    ("sort_by('employee')", "Sort by employee", "By name"),
    ("sort_by('department')", "Sort by department", "By department, then status"),
    ("sort_by('in_status')", "Sort by time in status", "Longest in status first"),
    ("sort_by('calls_today')", "Sort by calls today", "Most calls first"),
    ("sort_by('missed_today')", "Sort by missed today", "Most missed calls first"),
    ("sort_by('talk_today')", "Sort by talk time today", "Longest talk time first"),
    ("sort_by('longest_call')", "Sort by longest call", "Longest single call first"),
    ("devices", "Device detail", "Each device of the selected employee (u)"),
    ("profile", "Open profile", "The selected employee's profile (enter)"),
    ("help", "Help: all keys", "Every key of the board (?)"),
)


def _quoted(name: str) -> str:
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


class BoardCommands(Provider):
    """Every board action in the command palette, and one entry per saved view."""

    def _commands(self) -> list[tuple[str, str, str]]:
        from ringmon.screens.board.screen import BoardScreen

        screen = self.screen
        if not isinstance(screen, BoardScreen) or screen.wall:
            return [c for c in COMMANDS if c[0] == "help"]
        views = [
            (f"apply_view({_quoted(view.name)})", f"View: {view.name}", view.query.text or "all")
            for view in screen.saved_views()
        ]
        return [*COMMANDS, *views]

    async def discover(self) -> Hits:
        for action, title, help_text in self._commands():
            yield DiscoveryHit(title, partial(self.screen.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, title, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.screen.run_action, action),
                    help=help_text,
                )
