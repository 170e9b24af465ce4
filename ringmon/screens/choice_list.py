"""A multi-select list where ``space`` toggles and ``enter`` applies (for the filter dialogs).

Each entry shows its state by a glyph, ``[x]`` ticked and ``[ ]`` not, so that it reads the
same without colour (``NO_COLOR``) and on a Linux console; the colour only repeats it. The
dialogs tick every entry when nothing is filtered: the list shows what the board will show,
and ``space`` on one entry of a full list unticks just that one; ``a`` ticks all, or none
when all are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.content import Content, ContentText
from textual.message import Message
from textual.strip import Strip
from textual.widgets import OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

TICKED = "[x]"
UNTICKED = "[ ]"


class ChoiceList(SelectionList[str]):
    """``space`` (or a click) toggles an entry; ``enter`` applies the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply", show=True, id="choice_list.apply"),
        Binding("space", "select", "Tick", show=True, id="choice_list.select"),
        Binding("a", "all_or_none", "All/none", show=True, id="choice_list.all_or_none"),
    ]

    DEFAULT_CSS = """
    ChoiceList {
        & > .selection-list--button,
        & > .selection-list--button-highlighted {
            color: $text-muted;
            background: transparent;
        }
        & > .selection-list--button-selected,
        & > .selection-list--button-selected-highlighted {
            color: $text-success;
            background: transparent;
            text-style: bold;
        }
    }
    """

    class Apply(Message):
        def __init__(self, choice_list: ChoiceList) -> None:
            super().__init__()
            self.choice_list = choice_list

    def action_apply(self) -> None:
        self.post_message(self.Apply(self))

    def action_all_or_none(self) -> None:
        """Untick everything when everything is ticked, else tick everything."""
        if frozenset(self.selected) >= self.all_values:
            self.deselect_all()
        else:
            self.select_all()

    @property
    def highlighted_value(self) -> str | None:
        index = self.highlighted
        if index is None:
            return None
        return self.get_option_at_index(index).value

    @property
    def all_values(self) -> frozenset[str]:
        return frozenset(self.get_option_at_index(i).value for i in range(self.option_count))

    def set_choices(
        self, choices: Sequence[tuple[ContentText, str]], tick_new: Callable[[str], bool]
    ) -> None:
        """Show ``choices`` (prompt, value) in place of the list's own: the values it had keep
        their ticks (the user's) and the highlight stays on its value; a value new to the list
        is ticked when ``tick_new`` says so. (For a dialog that follows live counts.)"""
        values = [value for _, value in choices]
        had = [self.get_option_at_index(i).value for i in range(self.option_count)]
        if values == had:
            for index, (prompt, _) in enumerate(choices):
                # (as a Selection takes its prompt: markup, first line)
                self.replace_option_prompt_at_index(index, Content.from_text(prompt).split()[0])
            return
        ticked = frozenset(self.selected)
        highlighted = self.highlighted_value
        known = frozenset(had)
        self.clear_options()
        self.add_options(
            Selection(prompt, value, value in ticked if value in known else tick_new(value))
            for prompt, value in choices
        )
        if highlighted in values:
            self.highlighted = values.index(highlighted)
        elif values:
            self.highlighted = 0

    def _get_left_gutter_width(self) -> int:
        return len(TICKED) + 1

    def render_line(self, y: int) -> Strip:
        """The option's line behind its ``[x]`` / ``[ ]`` (SelectionList draws a coloured
        block whose state only its colour tells)."""
        line = OptionList.render_line(self, y)
        index = self.scroll_offset.y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        ticked = selection.value in self._selected
        component = "selection-list--button"
        if ticked:
            component += "-selected"
        if self.highlighted == index:
            component += "-highlighted"
        underlying = next(iter(line)).style or self.rich_style
        button = self.get_component_rich_style(component) + Style(
            bgcolor=underlying.bgcolor, meta={"option": index}
        )
        return Strip(
            [
                Segment(TICKED if ticked else UNTICKED, button),
                Segment(" ", underlying + Style(meta={"option": index})),
                *line,
            ]
        )
