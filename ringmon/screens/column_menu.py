"""The column menu (``c``): today's counters, each shown or hidden (``[x]``/``[ ]``).

``space`` ticks or unticks, ``a`` all or none, ``enter`` applies (the board remembers the
choice in the client's state file), ``escape`` cancels.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.widgets.selection_list import Selection

from ringmon.screens.choice_list import ChoiceList
from ringmon.widgets.columns import COUNTERS, Col


class ColumnMenu(ModalScreen[tuple[Col, ...] | None]):
    """Returns the counter columns to show (None: cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "cancel", "Cancel", id="column_menu.cancel"),
    ]

    DEFAULT_CSS = """
    ColumnMenu { align: center middle; }
    ColumnMenu > Vertical {
        width: 44;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
    }
    ColumnMenu ChoiceList { height: auto; }
    ColumnMenu #column-help { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, shown: tuple[Col, ...]) -> None:
        super().__init__()
        self.shown = shown

    def compose(self) -> ComposeResult:
        items = [
            Selection(f"{title} ({COUNTERS[col][0]})", col.value, col in self.shown)
            for col, title in ((c, c.heading) for c in COUNTERS)
        ]
        with Vertical() as box:
            box.border_title = "Columns: today's counters"
            yield ChoiceList(*items, id="column-list")
            yield Static("space ticks · a: all/none · enter applies · esc", id="column-help")

    @on(ChoiceList.Apply)
    def _apply(self, message: ChoiceList.Apply) -> None:
        ticked = set(message.choice_list.selected)
        self.dismiss(tuple(c for c in COUNTERS if c.value in ticked))

    def action_cancel(self) -> None:
        self.dismiss(None)
