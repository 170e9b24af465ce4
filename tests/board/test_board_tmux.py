"""The board in a real terminal (tmux, 80x24): the keys a supervisor uses, escape included
(a real terminal sends it as a bare ESC byte), on ``ringmon demo``; then ``q`` quits.

Runs on a private tmux server (``-L``) so a user's own tmux is never touched.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmux_terminal import HAVE_TMUX, TmuxTerminal
from waiting import wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not HAVE_TMUX, reason="tmux is not installed"),
]


@pytest.fixture
def terminal() -> Iterator[TmuxTerminal]:
    term = TmuxTerminal(f"ringmon-board-{os.getpid()}", 80, 24)
    try:
        yield term
    finally:
        term.kill()


def test_board_keys_in_a_real_terminal(terminal: TmuxTerminal, tmp_path: Path) -> None:
    exit_file = tmp_path / "exit-code"
    config = tmp_path / "config.toml"
    config.write_text("")
    env = f"TMPDIR={shlex.quote(str(tmp_path))} RINGMON_CONFIG={shlex.quote(str(config))}"
    demo = f"{shlex.quote(sys.executable)} -m ringmon demo --seed 5"
    command = f"env {env} {demo}; echo $? > {shlex.quote(str(exit_file))}"
    terminal.start(command)

    # The footer's keys are drawn a moment after the rows: wait for the whole screen.
    screen = terminal.wait(
        lambda s: (
            re.search(r"\b[1-9]\d* employees", s)
            and "talking" in s
            and "Today:" in s
            and "q Quit" in s
        ),
        "the rows, the summary and the footer",
        timeout=30,
    )
    assert "User agents" in screen  # every column fits at 80x24

    terminal.keys("s")
    terminal.wait(lambda s: "Employee ▲" in s, "sorting by employee")
    terminal.keys("S")
    terminal.wait(lambda s: "Employee ▼" in s, "the reversed sort")

    terminal.keys("d")
    terminal.wait(lambda s: "Departments" in s and "offline" in s, "the department menu")
    terminal.keys("Escape")
    terminal.wait(lambda s: "Departments" not in s, "the menu to close")

    terminal.keys("u")
    terminal.wait(lambda s: "Devices of" in s, "the device detail")
    terminal.keys("Escape")
    terminal.wait(lambda s: "Devices of" not in s, "the detail to close")

    terminal.keys("?")
    terminal.wait(lambda s: "Keys" in s and "ctrl+u" in s, "the help")
    terminal.keys("Escape")
    terminal.wait(lambda s: "ctrl+u" not in s, "the help to close")

    terminal.keys("f")
    terminal.wait(lambda s: "Statuses" in s, "the filter panel")
    # With no filter every status is ticked: space on the first (talking) hides just that one.
    terminal.keys("Tab", "Space", "Enter")
    terminal.wait(lambda s: "status: online, dnd, offline" in s, "the status chip")
    terminal.keys("Escape")
    terminal.wait(lambda s: "status: online" not in s, "escape to clear the chip")

    terminal.keys("q")
    wait_until(
        lambda: exit_file.exists() and exit_file.read_text().strip(),
        "the exit",
        15,
        describe=terminal.screen,
    )
    assert exit_file.read_text().strip() == "0"
