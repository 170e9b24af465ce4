"""Saved views: a named filter, sort and set of counter columns from the config file.

    [views.night]
    filter = "dept:night status:!offline"
    sort = "in_status"        # status, employee, department, in_status, calls_today, ...
    reverse = false
    columns = ["calls_today", "missed_today"]

``parse_view`` checks one and says what is wrong in a sentence (``ViewError``); the board
applies a view with one key (``v``) or from the command palette.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ringmon.model.board import Sort, SortColumn
from ringmon.model.filter_query import Query, QueryError, parse_query

COUNTER_COLUMNS: tuple[str, ...] = ("calls_today", "missed_today", "talk_today", "longest_call")
"""The optional columns a view (or the column menu) may show."""


class ViewError(ValueError):
    """A saved view that cannot be used; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class SavedView:
    name: str
    query: Query
    sort: Sort | None = None
    columns: tuple[str, ...] | None = None
    """The counter columns to show (None: leave them as they are)."""


def parse_sort(text: str, reverse: bool = False) -> Sort:
    try:
        return Sort(SortColumn(text.strip().casefold()), reverse)
    except ValueError:
        names = ", ".join(c.value for c in SortColumn)
        raise ViewError(f"{text!r} is not a sort order; use one of {names}") from None


def parse_columns(names: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        if name not in COUNTER_COLUMNS:
            raise ViewError(
                f"{name!r} is not a column a view can show; use {', '.join(COUNTER_COLUMNS)}"
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def parse_view(
    name: str,
    filter: str = "",
    sort: str | None = None,
    reverse: bool = False,
    columns: Iterable[str] | None = None,
) -> SavedView:
    """A view as the config describes it; raises ``ViewError`` naming the bad part."""
    try:
        query = parse_query(filter)
    except QueryError as exc:
        raise ViewError(f"filter: {exc}") from None
    return SavedView(
        name=name,
        query=query,
        sort=None if sort is None else parse_sort(sort, reverse),
        columns=None if columns is None else parse_columns(columns),
    )


def unknown_view(name: str, views: list[str], config: object) -> str:
    """The sentence for ``--view NAME`` when the config has no ``[views.NAME]``."""
    if not views:
        return (
            f"--view {name!r}: the config file ({config}) has no saved views; add one, e.g. "
            f'[views.{name}] filter = "dept:night status:!offline" (docs/supervisors.md)'
        )
    return (
        f"--view {name!r}: the config file ({config}) has no [views.{name}]; "
        f"its views: {', '.join(views)}"
    )
