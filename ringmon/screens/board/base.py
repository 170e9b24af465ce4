"""What every part of the board shares (``BoardBase``): the board's state, what the App
provides (``ScreenContext``), its widgets; and the parts' methods that other parts call,
declared here and defined by the part that owns them (``feed_status``, ``filtering``,
``ordering``, ``wall``, the screen). ``BoardScreen`` is made of the parts, each a subclass of
this one."""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.timer import Timer

from ringmon.client_state import StateFile
from ringmon.model.board import Board, Sort, TimeLimits
from ringmon.model.recent_changes import RecentChanges
from ringmon.screens.context import ScreenContext, context_of
from ringmon.widgets.columns import Col
from ringmon.widgets.employee_table import EmployeeTable
from ringmon.widgets.filter_bar import FilterBar
from ringmon.widgets.summary import FeedState

if TYPE_CHECKING:
    from ringmon.screens.department_menu import DepartmentMenu
    from ringmon.screens.filter_panel import FilterPanel
    from ringmon.widgets.wall_tiles import WallTiles


class BoardBase(Screen[None]):
    """The board's state and widgets, for its parts (see the module)."""

    def __init__(
        self,
        wall: bool | None = None,
        *,
        wall_clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._wall_arg = wall
        self.board = Board()
        self.thresholds = TimeLimits()
        self.bell = False
        self.over: frozenset[str] = frozenset()
        self.feed: FeedState | None = None
        self._funnel: list[int] | None = None
        self._funnel_dirty = True
        self._tick_timer: Timer | None = None
        self._page_timer: Timer | None = None
        self._silence_timer: Timer | None = None
        self._page = 0
        self._frozen = False
        self._gc_threshold: tuple[int, ...] | None = None
        self._settled: object = None
        """The snapshot (state) whose objects were last settled (``_settle_memory``)."""
        self.wall_clock = wall_clock
        """The user's clock (change markers, the order held after a key); tests inject one."""
        self.recent = RecentChanges()
        self._order_frozen = False
        self._last_key: float | None = None
        self._hold_timer: Timer | None = None
        self._table: EmployeeTable | None = None
        self._reset_from: object = None
        """The state the rows were last built from whole (every snapshot is a new one)."""
        self._dialog: FilterPanel | DepartmentMenu | None = None
        """The filter panel or department menu open over the board (it follows the counts)."""

    # -- what the App provides ------------------------------------------------------------

    @property
    def host(self) -> ScreenContext:
        return context_of(self.app)

    @property
    def wall(self) -> bool:
        if self._wall_arg is not None:
            return self._wall_arg
        return self.host.wall

    def now(self) -> float:
        """The hub's clock."""
        return self.host.hub_time.now()

    @property
    def state_file(self) -> StateFile | None:
        """The App's state file (None: a host without one; nothing is remembered then)."""
        return self.host.state_file

    # -- layout ---------------------------------------------------------------------------

    @property
    def table(self) -> EmployeeTable:
        # Kept once found: every batch asks for it several times, and a DOM query each time
        # is part of the take-in's fixed cost.
        table = self._table
        if table is None or not table.is_attached:
            table = self._table = self.query_one(EmployeeTable)
        return table

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    @property
    def ready(self) -> bool:
        """Whether the board's widgets are there to be updated.

        False while the App is exiting (Textual then skips mounting the children, so a
        board still mounting has none) and once the board is removed: handlers of messages,
        timers and dialogs that arrive then do nothing."""
        return self.is_attached and not self._closing and not self._closed

    # -- what one part calls of another (each defined by the part named) -----------------

    @abstractmethod
    def no_data_reason(self) -> str | None:
        """feed_status."""
        raise NotImplementedError

    @abstractmethod
    def _set_empty_text(self) -> None:
        """feed_status."""
        raise NotImplementedError

    @abstractmethod
    def _dialog_follows(self) -> None:
        """filtering."""
        raise NotImplementedError

    @abstractmethod
    def set_sort(self, sort: Sort) -> None:
        """ordering."""
        raise NotImplementedError

    @abstractmethod
    def set_counter_columns(self, columns: tuple[Col, ...]) -> None:
        """ordering."""
        raise NotImplementedError

    @property
    @abstractmethod
    def wall_tiles(self) -> WallTiles:
        """wall."""
        raise NotImplementedError

    @abstractmethod
    def _show_filter_bar(self, counts: bool = False) -> None:
        """The screen."""
        raise NotImplementedError

    @abstractmethod
    def _show_title(self) -> None:
        """The screen."""
        raise NotImplementedError
