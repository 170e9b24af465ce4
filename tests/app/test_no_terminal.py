"""No terminal, no lock-up: real ``ringmon`` processes whose input or screen (standard error,
where Textual draws) is not a terminal say so and exit 2 at once (before the demo starts a
hub); a driver that stands in for the terminal (``TEXTUAL_DRIVER``, as textual-serve sets)
still runs; a real terminal that reports no size (0x0), or whose standard output is a pipe,
gets a working screen that reads its keys.

Before the fix, ``ringmon demo </dev/null >out``, ``ringmon demo | tee log`` and a 0x0
terminal all resized the screen between two sizes forever: 100% CPU, escape codes by the
megabyte, no key read, only SIGKILL ended it and the demo's data folder stayed behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pty_terminal import PtyTerminal
from waiting import wait_until

RINGMON = [sys.executable, "-m", "ringmon"]


def closed_port() -> int:
    """A loopback port nobody listens on (bound, read, closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "empty-config.toml"
    config.write_text("")
    out = {k: v for k, v in os.environ.items() if k not in ("TEXTUAL_DRIVER", "COLUMNS", "LINES")}
    out |= {"TMPDIR": str(tmp_path), "RINGMON_CONFIG": str(config), "TERM": "xterm-256color"}
    return out


def leftovers(tmp_path: Path) -> list[str]:
    return [p.name for p in tmp_path.iterdir() if p.name.startswith("ringmon-demo-")]


@pytest.mark.parametrize("command", [["demo"], ["--url", "http://127.0.0.1:9"]])
def test_without_a_terminal_it_says_so_and_exits_2(
    command: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    """``ringmon demo </dev/null >out 2>&1``: a sentence on stderr, exit 2, nothing else."""
    out = tmp_path / "out"
    with out.open("wb") as sink:
        done = subprocess.run(
            RINGMON + command,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.PIPE,
            env=env | {"RINGMON_TOKEN": "t"},
            timeout=60,
        )
    assert done.returncode == 2
    assert b"no terminal" in done.stderr and b"\x1b" not in done.stderr
    assert out.read_bytes() == b""
    assert leftovers(tmp_path) == []


def test_a_screen_drawn_into_a_file_is_no_terminal(env: dict[str, str], tmp_path: Path) -> None:
    """Keys from a terminal, but standard error (where the screen is drawn) into a file."""
    primary, secondary = os.openpty()
    err = tmp_path / "err"
    try:
        with err.open("wb") as sink:
            done = subprocess.run(
                [*RINGMON, "demo"], stdin=secondary, stdout=secondary, stderr=sink, env=env
            )
    finally:
        os.close(primary)
        os.close(secondary)
    assert done.returncode == 2
    assert err.read_bytes().startswith(
        b"ringmon demo: no terminal: its standard error, where it draws its screen, is not"
    )
    assert leftovers(tmp_path) == []


def test_output_into_a_pipe_still_draws_on_the_terminal(env: dict[str, str]) -> None:
    """``ringmon demo | tee log``: keys and screen are the terminal's, standard output a pipe.
    It used to resize between the terminal's size and 80x24 for ever; it runs, and quits."""
    command = [*RINGMON, "--url", f"http://127.0.0.1:{closed_port()}"]
    term = PtyTerminal(
        command, rows=30, columns=100, env=env | {"RINGMON_TOKEN": "t"}, stdout=subprocess.PIPE
    )
    try:
        term.wait_for_text(r"Feed lost", "the feed's state on screen", 30)
        term.send("q")
        assert term.wait_exit(15) == 0
    finally:
        term.close()


def test_a_driver_that_stands_in_for_the_terminal_is_not_refused(env: dict[str, str]) -> None:
    """textual-serve runs ringmon with pipes and ``TEXTUAL_DRIVER`` naming its web driver
    (here the headless one): no refusal, and SIGTERM ends it."""
    driver = "textual.drivers.headless_driver:HeadlessDriver"
    log = Path(env["TMPDIR"]) / "ringmon.log"
    child = subprocess.Popen(
        [*RINGMON, "--url", f"http://127.0.0.1:{closed_port()}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env | {"TEXTUAL_DRIVER": driver, "RINGMON_TOKEN": "t", "RINGMON_LOG": str(log)},
    )
    try:
        wait_until(
            lambda: (log.exists() and "app mounted" in log.read_text()) or child.poll() is not None,
            "the App to run",
            30,
        )
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.fixture
def zero_size_terminal(env: dict[str, str]) -> Iterator[PtyTerminal]:
    command = [*RINGMON, "--url", f"http://127.0.0.1:{closed_port()}"]
    term = PtyTerminal(command, rows=0, columns=0, env=env | {"RINGMON_TOKEN": "t"})
    try:
        yield term
    finally:
        term.close()


def test_a_terminal_of_no_size_gets_a_screen_that_reads_keys(
    zero_size_terminal: PtyTerminal,
) -> None:
    """A real terminal reporting 0x0: one size (80x25) for the driver and the App, the feed's
    state on screen, and ``q`` quits."""
    term = zero_size_terminal
    term.wait_for_text(r"Feed lost", "the feed's state on screen", 30)
    term.send("q")
    assert term.wait_exit(15) == 0
