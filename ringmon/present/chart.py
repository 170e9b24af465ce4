"""Chart geometry for the profile: a day's stretches on a number of columns, an hour axis, a
keyboard cursor that steps stretch by stretch, and bars split in proportion (R10, R13, R14).

Pure arithmetic on the model's intervals (``ringmon.model.timeline``), for a terminal's columns:
no Textual here, so a test checks it directly.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, tzinfo

from ringmon.model.timeline import Interval

# -- columns -------------------------------------------------------------------------------


def column_edges(start: float, end: float, width: int) -> list[float]:
    """The ``width + 1`` instants that cut ``[start, end)`` into equal columns."""
    span = end - start
    return [start + span * c / width for c in range(width + 1)]


def column_of(at: float, start: float, end: float, width: int) -> int:
    """The column holding instant ``at`` (clamped to the line)."""
    if width <= 0 or end <= start:
        return 0
    column = int((at - start) / (end - start) * width)
    return max(0, min(width - 1, column))


def layout_columns(
    timeline: Sequence[Interval], start: float, end: float, width: int
) -> list[int | None]:
    """Which interval each of ``width`` columns shows; ``None`` where nothing is known yet.

    A column shows the interval covering most of it. An interval too short to win any column
    (a 3-minute call on a line where a column is 20 minutes) takes the column of its middle,
    if the interval there keeps another column, so every stretch the cursor can stop on is
    visible (or a column next to it, when that one is the only column of another stretch);
    the most important status (R16 order) is placed first, and the columns always show
    stretches in time order.
    """
    owners: list[int | None] = [None] * max(width, 0)
    if width <= 0 or not timeline or end <= start:
        return owners
    edges = column_edges(start, end, width)
    index = 0
    for column in range(width):
        lo, hi = edges[column], edges[column + 1]
        while index < len(timeline) and timeline[index].end <= lo:
            index += 1
        best: int | None = None
        best_overlap = 0.0
        probe = index
        while probe < len(timeline) and timeline[probe].start < hi:
            overlap = min(hi, timeline[probe].end) - max(lo, timeline[probe].start)
            if overlap > best_overlap:
                best, best_overlap = probe, overlap
            probe += 1
        owners[column] = best
    counts: dict[int, int] = {}
    for owner in owners:
        if owner is not None:
            counts[owner] = counts.get(owner, 0) + 1
    unplaced = [i for i, iv in enumerate(timeline) if iv.seconds > 0 and i not in counts]
    unplaced.sort(key=lambda i: (-timeline[i].status.rank, -timeline[i].seconds))
    for i in unplaced:
        interval = timeline[i]
        middle = column_of((interval.start + interval.end) / 2, start, end, width)
        for column in (middle, middle + 1, middle - 1, middle + 2, middle - 2):
            owner = owners[column] if 0 <= column < width else None
            if owner is not None and _can_take(owners, counts, column, i):
                counts[owner] -= 1
                owners[column] = i
                counts[i] = 1
                break
    return owners


def _can_take(owners: list[int | None], counts: dict[int, int], column: int, index: int) -> bool:
    """Whether ``index`` may take ``column``: its owner keeps another column, and the
    columns still show stretches in time order."""
    owner = owners[column]
    if owner is None or counts.get(owner, 0) < 2:
        return False
    before = [o for o in owners[:column] if o is not None]
    after = [o for o in owners[column + 1 :] if o is not None]
    return (not before or before[-1] <= index) and (not after or after[0] >= index)


def marker_column(
    timeline: Sequence[Interval], index: int, owners: Sequence[int | None], start: float, end: float
) -> list[int]:
    """The columns that show interval ``index``; the column of its middle if none does."""
    shown = [c for c, owner in enumerate(owners) if owner == index]
    if shown or not owners:
        return shown
    interval = timeline[index]
    return [column_of((interval.start + interval.end) / 2, start, end, len(owners))]


def hour_ticks(start: float, end: float, width: int, tz: tzinfo) -> list[tuple[int, int]]:
    """(column, local hour) for every full local hour in ``[start, end]``; DST-safe."""
    ticks: list[tuple[int, int]] = []
    if width <= 0 or end <= start:
        return ticks
    at = start
    hour = 3600.0
    while at <= end + 1e-6:
        local = datetime.fromtimestamp(at, tz)
        label = 24 if at >= end - 1e-6 and at > start else local.hour
        column = round((at - start) / (end - start) * width)
        ticks.append((column, label))
        at += hour
    return ticks


def hour_axis(start: float, end: float, width: int, tz: tzinfo) -> str:
    """An hour axis for a line of ``width`` columns: labels as dense as they fit."""
    ticks = hour_ticks(start, end, width, tz)
    if not ticks:
        return ""
    for every in (1, 2, 3, 4, 6, 12):
        chosen = [(c, h) for c, h in ticks if h % every == 0]
        if _fits(chosen, width):
            break
    line = [" "] * (width + 3)
    for column, hour in chosen:
        text = str(hour)
        if column + len(text) > width + 2:
            column = width + 2 - len(text)
        for n, char in enumerate(text):
            line[column + n] = char
    return "".join(line).rstrip()


def _fits(ticks: list[tuple[int, int]], width: int) -> bool:
    last_end = -3
    for column, hour in ticks:
        if column <= last_end + 2:
            return False
        last_end = column + len(str(hour))
    return True


# -- the keyboard cursor -------------------------------------------------------------------


def interval_at(timeline: Sequence[Interval], at: float) -> int | None:
    """The index of the interval holding instant ``at``, None outside the timeline."""
    if not timeline or at < timeline[0].start or at >= timeline[-1].end:
        return None
    return bisect_right([iv.start for iv in timeline], at) - 1


def step(index: int, delta: int, count: int) -> int:
    """The cursor moved by ``delta`` intervals, kept on the line."""
    if count <= 0:
        return 0
    return max(0, min(count - 1, index + delta))


def same_time_of_day(timeline: Sequence[Interval], index: int, other: Sequence[Interval]) -> int:
    """The interval of ``other`` at the time of day of the middle of ``timeline[index]``.

    Both timelines start at their day's midnight; used when the cursor moves to another
    row, so that it lands where the eye already is.
    """
    if not other or not timeline:
        return 0
    here = timeline[index]
    target = other[0].start + (here.start + here.end) / 2 - timeline[0].start
    found = interval_at(other, target)
    if found is None:
        return len(other) - 1 if target >= other[-1].end else 0
    return found


# -- bars ----------------------------------------------------------------------------------


def split_width(values: Sequence[float], total: float, width: int) -> list[int]:
    """Columns per value, proportional to ``value / total`` of ``width`` (largest remainder).

    Any value above zero gets at least one column when there is room, so a short status is
    never invisible in a stacked bar.
    """
    if width <= 0 or total <= 0:
        return [0] * len(values)
    used = min(width, round(width * sum(values) / total))
    exact = [width * v / total for v in values]
    cells = [int(x) for x in exact]
    for n, value in enumerate(values):
        if value > 0 and cells[n] == 0:
            cells[n] = 1
    while sum(cells) > used and max(cells) > 1:
        n = max(range(len(cells)), key=lambda k: cells[k])
        cells[n] -= 1
    order = sorted(range(len(values)), key=lambda k: exact[k] - int(exact[k]), reverse=True)
    for n in order:
        if sum(cells) >= used:
            break
        if values[n] > 0:
            cells[n] += 1
    return cells


def scaled(value: float, largest: float, width: int) -> int:
    """A bar's length for ``value`` when ``largest`` fills ``width``; at least 1 if > 0."""
    if value <= 0 or largest <= 0 or width <= 0:
        return 0
    return max(1, round(width * value / largest))
