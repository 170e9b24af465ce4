"""The sort arrow tells the order, for every column and both directions, as in a spreadsheet:
``▲`` the smallest value first (the shortest in status, the fewest calls, names A to Z,
R16's priority order for statuses), ``▼`` the largest first."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ringmon.model.board import Board, Filters, Row, Sort, SortColumn
from ringmon.model.board_rows import DeviceView
from ringmon.model.employee_day import DayCounters
from ringmon.model.status import BY_PRIORITY, Status
from ringmon.widgets.filter_bar import chips_markup

NOW = 10_000.0
LAST = "\U0010ffff"
"""Sorts after every department name: the rows with no department come last ascending."""


def row(
    n: int, name: str, status: Status, since: float, dept: str | None, done: DayCounters
) -> Row:
    devices: tuple[DeviceView, ...] = ()
    return Row(f"e{n}", name, dept, status, since, None, devices, name.casefold(), calls_done=done)


ROWS = [
    row(1, "Anna Nowak", Status.TALKING, 9_000, "Sales", DayCounters(4, 1, 300, 200)),
    row(2, "piotr Nowicki", Status.OFFLINE, 2_000, "sales", DayCounters(0, 0, 0, 0)),
    row(3, "Ewa Mazur", Status.ONLINE, 9_900, None, DayCounters(9, 3, 1_200, 700)),
    row(4, "Jan Kowalski", Status.DND, 5_000, "Billing", DayCounters(2, 0, 60, 60)),
    row(5, "Zofia Lis", Status.ONLINE, 1_000, "Support", DayCounters(1, 2, 900, 900)),
    row(6, "adam Bąk", Status.OFFLINE, 7_500, "Support", DayCounters(6, 5, 30, 25)),
]

VALUE: dict[SortColumn, Callable[[Row], object]] = {
    SortColumn.STATUS: lambda r: BY_PRIORITY.index(r.status),
    SortColumn.EMPLOYEE: lambda r: r.folded,
    SortColumn.DEPARTMENT: lambda r: (r.department or LAST).casefold(),
    SortColumn.IN_STATUS: lambda r: NOW - r.since,
    SortColumn.CALLS_TODAY: lambda r: r.calls_done.calls,
    SortColumn.MISSED_TODAY: lambda r: r.calls_done.missed,
    SortColumn.TALK_TODAY: lambda r: r.calls_done.talk,
    SortColumn.LONGEST_CALL: lambda r: r.calls_done.longest,
}


def test_every_sort_column_has_a_value_here() -> None:
    assert set(VALUE) == set(SortColumn)


@pytest.mark.parametrize("reverse", [False, True], ids=["first-click", "second-click"])
@pytest.mark.parametrize("column", list(SortColumn))
def test_the_order_matches_the_arrow(column: SortColumn, reverse: bool) -> None:
    sort = Sort(column, reverse)
    board = Board(sort)
    board.reset(ROWS)
    values = [VALUE[column](r) for r in board]
    ascending = sorted(values)  # type: ignore[type-var]
    expected = ascending if sort.arrow == "▲" else ascending[::-1]
    assert values == expected, (sort.arrow, values)
    # Not every value equal: the order is really tested.
    assert len(set(values)) > 1
    # The same arrow in the bar under the board.
    assert f"by {column.heading} {sort.arrow}" in chips_markup(Filters(), None, 6, 6, sort)


def test_in_status_first_click_is_the_longest_first_and_says_so() -> None:
    """R3: the longest in status first is the useful first order; it is descending."""
    sort = Sort().by(SortColumn.IN_STATUS)
    board = Board(sort)
    board.reset(ROWS)
    assert board.row_at(0).id == "e5" and sort.arrow == "▼"
    again = sort.by(SortColumn.IN_STATUS)
    board.set_sort(again)
    assert board.row_at(0).id == "e3" and again.arrow == "▲"
