"""A multi-select list where ``space`` toggles and ``enter`` applies (for the filter dialogs)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import SelectionList


class ChoiceList(SelectionList[str]):
    """``space`` (or a click) toggles an entry; ``enter`` applies the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply", show=True, id="choice_list.apply"),
        Binding("space", "select", "Toggle", show=True, id="choice_list.select"),
    ]

    class Apply(Message):
        def __init__(self, choice_list: ChoiceList) -> None:
            super().__init__()
            self.choice_list = choice_list

    def action_apply(self) -> None:
        self.post_message(self.Apply(self))

    @property
    def highlighted_value(self) -> str | None:
        index = self.highlighted
        if index is None:
            return None
        return self.get_option_at_index(index).value
