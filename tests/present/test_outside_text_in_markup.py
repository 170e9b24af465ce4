"""Outside text (names, departments, user agents, what the hub says, keys from the config)
everywhere ringmon puts it into Textual markup: it shows as it is, and a ``[`` in it never
breaks the markup (a lone ``[/x]`` is a MarkupError that crashes the TUI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from ringmon.model.board import Summary
from ringmon.model.board_rows import build_rows
from ringmon.model.schema import AccountUpsert, DeviceStatus, EmployeeUpsert
from ringmon.model.state import State
from ringmon.present.markup import ZERO_WIDTH
from ringmon.present.row_text import devices_text
from ringmon.screens.choice_list import ChoiceList
from ringmon.screens.filter_panel import FilterPanel
from ringmon.screens.help import help_text
from ringmon.widgets.summary import FeedState, summary_contents

NASTY = ["[/x] R&D", "Sales [b]VIP[/b]", "lone [", "back\\", "[$error]red"]
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def shown(markup: str) -> str:
    return Content.from_markup(markup).plain.replace(ZERO_WIDTH, "")


def test_the_summarys_feed_words_from_the_hub_show_as_they_are() -> None:
    for text in NASTY:
        feed = FeedState("degraded", f"⚠ {text} unreachable", "")
        _, second = summary_contents(Summary(), feed, wide=True)
        assert second.plain.endswith(f"⚠ {text} unreachable"), text


def test_the_user_agent_tooltip_shows_names_and_agents_as_they_are() -> None:
    """A tooltip is read as markup: the employee's name and the phones' user agents."""
    state = State(UTC)
    state.apply_all(
        [
            EmployeeUpsert(ts=T0, id="e1", name="[/x] Anna\\"),
            AccountUpsert(ts=T0, login="A", employee="e1"),
            DeviceStatus(
                ts=T0 + timedelta(minutes=1),
                account="A",
                device="a1",
                user_agent="Zoiper [beta] [/]",
                status="online",
            ),
        ]
    )
    (row,) = build_rows(state, ["e1"]).values()
    assert row is not None
    text = shown(devices_text(row, (T0 + timedelta(minutes=2)).timestamp(), UTC))
    assert text.startswith("[/x] Anna\\: online") and "Zoiper [beta] [/]" in text
    alone = State(UTC)
    alone.apply(EmployeeUpsert(ts=T0, id="e1", name="[/x] Anna"))
    (row,) = build_rows(alone, ["e1"]).values()
    assert row is not None
    assert shown(devices_text(row, T0.timestamp(), UTC)) == "[/x] Anna: no devices registered"


def test_help_shows_remapped_keys_as_they_are() -> None:
    text = shown(help_text(keys=(("\\", "a key that is a backslash"), ("[", "back in time"))))
    assert "\\" in text and "[" in text and "back in time" in text


class PanelApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("board")


async def test_the_filter_panel_lists_departments_as_they_are() -> None:
    departments = {name: {"online": 1} for name in NASTY}
    app = PanelApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(FilterPanel(departments, frozenset(), frozenset()))
        await pilot.pause()
        choices = app.screen.query_one("#departments", ChoiceList)
        lines = [choices.render_line(y).text for y in range(choices.option_count)]
        for name in NASTY:
            assert any(name in line for line in lines), (name, lines)
