"""The wall's pages (``--wall``): rows while every employee fits on the screen as a row, a tile
grid (``ringmon.widgets.wall_tiles``) a department a page once they do not; pages turn by
themselves every ``wall.page_seconds``."""

from __future__ import annotations

from ringmon.screens.board.base import BoardBase
from ringmon.widgets.employee_table import EmployeeTable
from ringmon.widgets.wall_tiles import WallTiles


class BoardWall(BoardBase):
    """A part of ``BoardScreen`` (what the parts share: ``BoardBase``)."""

    @property
    def wall_tiles(self) -> WallTiles:
        return self.query_one(WallTiles)

    @property
    def tiled(self) -> bool:
        """The wall shows tiles (more employees than rows fit)."""
        return self.wall and self.wall_tiles.display

    def on_employee_table_resized(self, _: EmployeeTable.Resized) -> None:
        """The table's height changed, maybe without a resize of the screen (the summary
        above it settled after the first data): the page count in the filter bar follows.
        Whether the wall shows rows or tiles is decided on the screen's resize and on new
        rows only, so that a height in passing never flips it."""
        if self.wall:
            self.call_after_refresh(self._show_filter_bar)

    def on_wall_tiles_resized(self, _: WallTiles.Resized) -> None:
        if self.wall:
            self.call_after_refresh(self._show_filter_bar)

    def _fit_wall(self) -> None:
        """Rows or tiles, for the number of rows shown and the room there is."""
        if not self.ready:
            return
        if self.wall:
            table, tiles = self.table, self.wall_tiles
            region = table if table.display else tiles
            fits = max(0, region.size.height - 1)  # less the table's header
            tiled = len(self.board) > fits
            if tiled != tiles.display:
                tiles.display = tiled
                table.display = not tiled
            if tiled:
                tiles.stale = self.table.stale
                tiles.set_rows(list(self.board))
        self._show_filter_bar()

    def wall_page(self) -> tuple[int, int]:
        if self.tiled:
            return self.wall_tiles.page, self.wall_tiles.page_count
        return self.table.page, self.table.page_count

    def _next_page(self) -> None:
        if not self.ready:
            return
        if self.tiled:
            tiles = self.wall_tiles
            tiles.show_page(tiles.page + 1)
        else:
            table = self.table
            self._page = (table.page + 1) % table.page_count
            table.show_page(self._page)
        self._show_filter_bar()
