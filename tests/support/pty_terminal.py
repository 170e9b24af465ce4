"""A pseudo-terminal of any size, even one tmux cannot make (0x0, as some serial consoles and
``script`` sessions report): the program's input and output are the pty, and a thread reads
everything it writes."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import termios
import threading
from collections.abc import Mapping, Sequence

from waiting import wait_until

ESCAPES = re.compile(r"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[=>()].?")


class PtyTerminal:
    def __init__(
        self,
        command: Sequence[str],
        *,
        rows: int,
        columns: int,
        env: Mapping[str, str] | None = None,
        stdout: int | None = None,
    ) -> None:
        """``stdout``: where the program's standard output goes instead of the pty (a pipe,
        as in ``| tee``)."""
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            list(command),
            stdin=slave,
            stdout=slave if stdout is None else stdout,
            stderr=slave,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the program closed the pty
                return
            if not chunk:
                return
            with self._lock:
                self._output += chunk

    @property
    def written(self) -> int:
        """Bytes the program has written so far."""
        with self._lock:
            return len(self._output)

    def text(self) -> str:
        """Everything written, escape sequences removed."""
        with self._lock:
            raw = bytes(self._output)
        return ESCAPES.sub("", raw.decode("utf-8", "replace"))

    def wait_for_text(self, pattern: str, what: str, timeout: float = 10.0) -> None:
        wait_until(
            lambda: re.search(pattern, self.text()),
            what,
            timeout,
            describe=lambda: f"{self.written} bytes written, ending:\n{self.text()[-2000:]}",
        )

    def send(self, data: str) -> None:
        os.write(self.master, data.encode())

    def wait_exit(self, timeout: float = 10.0) -> int:
        wait_until(lambda: self.process.poll() is not None, "the program to exit", timeout)
        code = self.process.returncode
        assert code is not None
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._reader.join(timeout=5)  # it ends when the program's side of the pty closes
        os.close(self.master)
