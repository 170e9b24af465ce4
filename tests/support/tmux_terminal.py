"""A real terminal for tests: one tmux session of a pinned size on a private tmux server.

The size is the session's, never the size of the terminal pytest runs in: the session starts
on a placeholder shell, its window size is set by hand (``window-size manual``) and checked,
and only then is the program started in the pane, so it sees the final size from its first
ioctl. A private server (``-L``) keeps the user's own tmux out of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable

from waiting import wait_until

HAVE_TMUX = shutil.which("tmux") is not None


class TmuxTerminal:
    def __init__(self, name: str, width: int = 80, height: int = 24) -> None:
        self.name = name
        self.width = width
        self.height = height

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # Our own TMUX variable would make the private server's client think it is nested.
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        return subprocess.run(
            ["tmux", "-L", self.name, *args], capture_output=True, text=True, check=check, env=env
        )

    def start(self, command: str) -> None:
        """Run ``command`` (a shell command line) in the pane, at the pinned size."""
        size = ["-x", str(self.width), "-y", str(self.height)]
        self.run("new-session", "-d", "-s", self.name, *size)
        self.run("set-option", "-t", self.name, "window-size", "manual")
        self.run("resize-window", "-t", self.name, *size)
        shown = self.run("display", "-p", "-t", self.name, "#{window_width}x#{window_height}")
        assert shown.stdout.strip() == f"{self.width}x{self.height}", shown.stdout
        self.run("respawn-pane", "-k", "-t", self.name, command)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name, check=False).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def alive(self) -> bool:
        return self.run("has-session", "-t", self.name, check=False).returncode == 0

    def kill(self) -> None:
        self.run("kill-server", check=False)

    def wait(self, condition: Callable[[str], object], what: str, timeout: float = 10.0) -> str:
        """Wait until ``condition(screen)`` holds; the screen then. Fails showing the screen."""
        shown: list[str] = []

        def check() -> object:
            shown[:] = [self.screen()]
            return condition(shown[0])

        wait_until(check, what, timeout, describe=lambda: "the screen:\n" + shown[0])
        return shown[0]

    def wait_for_text(self, pattern: str, what: str, timeout: float = 10.0) -> str:
        return self.wait(lambda s: re.search(pattern, s), what, timeout)
