"""The span of cells that changed between two lines, and the partial update written from that
span's start: what the table repaints and what reaches the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from ringmon.cropped_updates import CroppedChopsUpdate, cropped
from ringmon.widgets.line_diff import changed_span

BASE = Style(color="white")
GREEN = Style(color="green")
PLAIN = Style()


def strip(*parts: tuple[str, Style]) -> Strip:
    return Strip([Segment(text, style) for text, style in parts])


def test_the_clock_moving_is_the_cells_that_moved() -> None:
    old = strip((" Anna Nowak  ", BASE), ("● online ", GREEN), ("    0:41  MicroSIP", BASE))
    new = strip((" Anna Nowak  ", BASE), ("● online ", GREEN), ("    0:42  MicroSIP", BASE))
    assert changed_span(old, new) == (29, 30)


def test_equal_lines_and_the_same_line_cut_differently_change_nothing() -> None:
    line = strip(("abc", BASE), ("def", GREEN))
    assert changed_span(line, line) is None
    assert changed_span(line, strip(("abc", BASE), ("def", GREEN))) is None
    assert changed_span(strip(("abcd", BASE)), strip(("ab", BASE), ("cd", BASE))) is None


def test_a_style_change_repaints_its_cells() -> None:
    old = strip(("ab", BASE), ("cd", BASE), ("ef", BASE))
    new = strip(("ab", BASE), ("cd", GREEN), ("ef", BASE))
    assert changed_span(old, new) == (2, 4)


def test_no_old_line_or_another_width_is_the_whole_line() -> None:
    new = strip(("abcdef", BASE))
    assert changed_span(None, new) == (0, 6)
    assert changed_span(strip(("abc", BASE)), new) == (0, 6)


def test_wide_characters_are_never_compared_by_halves() -> None:
    old = strip(("日本語x", BASE))
    new = strip(("日本語y", BASE))
    assert changed_span(old, new) == (0, 7)


def render(update: ChopsUpdate) -> str:
    console = Console(color_system=None, force_terminal=True, width=20)
    return update.render_segments(console)


def test_a_partial_update_is_written_from_the_spans_start() -> None:
    line = strip(("0123456789", PLAIN))
    update = ChopsUpdate([{0: line}], [(0, 4, 6)], [[10]])
    # Textual writes from the widget's left edge up to the span's end...
    assert render(update) == "\x1b[1;1H012345"
    # ...ringmon only the span.
    assert render(cropped(update)) == "\x1b[1;5H45"  # type: ignore[arg-type]


def test_a_wide_character_cut_by_the_span_is_written_whole() -> None:
    line = strip(("ab日本cd", PLAIN))
    update = CroppedChopsUpdate([{0: line}], [(0, 3, 6)], [[8]])
    assert render(update) == "\x1b[1;3H日本"
