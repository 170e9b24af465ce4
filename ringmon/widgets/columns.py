"""The employee table's columns and how they fit a width (pure: no Textual).

At 80 columns every column fits, narrowly; below that User agents goes first, then Department.
On a wide screen Employee and Department grow to their most useful width and User agents takes
the rest, so a wall screen shows full user-agent strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ringmon.model.board import SortColumn


class Col(StrEnum):
    EMPLOYEE = "employee"
    DEPARTMENT = "department"
    STATUS = "status"
    IN_STATUS = "in_status"
    AGENTS = "agents"
    CALLS_TODAY = "calls_today"
    MISSED_TODAY = "missed_today"
    TALK_TODAY = "talk_today"
    LONGEST_CALL = "longest_call"

    @property
    def heading(self) -> str:
        return HEADINGS[self]

    @property
    def sort_column(self) -> SortColumn | None:
        """The sort order a header click on this column picks (User agents: none)."""
        return None if self is Col.AGENTS else SortColumn(self.value)


HEADINGS = {
    Col.EMPLOYEE: "Employee",
    Col.DEPARTMENT: "Department",
    Col.STATUS: "Status",
    Col.IN_STATUS: "In status",
    Col.AGENTS: "User agents",
    Col.CALLS_TODAY: "Calls",
    Col.MISSED_TODAY: "Missed",
    Col.TALK_TODAY: "Talk",
    Col.LONGEST_CALL: "Longest",
}

COUNTERS: dict[Col, tuple[str, int]] = {
    col: (SortColumn(col.value).heading, width)
    for col, width in (
        (Col.CALLS_TODAY, 7),
        (Col.MISSED_TODAY, 8),
        (Col.TALK_TODAY, 8),
        (Col.LONGEST_CALL, 9),
    )
}
"""The optional counter columns (the column menu, ``c``): what the menu calls each (its sort
order's name), and its width (its heading with the sort arrow, and ``1:02:03``)."""

FILTERABLE = (Col.EMPLOYEE, Col.DEPARTMENT, Col.STATUS)
"""Columns with "filter by this value" (R4: not User agents, not In status)."""

MARK_WIDTH = 2
"""The leading cells: ``!`` on a row past its time limit (else the ringing glyph), then the
change marker of a row whose status changed in the last seconds."""
IN_STATUS_WIDTH = 11
"""Wide enough for its heading with the sort arrow, ``In status ▲``."""
STATUS_FULL = 16  # "⊘ do not disturb"
STATUS_SHORT = 9  # "● talking"

# (minimum, preferred, maximum) of the flexible columns.
FLEX = {
    Col.EMPLOYEE: (10, 22, 30),
    Col.DEPARTMENT: (6, 14, 22),
    Col.AGENTS: (12, 32, 10_000),
}


@dataclass(frozen=True, slots=True)
class Placed:
    col: Col
    x: int
    width: int


@dataclass(frozen=True, slots=True)
class Layout:
    columns: tuple[Placed, ...]
    short_status: bool
    width: int
    counters: tuple[Col, ...] = ()
    """The counter columns asked for (shown as room allows)."""

    def at(self, x: int) -> Col | None:
        """The column under screen column ``x`` (gaps belong to the column on their left)."""
        found: Col | None = None
        for placed in self.columns:
            if x >= placed.x:
                found = placed.col
        return found

    def get(self, col: Col) -> Placed | None:
        for placed in self.columns:
            if placed.col is col:
                return placed
        return None

    @property
    def shown(self) -> tuple[Col, ...]:
        return tuple(p.col for p in self.columns)


def layout_columns(width: int, counters: tuple[Col, ...] = ()) -> Layout:
    """Place the columns in ``width`` cells, hiding User agents then Department when narrow;
    ``counters`` (chosen in the column menu) come after In status and stay."""
    gap = 2 if width >= 110 else 1
    short = width < 100
    status_w = STATUS_SHORT if short else STATUS_FULL
    extra = tuple(c for c in COUNTERS if c in counters)
    fixed_w = MARK_WIDTH + status_w + IN_STATUS_WIDTH + sum(COUNTERS[c][1] for c in extra)
    choices: tuple[tuple[Col, ...], ...] = (
        (Col.EMPLOYEE, Col.DEPARTMENT, Col.STATUS, Col.IN_STATUS, *extra, Col.AGENTS),
        (Col.EMPLOYEE, Col.DEPARTMENT, Col.STATUS, Col.IN_STATUS, *extra),
        (Col.EMPLOYEE, Col.STATUS, Col.IN_STATUS, *extra),
    )
    shown: tuple[Col, ...] = choices[-1]
    flex_room = 0
    for cols in choices:
        flexible = [c for c in cols if c in FLEX]
        flex_room = width - fixed_w - gap * (len(cols) - 1)
        # A column is worth showing only once the names have their preferred width.
        need = sum(FLEX[c][1] if c is Col.EMPLOYEE else FLEX[c][0] for c in flexible)
        if cols is choices[-1] or flex_room >= need:
            shown = cols
            break
    flexible = [c for c in shown if c in FLEX]
    widths = {c: FLEX[c][0] for c in flexible}
    spare = max(0, flex_room - sum(widths.values()))
    # Grow to the preferred widths in order of importance, then to the maxima, and the
    # last flexible column takes what is left.
    for target in (1, 2):
        for c in flexible:
            grow = min(spare, FLEX[c][target] - widths[c])
            if grow > 0:
                widths[c] += grow
                spare -= grow
    if spare and flexible:
        widths[flexible[-1]] += spare
    widths[Col.STATUS] = status_w
    widths[Col.IN_STATUS] = IN_STATUS_WIDTH
    for c in extra:
        widths[c] = COUNTERS[c][1]
    placed: list[Placed] = []
    x = MARK_WIDTH
    for c in shown:
        placed.append(Placed(c, x, widths[c]))
        x += widths[c] + gap
    return Layout(tuple(placed), short, width, counters)
