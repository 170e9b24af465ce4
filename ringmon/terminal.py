"""The terminal ringmon draws on: whether there is one, and one answer for its size.

Without a terminal (input from /dev/null, output to a file or a pipe such as ``| tee``) a
Textual screen has nowhere to go: ringmon says so and stops rather than write escape codes
into a log. A driver named by ``TEXTUAL_DRIVER`` (textual-serve's web driver, the headless
driver) stands in for the terminal, and then no terminal is needed.

``sized_linux_driver()``: when the terminal reports no size (0x0, as some serial consoles and
``script`` sessions do), Textual's driver fell back to 80x24 (``shutil``) while its App took
80x25 (Rich's console): the screen then resized itself between the two forever, at 100% CPU,
never reading a key. The driver here asks the App's console, so both sides agree.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from textual.driver import Driver

STAND_IN_DRIVER_VARIABLE = "TEXTUAL_DRIVER"


def stand_in_driver() -> str | None:
    """The driver that stands in for a terminal (``TEXTUAL_DRIVER``), if one is named."""
    return os.environ.get(STAND_IN_DRIVER_VARIABLE) or None


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and os.isatty(stream.fileno())
    except (OSError, ValueError):
        return False


def missing_terminal() -> str | None:
    """Why ringmon has no terminal to draw on (a sentence), or None when it has one."""
    if stand_in_driver() is not None:
        return None
    stdin_ok, stdout_ok = _is_terminal(sys.stdin), _is_terminal(sys.stdout)
    if stdin_ok and stdout_ok:
        return None
    which = (
        "its input and output are not a terminal"
        if not (stdin_ok or stdout_ok)
        else "its input is not a terminal"
        if not stdin_ok
        else "its output is not a terminal (a pipe or a file)"
    )
    return (
        f"no terminal: {which}. ringmon draws a live screen and reads keys, so run it in a "
        "terminal (or over ssh -t, or in tmux); for data in files use ringmon export"
    )


@functools.cache
def sized_linux_driver() -> type[Driver]:
    """Textual's Linux driver, taking the terminal's size from the App's console so that a
    terminal of unknown size (0x0) is one size for everyone, not two. (Imported when asked
    for: the Linux driver needs termios.)"""
    from textual.drivers.linux_driver import LinuxDriver

    class SizedLinuxDriver(LinuxDriver):
        def _get_terminal_size(self) -> tuple[int, int]:
            width, height = self._app.console.size
            return width, height

    return SizedLinuxDriver
