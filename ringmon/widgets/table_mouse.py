"""The employee table and the mouse: a click on a heading sorts, on a row moves the cursor
there (a double click opens the employee), and hovering the User agents cell lists the
devices. A part of ``EmployeeTable`` (what the parts share: ``table_base``).
"""

from __future__ import annotations

from textual import events

from ringmon.model.board import Row
from ringmon.present.row_text import devices_text
from ringmon.widgets.columns import FILTERABLE, Col
from ringmon.widgets.table_base import TableBase


class TableMouse(TableBase):
    """Clicks and hovering."""

    def _row_at_offset(self, y: int) -> tuple[int, Row] | None:
        if y < 1:
            return None
        index = self.top + y - 1
        if index >= len(self.board):
            return None
        return index, self.board.row_at(index)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            col = self._layout.at(offset.x)
            if col is not None:
                self.post_message(self.HeaderClicked(self, col))
            return
        hit = self._row_at_offset(offset.y)
        if hit is None or self.wall:
            return
        index, row = hit
        col = self._layout.at(offset.x)
        if col in FILTERABLE:
            self.cursor_col = col
        self.move_cursor(index)
        self._refresh_cursor_line()
        if event.chain == 2:
            self.post_message(self.RowChosen(self, row.id))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        hit = None if offset is None else self._row_at_offset(offset.y)
        if offset is None or hit is None or self._layout.at(offset.x) is not Col.AGENTS:
            self._hover_id = None
            self.tooltip = None
            return
        row = hit[1]
        self._hover_id = row.id
        self.tooltip = devices_text(row, self.now(), self.tz)

    def on_leave(self, event: events.Leave) -> None:
        self._hover_id = None
        self.tooltip = None

    def agents_tooltip(self, employee_id: str) -> str | None:
        """What hovering the employee's User agents cell shows."""
        row = self.board.rows.get(employee_id)
        return None if row is None else devices_text(row, self.now(), self.tz)
