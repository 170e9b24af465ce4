"""The saved views menu (``v``): the config's ``[views.NAME]``, each with its filter; ``enter``
applies the highlighted one, a digit the view of that number, ``escape`` cancels."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ringmon.model.views import SavedView


def view_label(number: int, view: SavedView) -> Content:
    parts = [view.query.text or "every employee"]
    if view.sort is not None:
        parts.append(f"by {view.sort.column.heading} {view.sort.arrow}")
    if view.columns:
        parts.append("+ " + ", ".join(view.columns))
    return Content.from_markup(
        "[b]$number $name[/b]  [$text-muted]$what[/]",
        number=str(number) if number <= 9 else " ",
        name=view.name,
        what=" · ".join(parts),
    )


class ViewMenu(ModalScreen[str | None]):
    """Returns the chosen view's name (None: cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v", "cancel", "Cancel", id="view_menu.cancel"),
    ]

    DEFAULT_CSS = """
    ViewMenu { align: center middle; }
    ViewMenu > Vertical {
        width: auto;
        min-width: 40;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
    }
    ViewMenu OptionList { width: auto; height: auto; max-height: 20; border: none; }
    ViewMenu #view-help { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, views: list[SavedView]) -> None:
        super().__init__()
        self.views = views

    def compose(self) -> ComposeResult:
        options = [Option(view_label(i, v), id=v.name) for i, v in enumerate(self.views, 1)]
        with Vertical() as box:
            box.border_title = "Saved views"
            yield OptionList(*options, id="view-list")
            yield Static("enter or 1-9 applies · esc", id="view-help")

    @on(OptionList.OptionSelected)
    def _chosen(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(message.option.id)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            index = int(event.character) - 1
            if index < len(self.views):
                event.stop()
                self.dismiss(self.views[index].name)

    def action_cancel(self) -> None:
        self.dismiss(None)
