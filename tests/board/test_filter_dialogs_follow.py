"""The filter panel (``f``) and the department menu (``d``) follow the board while they are
open: opened while the client is still connecting, they said every status was at (0) and
knew no department, and stayed so when the snapshot came (only reopening showed the data).
Now they say they wait for the hub, and the departments and counts fill in when the data
come, and change with later events, the user's ticks kept; what they show is what a dialog
opened afresh shows."""

from __future__ import annotations

from datetime import UTC, datetime

from board_data import NOW, TZ, board_state
from board_host import BoardHost, settle
from textual.screen import Screen
from textual.widgets import Static

from ringmon.feed.connection import Connection, Link
from ringmon.model.board import ChipKind
from ringmon.model.schema import EmployeeUpsert
from ringmon.model.state import State
from ringmon.screens.choice_list import ChoiceList
from ringmon.screens.department_menu import DepartmentMenu
from ringmon.screens.filter_panel import FilterPanel
from ringmon.screens.model_messages import ModelChanged

SIZE = (120, 40)
DEPARTMENTS = ["Billing", "Retention", "Sales", "Support", "(no department)"]


def painted(choices: ChoiceList) -> list[str]:
    """The list's lines as painted, without colour."""
    return [choices.render_line(y).text.rstrip() for y in range(choices.option_count)]


def note_of(screen: Screen[object], selector: str) -> str | None:
    """The dialog's note on why there are no data (None: not shown)."""
    note = screen.query_one(selector, Static)
    return str(note.render()) if note.display else None


def connecting() -> BoardHost:
    return BoardHost(State(TZ), connection=Connection(link=Link.CONNECTING, since=NOW))


async def snapshot_comes(app: BoardHost) -> None:
    """What the App does when the hub's snapshot arrives."""
    app.context.state = board_state()
    app.set_connection(Connection(link=Link.CONNECTED, since=NOW, last_event_at=NOW - 1))
    for screen in app.screen_stack:
        screen.post_message(ModelChanged(frozenset(), reset=True))


def newcomer() -> EmployeeUpsert:
    """An employee of a department nobody was in yet."""
    ts = datetime.fromtimestamp(NOW + 1, UTC)
    return EmployeeUpsert(ts=ts, id="night1", name="Zofia Nocna", department="Night")


async def test_the_filter_panel_opened_while_connecting_follows_the_data() -> None:
    app = connecting()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        panel = app.screen
        assert isinstance(panel, FilterPanel)
        departments = panel.query_one("#departments", ChoiceList)
        statuses = panel.query_one("#statuses", ChoiceList)
        note = note_of(panel, "#panel-waiting")
        assert note is not None and note.startswith("Connecting to the hub")
        assert departments.option_count == 0
        assert not any("(0)" in line for line in painted(statuses)), painted(statuses)

        await snapshot_comes(app)
        await settle(pilot)
        assert app.screen is panel and note_of(panel, "#panel-waiting") is None
        followed = [painted(departments), painted(statuses)]
        assert [line[4:].split(" (")[0] for line in followed[0]] == DEPARTMENTS
        assert [line[:4] for line in followed[0]] == ["[x] "] * 5  # no filter: all ticked
        total = sum(int(line.rsplit("(", 1)[1].rstrip(")")) for line in followed[0])
        assert total == 30
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        fresh = app.screen
        assert isinstance(fresh, FilterPanel) and fresh is not panel
        lists = [fresh.query_one(f"#{n}", ChoiceList) for n in ("departments", "statuses")]
        assert [painted(choices) for choices in lists] == followed

        # Later events: the counts and departments change with the board, ticks kept.
        await pilot.press("down", "space")  # untick Retention
        app.apply([newcomer()])
        await settle(pilot)
        lines = painted(lists[0])
        assert [line[4:].split(" (")[0] for line in lines] == [
            "Billing",
            "Night",
            "Retention",
            "Sales",
            "Support",
            "(no department)",
        ]
        assert lines[1] == "[x] Night (1)"  # new: ticked, as nothing was filtered
        assert lines[2].startswith("[ ] Retention")  # the user's untick stays
        await pilot.press("enter")
        await settle(pilot)
        filtered = app.board.board.filters.values(ChipKind.DEPARTMENT)
        assert filtered == {"Billing", "Night", "Sales", "Support", ""}


async def test_the_department_menu_opened_while_connecting_follows_the_data() -> None:
    app = connecting()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, DepartmentMenu)
        choices = menu.query_one("#department-list", ChoiceList)
        note = note_of(menu, "#menu-waiting")
        assert note is not None and note.startswith("Connecting to the hub")
        assert choices.option_count == 0

        await snapshot_comes(app)
        await settle(pilot)
        assert app.screen is menu and note_of(menu, "#menu-waiting") is None
        assert len(painted(choices)) == 5
        app.apply([newcomer()])
        await settle(pilot)
        followed = painted(choices)
        assert [line[:4] for line in followed] == ["[x] "] * 6
        # enter on the highlighted department, nothing toggled: that one alone (the entries
        # that came with the data count as untouched).
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.board.board.filters.values(ChipKind.DEPARTMENT) == {"Night"}
        await pilot.press("d")
        await settle(pilot)
        fresh = app.screen
        assert isinstance(fresh, DepartmentMenu) and fresh is not menu
        lines = painted(fresh.query_one("#department-list", ChoiceList))
        assert [line[4:] for line in lines] == [line[4:] for line in followed]
