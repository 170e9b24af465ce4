"""The board in a real terminal (tmux, 80x24): the keys a supervisor uses, escape included
(a real terminal sends it as a bare ESC byte), on ``ringmon demo``; then ``q`` quits.

Runs on a private tmux server (``-L``) so a user's own tmux is never touched.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.name, *args], capture_output=True, text=True, check=check
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name, check=False).stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait(self, condition: Callable[[str], object], what: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{screen}")
            time.sleep(0.05)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"ringmon-board-{os.getpid()}")
    try:
        yield term
    finally:
        term.tmux("kill-server", check=False)


def test_board_keys_in_a_real_terminal(terminal: Terminal, tmp_path: Path) -> None:
    exit_file = tmp_path / "exit-code"
    config = tmp_path / "config.toml"
    config.write_text("")
    env = f"TMPDIR={shlex.quote(str(tmp_path))} RINGMON_CONFIG={shlex.quote(str(config))}"
    demo = f"{shlex.quote(sys.executable)} -m ringmon demo --seed 5"
    command = f"env {env} {demo}; echo $? > {shlex.quote(str(exit_file))}"
    terminal.tmux("new-session", "-d", "-s", terminal.name, "-x", "80", "-y", "24", command)

    terminal.wait(lambda s: re.search(r"\b[1-9]\d* employees", s), "the rows", timeout=30)
    screen = terminal.screen()
    assert "talking" in screen and "Today:" in screen and "q Quit" in screen
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
    terminal.keys("Tab", "Space", "Enter")  # the first status: talking
    terminal.wait(lambda s: "status: talking" in s, "the status chip")
    terminal.keys("Escape")
    terminal.wait(lambda s: "status: talking" not in s, "escape to clear the chip")

    terminal.keys("q")
    deadline = time.monotonic() + 15
    while not (exit_file.exists() and exit_file.read_text().strip()):
        assert time.monotonic() < deadline, terminal.screen()
        time.sleep(0.05)
    assert exit_file.read_text().strip() == "0"
