"""``python -m ringmon.bench terminal``: bytes the live board writes to its terminal.

It runs ``ringmon demo`` (a real hub with the seeded simulator, and the TUI on it) in a
pseudo-terminal of 120x40 (as ``script -f`` would record it) for ``--seconds`` and records
every byte the TUI writes, with the time it came. It prints, for the whole run and for the
steady part after ``--warm`` seconds (start-up draws the whole screen, then history loads):
- bytes per second, and the share of them that are colour and style codes (SGR);
- full-row rewrites per second: writes that cover at least 90% of a row (a board that repaints
  only what changed rewrites a whole row only when that row really changed: an employee's
  status, a re-sort);
- cells written per second.

Target (issue 11, item 12): <= 4 KB/s in the steady part at 120x40.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass

from ringmon.bench.escapes import Tally, read_writes

TARGET_BYTES_PER_SECOND = 4000.0
"""4 KB/s (KB: 1,000 bytes, as the issue counts it)."""


@dataclass
class Recording:
    """What the TUI wrote: (seconds since start, bytes) chunks."""

    chunks: list[tuple[float, bytes]]
    seconds: float

    def between(self, begin: float, end: float) -> bytes:
        return b"".join(data for at, data in self.chunks if begin <= at < end)


def record(command: list[str], size: tuple[int, int], seconds: float) -> Recording:
    """Run ``command`` on a fresh pseudo-terminal of ``size`` and record what it writes for
    ``seconds``; then end it with SIGTERM (SIGKILL if it is still there 5 s later)."""
    width, height = size
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    with tempfile.TemporaryDirectory(prefix="ringmon-term-") as home:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("RINGMON_", "TEXTUAL", "NO_COLOR", "FORCE_COLOR"))
        }
        # A modern terminal (truecolor), and no user's config file.
        env.update(
            TERM="xterm-256color",
            COLORTERM="truecolor",
            COLUMNS=str(width),
            LINES=str(height),
            XDG_CONFIG_HOME=os.path.join(home, "config"),
            XDG_STATE_HOME=os.path.join(home, "state"),
            XDG_DATA_HOME=os.path.join(home, "data"),
        )
        child = subprocess.Popen(
            command,
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(secondary)
        chunks: list[tuple[float, bytes]] = []
        start = time.perf_counter()
        try:
            while (elapsed := time.perf_counter() - start) < seconds:
                ready, _, _ = select.select([primary], [], [], min(0.25, seconds - elapsed))
                if not ready:
                    if child.poll() is not None:
                        break
                    continue
                try:
                    data = os.read(primary, 65536)
                except OSError:  # the child closed its terminal
                    break
                if not data:
                    break
                chunks.append((time.perf_counter() - start, data))
        finally:
            _stop(child, primary)
            os.close(primary)
        if child.returncode not in (0, -signal.SIGTERM, 128 + signal.SIGTERM) and not chunks:
            raise RuntimeError(f"{command[2:]} exited with {child.returncode} before drawing")
    return Recording(chunks, min(seconds, time.perf_counter() - start))


def _stop(child: subprocess.Popen[bytes], primary: int) -> None:
    """SIGTERM, draining the terminal meanwhile (a full pty would block its exit)."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 5.0
    while child.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.1)
        if ready:
            with contextlib.suppress(OSError):
                os.read(primary, 65536)
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def describe(name: str, tally: Tally, seconds: float, width: int) -> str:
    rate = tally.bytes / seconds if seconds > 0 else float("nan")
    sgr = tally.sgr_bytes / tally.bytes * 100 if tally.bytes else 0.0
    return (
        f"  {name:<22}{tally.bytes:>10,} bytes in {seconds:5.1f} s = {rate / 1000:6.2f} KB/s  "
        f"(colour codes {sgr:.0f}%);  full-row rewrites {tally.full_rows(width) / seconds:6.1f}/s;"
        f"  cells {tally.cells / seconds:8,.0f}/s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench terminal",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="the whole run")
    parser.add_argument(
        "--warm", type=float, default=15.0, help="seconds left out of the steady figure"
    )
    parser.add_argument("--width", type=int, default=120)
    parser.add_argument("--height", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1, help="the simulator's seed")
    parser.add_argument("--employees", type=int, default=40)
    parser.add_argument("--save", metavar="FILE", help="write what the TUI wrote to FILE")
    args = parser.parse_args(argv)
    if args.warm >= args.seconds:
        parser.error("--warm must be shorter than --seconds")
    width, height = args.width, args.height
    command = [
        sys.executable,
        "-m",
        "ringmon",
        "demo",
        "--seed",
        str(args.seed),
        "--employees",
        str(args.employees),
    ]
    recording = record(command, (width, height), args.seconds)
    everything = recording.between(0.0, recording.seconds + 1)
    steady_seconds = recording.seconds - args.warm
    steady = read_writes(recording.between(args.warm, recording.seconds + 1))
    if args.save:
        with open(args.save, "wb") as out:
            out.write(everything)
    print(
        f"terminal bench: ringmon demo --seed {args.seed} --employees {args.employees} at "
        f"{width}x{height} (TERM=xterm-256color, truecolor) for {recording.seconds:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(describe("whole run", read_writes(everything), recording.seconds, width))
    print(describe(f"steady (from {args.warm:.0f} s)", steady, steady_seconds, width))
    rate = steady.bytes / steady_seconds if steady_seconds > 0 else float("inf")
    ok = rate <= TARGET_BYTES_PER_SECOND
    print(
        f"  target steady <= {TARGET_BYTES_PER_SECOND / 1000:.1f} KB/s: {'ok' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
