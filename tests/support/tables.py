"""What a test waits for before it takes a picture of a ``DataTable``."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable


def table_measured(table: DataTable[Any]) -> bool:
    """Whether the table has measured the rows added to it: every column at least as wide as
    its widest cell. A DataTable measures new rows when its messages run out (``on_idle``);
    a picture taken before that shows them cut to the width of the column labels."""
    for column in table.columns.values():
        widest = max((_width(cell) for cell in table.get_column(column.key)), default=0)
        if column.content_width < widest:
            return False
    return True


def _width(cell: object) -> int:
    """A cell's width as the table draws it (a string is read as markup, as DataTable does)."""
    if isinstance(cell, Text):
        return cell.cell_len
    if isinstance(cell, str):
        return Text.from_markup(cell).cell_len
    return cell_len(str(cell))
