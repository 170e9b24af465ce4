"""The terminal ringmon draws on: whether there is one, and one answer for its size.

Without a terminal (input from /dev/null, the screen's output to a file or a pipe) a Textual
screen has nowhere to go: ringmon says so and stops rather than write escape codes into a
log. A driver named by ``TEXTUAL_DRIVER`` (textual-serve's web driver, the headless
driver) stands in for the terminal, and then no terminal is needed.

``sized_linux_driver()``: when the size cannot be read where Textual's driver looks (a terminal
of 0x0, as some serial consoles and ``script`` sessions report; standard output a pipe, as in
``ringmon demo | tee log``), the driver fell back to 80x24 (``shutil``, from standard output)
while its App took 80x25 or the real size (Rich's console, from standard input): the screen
then resized itself between the two forever, at 100% CPU, never reading a key. The driver
here asks the App's console, so both sides agree.
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
    """Why ringmon has no terminal to draw on (a sentence), or None when it has one.

    The screen is read from standard input (keys) and drawn on standard error (as Textual
    does); standard output may go anywhere (``ringmon demo | tee log`` draws as usual)."""
    if stand_in_driver() is not None:
        return None
    keys, screen = _is_terminal(sys.__stdin__), _is_terminal(sys.__stderr__)
    if keys and screen:
        return None
    which = (
        "neither its input nor its standard error (where it draws) is a terminal"
        if not (keys or screen)
        else "its input is not a terminal"
        if not keys
        else "its standard error, where it draws its screen, is not a terminal"
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
