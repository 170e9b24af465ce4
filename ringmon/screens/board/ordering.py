"""The board's order and columns: sorting, the order held while the user works (and frozen
with ``space``), and the counter columns of the column menu (``c``), remembered in the
client's state file."""

from __future__ import annotations

from ringmon.model.board import SORT_CYCLE, Sort, SortColumn
from ringmon.screens.board.base import BoardBase
from ringmon.widgets.columns import COUNTERS, Col
from ringmon.widgets.employee_table import EmployeeTable

HOLD_AFTER_KEY_SECONDS = 5.0
"""Rows keep their places until this long (wall time) after the user's last key."""


class BoardOrdering(BoardBase):
    """A part of ``BoardScreen`` (what the parts share: ``BoardBase``)."""

    # -- sorting --------------------------------------------------------------------------

    def set_sort(self, sort: Sort) -> None:
        if not self.ready:
            return
        if self.wall:
            sort = Sort()
        self.board.set_sort(sort)
        self.table.rows_changed()
        self.table.refresh()
        self._show_filter_bar()

    def sort_cycle(self) -> tuple[SortColumn, ...]:
        """``s`` goes through these: the four columns, then each counter column shown."""
        return (*SORT_CYCLE, *(SortColumn(c.value) for c in self.table.counters))

    def action_sort_cycle(self) -> None:
        self.set_sort(self.board.sort.next(self.sort_cycle()))

    def action_sort_reverse(self) -> None:
        self.set_sort(self.board.sort.toggled())

    def action_sort_by(self, column: str) -> None:
        self.set_sort(
            Sort(
                SortColumn(column),
                self.board.sort.reverse if self.board.sort.column.value == column else False,
            )
        )

    def on_employee_table_header_clicked(self, message: EmployeeTable.HeaderClicked) -> None:
        column = message.column.sort_column
        if column is not None:
            self.set_sort(self.board.sort.by(column))

    # -- the order held -------------------------------------------------------------------

    @property
    def order_frozen(self) -> bool:
        """``space`` froze the order (until ``space`` again)."""
        return self._order_frozen

    def action_freeze(self) -> None:
        if self.wall:
            return
        self._order_frozen = not self._order_frozen
        self.update_hold()
        self._show_filter_bar()
        self._show_title()

    def key_pressed(self) -> None:
        """A key on the board: hold the order for a few seconds from now."""
        self._last_key = self.wall_clock()
        self.update_hold()

    def update_hold(self) -> None:
        """Hold the order while frozen or a key was pressed a moment ago; let it go (rows
        move to their sorted places) otherwise."""
        if not self.ready:
            return
        left = 0.0
        if self._last_key is not None:
            left = self._last_key + HOLD_AFTER_KEY_SECONDS - self.wall_clock()
        held = self._order_frozen or left > 0
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if held and not self._order_frozen:
            self._hold_timer = self.set_timer(left + 0.05, self.update_hold, name="board-hold")
        if held != self.board.held and self.board.hold(held):
            self.table.rows_changed()
            self.table.refresh()

    # -- counter columns ------------------------------------------------------------------

    def action_columns(self) -> None:
        if self.wall:
            return
        from ringmon.screens.column_menu import ColumnMenu

        self.app.push_screen(ColumnMenu(self.table.counters), self._columns_chosen)

    def _columns_chosen(self, columns: tuple[Col, ...] | None) -> None:
        if columns is None:
            return
        self.set_counter_columns(columns)
        self.remember_columns(columns)

    def set_counter_columns(self, columns: tuple[Col, ...]) -> None:
        """Show these counter columns (in the menu's order); sorted by a hidden one, the
        board goes back to its default order."""
        columns = tuple(c for c in COUNTERS if c in columns)
        self.table.set_counters(columns)
        sort_column = self.board.sort.column
        if sort_column not in SORT_CYCLE and Col(sort_column.value) not in columns:
            self.set_sort(Sort())

    def remember_columns(self, columns: tuple[Col, ...]) -> None:
        """Keep the choice in the App's state file (``remembered``), not in the config."""
        state_file = self.state_file
        if state_file is None:
            return
        remembered = self.host.remembered.with_board_columns(tuple(c.value for c in columns))
        self.host.remembered = remembered
        state_file.save(remembered)

    def restore_columns(self) -> None:
        remembered = self.host.remembered
        known = {c.value for c in COUNTERS}
        self.set_counter_columns(tuple(Col(n) for n in remembered.board.columns if n in known))
