"""The wall's tile pages for a big floor, without Textual: departments one after another, each
under its heading, as many as fit on a page; a department never splits over two pages unless
it alone fills more than a page (then its pages are ``1/3``, ``2/3`` ...).

Departments come by name, the employees without one last; within a department, the rows keep
the board's order (status priority, then the longest in status).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ringmon.model.board_rows import Row


@dataclass(frozen=True, slots=True)
class WallSection:
    """One department's tiles on a page."""

    department: str
    """The department's name (``""``: employees without one)."""
    rows: tuple[Row, ...]
    part: int = 0
    """Which part of the department (0-based), when it takes more than one page."""
    parts: int = 1
    total: int = 0
    """Employees of the department (in all its parts)."""

    def lines(self, columns: int, tile_lines: int, heading_lines: int) -> int:
        return heading_lines + -(-len(self.rows) // columns) * tile_lines


@dataclass(frozen=True, slots=True)
class WallPage:
    sections: tuple[WallSection, ...]

    @property
    def tiles(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def wall_pages(
    rows: Iterable[Row], columns: int, lines: int, tile_lines: int = 3, heading_lines: int = 1
) -> list[WallPage]:
    """``rows`` (in the order to show them) on pages of ``lines`` lines, ``columns`` tiles a
    line of tiles, each tile ``tile_lines`` high and each department under a heading."""
    columns = max(1, columns)
    per_page = columns * max(1, (lines - heading_lines) // tile_lines)
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.department or "", []).append(row)
    sections: list[WallSection] = []
    for dept in sorted(groups, key=lambda d: (d == "", d.casefold(), d)):
        members = groups[dept]
        parts = max(1, -(-len(members) // per_page))
        for part in range(parts):
            chunk = tuple(members[part * per_page : (part + 1) * per_page])
            sections.append(WallSection(dept, chunk, part, parts, len(members)))
    pages: list[WallPage] = []
    current: list[WallSection] = []
    used = 0
    for section in sections:
        need = section.lines(columns, tile_lines, heading_lines)
        if current and used + need > lines:
            pages.append(WallPage(tuple(current)))
            current, used = [], 0
        current.append(section)
        used += need
    if current:
        pages.append(WallPage(tuple(current)))
    return pages
