"""The employee table's cursor: it follows an employee (``cursor_id``), not a row index.

Once the user has moved it, sorting, filtering and live updates keep it on the same person
(before that it stays on top); it scrolls into view; ``left``/``right`` pick the cell whose
value ``=`` filters by. A part of ``EmployeeTable`` (what the parts share: ``table_base``).
"""

from __future__ import annotations

from textual.geometry import Region

from ringmon.model.board import Row
from ringmon.widgets.columns import FILTERABLE
from ringmon.widgets.table_base import TableBase


class TableCursor(TableBase):
    """The cursor's moves and keys."""

    def _sync_cursor(self) -> None:
        board = self.board
        n = len(board)
        old_id = self.cursor_id
        index = board.index_of(old_id) if old_id is not None and self.following else None
        if not self.following:
            # Until the user picks a row, the cursor stays on top, whoever is there: a board
            # that opens scrolled to wherever its first row went would look broken.
            index = 0
            new_id = board.row_at(0).id if n else None
        elif index is None and n == 0:
            return  # no row at all (a replay loading its moment): the cursor waits for its own
        elif index is None:
            # Our employee left the view: stay at the same place, on whoever is there now.
            index = min(self._cursor_index, n - 1)
            new_id = board.row_at(index).id if n else None
        else:
            new_id = old_id
        self._cursor_index = max(0, index)
        if new_id != old_id:
            self.cursor_id = new_id
            self.post_message(self.CursorMoved(self, new_id))

    def _scroll_cursor_into_view(self) -> None:
        if self.wall or self.cursor_id is None:
            return
        height = self.body_height
        if height <= 0:
            return
        top = self.top
        index = self._cursor_index
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def move_cursor(self, index: int) -> None:
        n = len(self.board)
        if self.wall or n == 0:
            return
        index = max(0, min(n - 1, index))
        self.following = True
        old = self._cursor_index
        self._cursor_index = index
        new_id = self.board.row_at(index).id
        changed = new_id != self.cursor_id
        self.cursor_id = new_id
        top = self.top
        for i in (old, index):
            self.refresh(Region(0, i - top + 1, self.size.width, 1))
        self._scroll_cursor_into_view()
        if changed:
            self.post_message(self.CursorMoved(self, new_id))

    def set_cursor(self, employee_id: str) -> bool:
        index = self.board.index_of(employee_id)
        if index is None:
            return False
        self.move_cursor(index)
        return True

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor_index - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor_index + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor_index - max(1, self.body_height - 1))

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor_index + max(1, self.body_height - 1))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.board) - 1)

    def _step_column(self, step: int) -> None:
        shown = [c for c in self._layout.shown if c in FILTERABLE]
        if not shown:
            return
        index = shown.index(self.cursor_col) if self.cursor_col in shown else 0
        self.cursor_col = shown[(index + step) % len(shown)]
        self._refresh_cursor_line()

    def action_column_left(self) -> None:
        self._step_column(-1)

    def action_column_right(self) -> None:
        self._step_column(1)

    def _refresh_cursor_line(self) -> None:
        self.refresh(Region(0, self._cursor_index - self.top + 1, self.size.width, 1))

    @property
    def cursor_row(self) -> Row | None:
        if self.cursor_id is None or self.wall:  # wall mode has no cursor
            return None
        return self.board.rows.get(self.cursor_id)
