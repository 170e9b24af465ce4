"""Smoke test: ``ringmon demo`` in a real terminal (tmux), as a new user would try it.

Starts the demo in a detached tmux session on a private tmux server, waits for rows, filters
by name with ``/``, quits with ``q``, and checks that the demo exited 0, its hub is gone and
its temporary data removed. Every wait polls ``capture-pane`` for a real condition, with a
timeout.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tmux_terminal import HAVE_TMUX, TmuxTerminal
from waiting import wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not HAVE_TMUX, reason="tmux is not installed"),
]

WIDTH, HEIGHT = 120, 40
EMPLOYEES = re.compile(r"(?<![\d])([1-9]\d*) employees")


def data_rows(pane: str) -> list[str]:
    """The table's lines: after the header line (it starts with "Employee"), non-empty,
    down to the footer (the line with the quit key) or the end."""
    lines = pane.splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip().startswith("Employee"))
    rows: list[str] = []
    for line in lines[header + 1 :]:
        if not line.strip() or re.match(r"^\s*(q Quit|/ Name)", line):
            break
        rows.append(line)
    return rows


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[TmuxTerminal]:
    # A server of its own per test: a killed server may still be exiting when the next test starts.
    session = TmuxTerminal(f"ringmon-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}", WIDTH, HEIGHT)
    try:
        yield session
    finally:
        session.kill()


def wait_for(
    condition: Callable[[], object], timeout: float, what: str, tmux: TmuxTerminal
) -> None:
    wait_until(condition, what, timeout, describe=lambda: "the screen:\n" + tmux.screen())


def test_demo_shows_rows_filters_and_quits(tmux: TmuxTerminal, tmp_path: Path) -> None:
    exit_file = tmp_path / "exit-code"
    config = tmp_path / "empty-config.toml"  # the user's own settings stay out of the test
    config.write_text("")
    env = f"TMPDIR={shlex.quote(str(tmp_path))} RINGMON_CONFIG={shlex.quote(str(config))}"
    demo = f"{shlex.quote(sys.executable)} -m ringmon demo --seed 3"
    started = time.monotonic()
    tmux.start(f"env {env} {demo}; echo $? > {shlex.quote(str(exit_file))}")

    wait_for(lambda: EMPLOYEES.search(tmux.screen()), 30, "the first rows", tmux)
    first_rows = time.monotonic() - started
    print(f"\nringmon demo: first rows after {first_rows:.2f} s")
    match = EMPLOYEES.search(tmux.screen())
    assert match is not None
    total = int(match.group(1))
    wait_for(lambda: len(data_rows(tmux.screen())) >= min(total, 10), 10, "a full table", tmux)

    # Filter by the first name of the first row.
    name = next(word for word in data_rows(tmux.screen())[0].split() if word.isalpha())
    needle = name[:4].lower()
    tmux.keys("/")
    wait_for(lambda: "name, dept:…" in tmux.screen(), 10, "the name input", tmux)
    tmux.keys(needle, literal=True)

    def filtered() -> bool:
        pane = tmux.screen()
        rows = data_rows(pane)
        return f"of {total}" in pane and bool(rows) and all(needle in row.lower() for row in rows)

    wait_for(filtered, 10, f"the rows matching {needle!r}", tmux)
    # Enter and q in one burst, as a fast typist sends them: q reaches the board, not the
    # input (the filter kept is pinned by tests/board/test_board_filter_enter_then_key.py).
    tmux.keys("Enter", "q")

    wait_for(lambda: exit_file.exists() and exit_file.read_text().strip(), 15, "the exit", tmux)
    assert exit_file.read_text().strip() == "0"
    wait_for(lambda: not tmux.alive(), 5, "the session to end", tmux)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith("ringmon-demo-")]
    assert leftovers == [], "the demo left its temporary data behind"
    hubs = subprocess.run(
        ["pgrep", "-f", f"ringmon hub .*{tmp_path}"], capture_output=True, text=True
    )
    assert hubs.stdout.strip() == "", "the demo's hub is still running"


def test_demo_cleans_up_when_its_terminal_goes_away(tmux: TmuxTerminal, tmp_path: Path) -> None:
    """Closing the terminal (SIGHUP, as a dropped SSH session does) ends the demo: its hub
    stops and its temporary data is removed, instead of running on as orphans."""
    config = tmp_path / "empty-config.toml"
    config.write_text("")
    env = f"TMPDIR={shlex.quote(str(tmp_path))} RINGMON_CONFIG={shlex.quote(str(config))}"
    tmux.start(f"env {env} {shlex.quote(sys.executable)} -m ringmon demo")
    wait_for(lambda: EMPLOYEES.search(tmux.screen()), 30, "the first rows", tmux)
    assert [p for p in tmp_path.iterdir() if p.name.startswith("ringmon-demo-")]

    tmux.kill()  # the pane's terminal is gone: its processes get SIGHUP

    def cleaned() -> bool:
        hubs = subprocess.run(
            ["pgrep", "-f", f"ringmon hub .*{tmp_path}"], capture_output=True, text=True
        )
        left = [p for p in tmp_path.iterdir() if p.name.startswith("ringmon-demo-")]
        return not hubs.stdout.strip() and not left

    wait_until(cleaned, "the demo's hub and data to go with its terminal", 15)
