"""SIGTERM and SIGINT always end ringmon within 2 s, cleaning up.

A real ``ringmon demo`` in a real terminal (tmux, 80x24) gets the signal: it exits with
128 + the signal's number, its hub is gone and its temporary data removed. And a process
whose main thread never comes back to the signal (the resize loop of old did that) is ended
by the deadline all the same, its last-resort cleanup done.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmux_terminal import HAVE_TMUX, TmuxTerminal
from waiting import wait_until

from ringmon.exit_signals import GRACE_SECONDS


def hubs_of(tmp_path: Path) -> str:
    found = subprocess.run(
        ["pgrep", "-f", f"ringmon hub .*{tmp_path}"], capture_output=True, text=True
    )
    return found.stdout.strip()


@pytest.fixture
def terminal() -> Iterator[TmuxTerminal]:
    term = TmuxTerminal(f"ringmon-signals-{os.getpid()}", 80, 24)
    try:
        yield term
    finally:
        term.kill()


@pytest.mark.e2e
@pytest.mark.skipif(not HAVE_TMUX, reason="tmux is not installed")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_demo_and_cleans_up(
    sig: signal.Signals, terminal: TmuxTerminal, tmp_path: Path
) -> None:
    pid_file, exit_file = tmp_path / "pid", tmp_path / "exit-code"
    config = tmp_path / "empty-config.toml"
    config.write_text("")
    env = f"TMPDIR={shlex.quote(str(tmp_path))} RINGMON_CONFIG={shlex.quote(str(config))}"
    demo = f"exec env {env} {shlex.quote(sys.executable)} -m ringmon demo"
    inner = f"echo $$ > {shlex.quote(str(pid_file))}; {demo}"
    terminal.start(f"sh -c {shlex.quote(inner)}; echo $? > {shlex.quote(str(exit_file))}")
    terminal.wait_for_text(r"\b[1-9]\d* employees", "the first rows", 30)
    assert [p for p in tmp_path.iterdir() if p.name.startswith("ringmon-demo-")]
    assert hubs_of(tmp_path)

    started = time.monotonic()
    os.kill(int(pid_file.read_text()), sig)
    wait_until(lambda: exit_file.exists() and exit_file.read_text().strip(), "the exit", 15)
    took = time.monotonic() - started
    print(f"\n{sig.name}: the demo ended {took:.2f} s after the signal")
    assert exit_file.read_text().strip() == str(128 + sig)
    assert [p for p in tmp_path.iterdir() if p.name.startswith("ringmon-demo-")] == []
    assert hubs_of(tmp_path) == ""


STUCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ringmon.exit_signals import ExitSignals

    marker = Path(sys.argv[1])
    with ExitSignals() as signals:
        signals.last_resort(lambda: marker.write_text("cleaned"))
        signals.on_signal = lambda sig: None  # an App that never gets to leave
        print("ready", flush=True)
        while True:
            time.sleep(0.01)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stuck_process_is_ended_by_the_deadline(sig: signal.Signals, tmp_path: Path) -> None:
    marker = tmp_path / "cleaned"
    child = subprocess.Popen(
        [sys.executable, "-c", STUCK, str(marker)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        started = time.monotonic()
        child.send_signal(sig)
        child.send_signal(sig)  # a second signal changes nothing: the deadline runs
        code = child.wait(timeout=15)
        took = time.monotonic() - started
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    print(f"\n{sig.name}: a stuck process ended {took:.2f} s after the signal")
    assert code == 128 + sig
    assert marker.read_text() == "cleaned"
    assert took >= GRACE_SECONDS  # it did wait for the App first
