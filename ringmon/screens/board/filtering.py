"""The board's filters: the ``/`` filter language, the filter panel, the department menu,
"filter by this value", clearing, and saved views (``v``)."""

from __future__ import annotations

from ringmon.model.board import NO_DEPARTMENT, ChipKind, Filters
from ringmon.model.filter_query import QueryError
from ringmon.model.views import SavedView, ViewError
from ringmon.screens.board.base import BoardBase
from ringmon.widgets.columns import Col
from ringmon.widgets.filter_bar import FilterBar


class BoardFiltering(BoardBase):
    """A part of ``BoardScreen`` (what the parts share: ``BoardBase``)."""

    def set_filters(self, filters: Filters) -> None:
        """Apply new filters (the cursor stays on its employee if they still show)."""
        if not self.ready:
            return
        if filters == self.board.filters:
            return
        self.board.set_filters(filters)
        self._funnel = filters.funnel(self.board.rows.values()) if filters else None
        self._funnel_dirty = False
        self._set_empty_text()
        self.table.rows_changed()
        self.table.refresh()
        self._show_filter_bar()
        self._show_title()

    def action_name_filter(self) -> None:
        if self.wall:
            return
        self.filter_bar.start_name(self.filter_bar.name_text(self.board.filters))

    def on_filter_bar_name_changed(self, message: FilterBar.NameChanged) -> None:
        try:
            filters = self.board.filters.with_name(message.text)
        except QueryError as exc:
            self.filter_bar.show_problem(str(exc))
            return
        self.filter_bar.show_problem(None)
        self.set_filters(filters)

    def on_filter_bar_name_done(self, message: FilterBar.NameDone) -> None:
        if not self.ready:
            return
        if message.cancelled:
            self.filter_bar.show_problem(None)
            self.set_filters(self._previous_filters(message.previous))
        elif self.filter_bar.problem is not None:
            # enter on a bad filter: say why, keep the box open to fix it.
            self.notify(self.filter_bar.problem, title="Filter", severity="warning", markup=False)
            self.filter_bar.start_name(message.text)
            return
        self.table.focus()

    def _previous_filters(self, previous: str) -> Filters:
        try:
            return self.board.filters.with_name(previous)
        except QueryError:
            return self.board.filters.with_chip(ChipKind.NAME, ())

    def action_filter_panel(self) -> None:
        if self.wall:
            return
        from ringmon.screens.filter_panel import FilterPanel

        self._dialog = FilterPanel(
            self.board.departments(),
            self.board.filters.values(ChipKind.DEPARTMENT),
            self.board.filters.values(ChipKind.STATUS),
            self.no_data_reason(),
        )
        self.app.push_screen(self._dialog, self._panel_done)

    def _dialog_follows(self) -> None:
        """The filter panel or department menu open over the board shows the board's
        departments and counts as they are now: it may have opened before the snapshot."""
        dialog = self._dialog
        if dialog is None or not self.ready:
            return
        if not dialog.is_attached:
            self._dialog = None
            return
        dialog.follow(self.board.departments(), self.no_data_reason())

    def _panel_done(self, result: tuple[frozenset[str], frozenset[str]] | None) -> None:
        self._dialog = None
        if result is None:
            return
        departments, statuses = result
        filters = self.board.filters
        if departments != filters.values(ChipKind.DEPARTMENT):
            filters = filters.with_chip(ChipKind.DEPARTMENT, departments)
        if statuses != filters.values(ChipKind.STATUS):
            filters = filters.with_chip(ChipKind.STATUS, statuses)
        self.set_filters(filters)

    def action_departments(self) -> None:
        if self.wall:
            return
        from ringmon.screens.department_menu import DepartmentMenu

        self._dialog = DepartmentMenu(
            self.board.departments(),
            self.board.filters.values(ChipKind.DEPARTMENT),
            self.no_data_reason(),
        )
        self.app.push_screen(self._dialog, self._departments_done)

    def _departments_done(self, result: frozenset[str] | None) -> None:
        self._dialog = None
        if result is not None:
            self.set_filters(self.board.filters.with_chip(ChipKind.DEPARTMENT, result))

    def action_filter_cell(self) -> None:
        self.action_filter_by(self.table.cursor_col.value)

    def action_filter_by(self, column: str) -> None:
        row = self.table.cursor_row
        if row is None or self.wall:
            return
        col = Col(column)
        filters = self.board.filters
        if col is Col.EMPLOYEE:
            filters = filters.with_chip(ChipKind.NAME, {row.name})
        elif col is Col.DEPARTMENT:
            filters = filters.with_chip(ChipKind.DEPARTMENT, {row.department or NO_DEPARTMENT})
        elif col is Col.STATUS:
            filters = filters.with_chip(ChipKind.STATUS, {row.status.value})
        else:
            self.notify("Filter by value works on Employee, Department and Status.")
            return
        self.set_filters(filters)

    def action_clear_last(self) -> None:
        if self.board.filters:
            self.set_filters(self.board.filters.without_last())

    def action_clear_filters(self) -> None:
        self.set_filters(Filters())

    # -- saved views ----------------------------------------------------------------------

    def saved_views(self) -> list[SavedView]:
        """The config's ``[views.NAME]``, in the file's order (a bad one is left out: the
        config loader has refused it already, so this is a safety net)."""
        views = self.host.settings.views
        out: list[SavedView] = []
        for name, view in views.items():
            try:
                out.append(view.saved(name))
            except (ViewError, AttributeError):
                continue
        return out

    def action_views(self) -> None:
        if self.wall:
            return
        views = self.saved_views()
        if not views:
            self.notify(
                "No saved views: add one to the config file, e.g. [views.night] filter = "
                '"dept:night status:!offline" (see docs/supervisors.md).',
                title="Views",
            )
            return
        from ringmon.screens.view_menu import ViewMenu

        self.app.push_screen(ViewMenu(views), self._view_chosen)

    def _view_chosen(self, name: str | None) -> None:
        if name is not None:
            self.action_apply_view(name)

    def action_apply_view(self, name: str) -> None:
        if not self.wall:  # read-only: the wall keeps the view it was started with
            self.apply_view(name)

    def apply_view(self, name: str, *, say: bool = True) -> bool:
        """Apply the saved view ``name`` (also on the wall: ``--view``); whether there is
        one of that name."""
        view = next((v for v in self.saved_views() if v.name == name), None)
        if view is None:
            return False
        filters = Filters().with_name(view.query.text) if view.query else Filters()
        if view.columns is not None:
            self.set_counter_columns(tuple(Col(c) for c in view.columns))
        if view.sort is not None:
            self.set_sort(view.sort)
        self.set_filters(filters)
        if say:
            self.notify(f"View {view.name}", timeout=2, markup=False)
        return True
