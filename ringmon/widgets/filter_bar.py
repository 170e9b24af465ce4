"""The filter bar: active filters as chips with their counts, and the type-to-filter input.

Each chip shows how many rows pass it and every chip before it, so the last chip's count is
the number of rows shown (``dept: Sales 120 › status: offline 12``). ``/`` opens the input;
typing filters live; ``enter`` keeps the filter, ``escape`` puts back what was there before.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from ringmon.model.board import ChipKind, Filters, Sort
from ringmon.present.markup import as_markup
from ringmon.present.words import counted

FROZEN_MARK = "‖ order frozen (space)"
"""Shown while ``space`` holds the rows where they are."""


class NameInput(Input):
    """The type-to-filter box; its ``enter`` and ``escape`` are the bar's (``FilterBar``)."""


def chips_markup(
    filters: Filters,
    funnel: list[int] | None,
    shown: int,
    total: int,
    sort: Sort,
    page: tuple[int, int] | None = None,
    *,
    frozen: bool = False,
) -> str:
    """The bar's text: chips with counts, then what is shown and how it is sorted (and
    whether the order is frozen)."""
    parts: list[str] = []
    for i, chip in enumerate(filters.chips):
        count = "" if funnel is None or i >= len(funnel) else f" [b]{funnel[i]:,}[/b]"
        parts.append(f"[reverse] {as_markup(chip.label)}{count} [/reverse]")
    chips = " › ".join(parts)
    tail = f"{shown:,} of {total:,}" if filters else counted(total, "employee")
    tail += f" · by {sort.column.heading} {sort.arrow}"
    if page is not None and page[1] > 1:
        tail += f" · page {page[0] + 1}/{page[1]}"
    if frozen:
        tail = f"[b]{FROZEN_MARK}[/b] · " + tail
    if not chips:
        return f"[$text-muted]{tail}[/]"
    return f"{chips}  [$text-muted]{tail}[/]"


class FilterBar(Horizontal):
    """Chips and counts on one line; the name input appears on ``/``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority (while the input has the focus): they run as the key arrives, before the
        # keys queued behind it are handed to the focused input, and close the box at once,
        # so that "enter q" keeps the filter and quits instead of typing "q" into the box.
        Binding("enter", "done", show=False, priority=True, id="name_filter.done"),
        Binding("escape", "cancel", "Cancel", show=False, priority=True, id="name_filter.cancel"),
    ]

    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        padding: 0 1;
        background: $surface;
    }
    FilterBar NameInput {
        display: none;
        width: 32;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    FilterBar NameInput:focus { border: none; background: $accent 30%; }
    FilterBar.-editing NameInput { display: block; }
    FilterBar #chips { width: 1fr; height: 1; margin-left: 1; }
    """

    class NameChanged(Message):
        """The type-to-filter text changed (live, while typing)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class NameDone(Message):
        """The type-to-filter box closed; ``cancelled``: put back ``previous``; ``text``:
        what it held."""

        def __init__(self, cancelled: bool, previous: str, text: str = "") -> None:
            super().__init__()
            self.cancelled = cancelled
            self.previous = previous
            self.text = text

    def __init__(self, *, editable: bool = True, id: str | None = None) -> None:
        """``editable=False`` (wall mode): chips only, no name input to take the focus."""
        super().__init__(id=id)
        self.editable = editable
        self._previous = ""
        self._text = ""
        self._chips = Static(id="chips", markup=True)
        self.problem: str | None = None
        """Why the filter being typed cannot be used (shown in place of the chips)."""

    def compose(self) -> ComposeResult:
        if self.editable:
            yield NameInput(placeholder="name, dept:…, status:…", id="name-filter")
        yield self._chips

    @property
    def editing(self) -> bool:
        return self.has_class("-editing")

    def start_name(self, current: str) -> None:
        """Open the name input with the current filter text and focus it."""
        if not self.editable:
            return
        self._previous = current
        box = self.query_one(NameInput)
        box.value = current
        box.cursor_position = len(current)
        self.add_class("-editing")
        box.focus()

    def type_ahead(self, character: str) -> bool:
        """Keys typed right after ``/`` reach the board before the input has the focus (Textual
        moves the focus after the keys already queued): hand them to the input instead of
        losing them, or letting them fire the board's one-letter keys. True if taken."""
        if not self.editing:
            return False
        box = self.query_one(NameInput)
        if box.has_focus:
            return False
        box.insert_text_at_cursor(character)
        return True

    def action_done(self) -> None:
        self._close(False)

    def action_cancel(self) -> None:
        self._close(True)

    def _close(self, cancelled: bool) -> None:
        if not self.editing:
            return
        box = self.query_one(NameInput)
        self.remove_class("-editing")
        if cancelled or self.problem is None:  # closed for good (a bad filter is reopened)
            box.blur()
        self.post_message(self.NameDone(cancelled, self._previous, box.value))

    def show_problem(self, problem: str | None) -> None:
        """A bad filter: say why in place of the chips (None: the filter is fine again)."""
        if problem == self.problem:
            return
        self.problem = problem
        if problem is None:
            self._chips.update(self._text, layout=False)
        else:
            self._chips.update(f"[b $error]✗[/] [$error]{as_markup(problem)}[/]", layout=False)

    @on(Input.Changed, "#name-filter")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.editing:
            self.post_message(self.NameChanged(event.value))

    def show(self, markup: str) -> None:
        if markup != self._text:
            self._text = markup
            if self.problem is None:
                self._chips.update(markup, layout=False)

    def name_text(self, filters: Filters) -> str:
        values = filters.values(ChipKind.NAME)
        return next(iter(values)) if values else ""
