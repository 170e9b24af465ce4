"""Counts read as people write them (``1,204``) in the filter panel and the department menu,
as they do in the summary and the status line."""

from __future__ import annotations

from ringmon.model.board import RINGING
from ringmon.present.words import counted, figure
from ringmon.screens.department_menu import department_heading, department_line
from ringmon.screens.filter_panel import FilterPanel


def test_figure_groups_thousands() -> None:
    assert [figure(n) for n in (0, 7, 999, 1000, 12345, 1234567)] == [
        "0",
        "7",
        "999",
        "1,000",
        "12,345",
        "1,234,567",
    ]
    assert counted(1204, "call") == "1,204 calls"


def test_department_menu_line_groups_thousands_and_stays_aligned() -> None:
    counts = {"talking": 1204, RINGING: 3, "online": 2500, "dnd": 12, "offline": 2}
    line = department_line("Sales", counts, 20).plain
    assert " 1,204 " in line
    assert " 2,500 " in line
    assert line.endswith(" 3,718")  # the total leaves ringing out
    assert len(line) == len(department_heading(20))


def test_filter_panel_counts_group_thousands() -> None:
    departments = {"Sales": {"talking": 1500, "online": 700}, "Support": {"offline": 2}}
    panel = FilterPanel(departments, frozenset(), frozenset())
    labels = [label for label, _value in panel._department_choices()]
    assert labels[0].endswith("(2,200)")
    statuses = dict((value, label) for label, value in panel._status_choices())
    assert statuses["talking"].endswith("(1,500)")
