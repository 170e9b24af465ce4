"""How the employee table looks and which keys it takes: its CSS, its component classes
(one per status, the cursor, the header, a row past its limit, a stale feed) and its bindings.

``component_style`` resolves a component class to a Rich style for ``RowLines``.
"""

from __future__ import annotations

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.widget import Widget

TABLE_BINDINGS: list[BindingType] = [
    Binding("up,k", "cursor_up", "Up", show=False, id="employee_table.cursor_up"),
    Binding("down,j", "cursor_down", "Down", show=False, id="employee_table.cursor_down"),
    Binding("left,h", "column_left", "Column left", show=False, id="employee_table.column_left"),
    Binding(
        "right,l", "column_right", "Column right", show=False, id="employee_table.column_right"
    ),
    Binding("pageup", "page_up", "Page up", show=False, id="employee_table.page_up"),
    Binding("pagedown", "page_down", "Page down", show=False, id="employee_table.page_down"),
    Binding("home,g", "first", "First row", show=False, id="employee_table.first"),
    Binding("end,G", "last", "Last row", show=False, id="employee_table.last"),
]

TABLE_COMPONENTS: set[str] = {
    "employee-table--header",
    "employee-table--header-sorted",
    "employee-table--cursor",
    "employee-table--cell-cursor",
    "employee-table--talking",
    "employee-table--online",
    "employee-table--dnd",
    "employee-table--offline",
    "employee-table--ringing",
    "employee-table--over",
    "employee-table--stale",
    "employee-table--muted",
    "employee-table--empty",
    "employee-table--changed",
}

TABLE_CSS = """
EmployeeTable {
    background: $surface;
    color: $foreground;
    overflow-x: hidden;
    overflow-y: auto;
    scrollbar-size-vertical: 1;
    height: 1fr;
    & > .employee-table--header { text-style: bold; background: $panel; }
    & > .employee-table--header-sorted { text-style: bold underline; color: $accent; }
    & > .employee-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    &:focus > .employee-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    & > .employee-table--cell-cursor { text-style: underline; }
    & > .employee-table--talking { color: $primary; text-style: bold; }
    & > .employee-table--online { color: $success; }
    & > .employee-table--dnd { color: $error; }
    & > .employee-table--offline { color: $text-muted; }
    & > .employee-table--ringing { color: $warning; text-style: bold; }
    & > .employee-table--over { background: $error 20%; }
    & > .employee-table--stale { color: $text-disabled; text-style: italic; }
    & > .employee-table--muted { color: $text-muted; }
    & > .employee-table--empty { color: $text-muted; text-style: italic; }
    & > .employee-table--changed { text-style: bold reverse; }
}
EmployeeTable:light > .employee-table--talking { color: $primary-darken-2; }
EmployeeTable:light > .employee-table--online { color: $success-darken-2; }
EmployeeTable:light > .employee-table--ringing { color: $warning-darken-3; }
EmployeeTable:light > .employee-table--dnd { color: $error-darken-1; }
EmployeeTable.-wall { scrollbar-size-vertical: 0; overflow-y: hidden; }
"""


def component_style(widget: Widget, name: str) -> Style:
    """A component's colours, resolved against the widget's background (so that
    translucent theme colours such as ``$text-muted`` or ``$error 20%`` come out right).
    Components that only colour text keep no background, so they layer over the cursor's
    or a highlighted row's background."""
    full = widget.get_component_rich_style(name)
    partial = widget.get_component_rich_style(name, partial=True)
    if partial.bgcolor is None:
        full = Style(
            color=full.color if partial.color is not None else None,
            bold=partial.bold,
            italic=partial.italic,
            underline=partial.underline,
            dim=partial.dim,
            reverse=partial.reverse,
        )
    return full
