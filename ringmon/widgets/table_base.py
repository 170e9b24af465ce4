"""What the employee table's parts share (``TableBase``): the attributes they read, the
geometry of its lines, its messages; and what one part calls of another, declared here and
defined by the part that owns it (``table_cursor``). ``EmployeeTable`` is made of the parts
(``table_cursor``, ``table_mouse``), each a subclass of this one."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from datetime import tzinfo

from textual.message import Message
from textual.scroll_view import ScrollView

from ringmon.model.board import Board
from ringmon.widgets.columns import Col, Layout


class TableBase(ScrollView):
    """The employee table's shared state, geometry and messages (see the module). The
    messages keep the table's names (``on_employee_table_row_chosen``, ...)."""

    board: Board
    """The model's filtered, sorted rows."""
    now: Callable[[], float]
    """The hub's clock."""
    tz: tzinfo
    wall: bool
    """Read-only wall mode: no cursor, pages instead of scrolling."""
    cursor_id: str | None
    """The employee the cursor is on."""
    cursor_col: Col
    """The cell whose value ``=`` filters by."""
    following: bool
    """The cursor follows its employee as rows move; it starts once the user moves it."""
    _cursor_index: int
    _layout: Layout
    _hover_id: str | None
    _page: int

    class CursorMoved(Message, namespace="employee_table"):
        """The cursor moved to another employee (or to none)."""

        def __init__(self, table: TableBase, employee_id: str | None) -> None:
            super().__init__()
            self.table = table
            self.employee_id = employee_id

        @property
        def control(self) -> TableBase:
            return self.table

    class RowChosen(Message, namespace="employee_table"):
        """``enter`` or a double click on a row: open that employee."""

        def __init__(self, table: TableBase, employee_id: str) -> None:
            super().__init__()
            self.table = table
            self.employee_id = employee_id

        @property
        def control(self) -> TableBase:
            return self.table

    class HeaderClicked(Message, namespace="employee_table"):
        """A click on a column heading (the screen sorts by it)."""

        def __init__(self, table: TableBase, column: Col) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> TableBase:
            return self.table

    @property
    def body_height(self) -> int:
        """Rows that fit under the header."""
        return max(0, self.scrollable_content_region.height - 1)

    @property
    def top(self) -> int:
        """The index of the row on the first line under the header."""
        if self.wall:
            return self._page * max(1, self.body_height)
        # Rounded, as Textual rounds it: ScrollView repaints when the *rounded* offset
        # changes, so a truncated one could move every row with nothing repainted (a
        # scrollbar drag or an animated scroll leaves ``scroll_y`` between two lines).
        return self.scroll_offset.y

    # -- what one part calls of another (each defined by the part named) -----------------

    @abstractmethod
    def move_cursor(self, index: int) -> None:
        """table_cursor."""
        raise NotImplementedError

    @abstractmethod
    def _refresh_cursor_line(self) -> None:
        """table_cursor."""
        raise NotImplementedError
