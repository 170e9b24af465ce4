"""Ending the TUI on a signal: cleanly when it can, within a deadline whatever happens.

SIGTERM, SIGINT and SIGHUP ask the App to exit; its cleanup runs, then ``ringmon demo``'s
(the hub stopped, the temporary data removed). A stuck event loop or a hub slow to stop must
not turn that into a process only SIGKILL ends: the first signal also starts a deadline
(``GRACE_SECONDS``), after which a watchdog thread runs the last-resort steps registered here
(stop the hub at once, remove the temporary data), gives the terminal back (its modes and
its termios settings) and ends the process with 128 + the signal's number. Signals after
the first change nothing: the deadline is already running.

Once the caller has cleaned up after a signal, the process ends at once (``os._exit``, the
streams flushed): the interpreter's teardown would take much of the deadline.

Before the App runs (``ringmon demo`` starting its hub) a signal unwinds the caller with
``SystemExit``, so its ``with`` blocks clean up; once it is leaving (``leaving``), a signal
only starts the deadline, and the cleanup in progress runs on.

The handlers are plain ``signal.signal`` ones, not ``loop.add_signal_handler``: closing the
loop would reset those to the default (terminate), and a signal in that instant would kill
``ringmon demo`` in the middle of its cleanup.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

log = logging.getLogger(__name__)

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
GRACE_SECONDS = 1.5
"""From the first signal to the forced exit; the last-resort steps fit in what is left of 2 s."""

TERMINAL_RESET = (
    "\x1b[<u"  # Kitty keyboard protocol off
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"  # mouse reporting off
    "\x1b[?2004l\x1b[?1004l"  # bracketed paste, focus events off
    "\x1b[?7h\x1b[?1049l\x1b[?25h"  # line wrap on, main screen, cursor shown
)
"""What Textual's driver undoes when it stops: written when the deadline cuts it short."""


class ExitSignals:
    """The exit signals' handlers for as long as the ``with`` block lasts."""

    def __init__(self, grace: float = GRACE_SECONDS) -> None:
        self.grace = grace
        self.on_signal: Callable[[signal.Signals], None] | None = None
        """Asks the running App to exit (thread-safe); None while no App runs."""
        self.leaving = False
        """Set once the caller is cleaning up: a signal then must not interrupt it."""
        self.signalled: signal.Signals | None = None
        self._last_resort: list[Callable[[], object]] = []
        self._previous: dict[signal.Signals, Any] = {}
        self._termios: list[Any] | None = None
        self._deadline: threading.Timer | None = None

    def last_resort(self, step: Callable[[], object]) -> None:
        """A step the deadline runs if the normal cleanup has not finished by then; it must
        be quick (kill, not wait) and safe to run beside the normal cleanup. They run in the
        reverse order of their registration, like an ExitStack."""
        self._last_resort.append(step)

    def __enter__(self) -> ExitSignals:
        self._termios = _terminal_settings()
        for sig in EXIT_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
        if self.signalled is not None and (exc_type is None or exc_type is SystemExit):
            # Cleaned up: leave now. The interpreter's own teardown of a TUI's heap takes
            # 0.4-1 s on a loaded machine, which a signal's deadline has no room for.
            _flush_outputs()
            os._exit(128 + self.signalled.value)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        sig = signal.Signals(signum)
        if self.signalled is not None:
            return
        self.signalled = sig
        log.info("%s: exiting (at most %.1f s)", sig.name, self.grace)
        self._deadline = threading.Timer(self.grace, self._force, args=(sig,))
        self._deadline.daemon = True  # a process that ends in time does not wait for it
        self._deadline.start()
        if self.on_signal is not None:
            self.on_signal(sig)
        elif not self.leaving:
            self.leaving = True
            raise SystemExit(128 + signum)

    def _force(self, sig: signal.Signals) -> None:
        """The deadline passed: the last-resort steps, the terminal back, and out."""
        log.warning("%s: not finished after %.1f s; forcing the exit", sig.name, self.grace)
        for step in reversed(self._last_resort):
            try:
                step()
            except Exception:
                log.exception("last-resort step failed")
        _restore_terminal(self._termios)
        _flush_outputs()
        os._exit(128 + sig.value)


def _flush_outputs() -> None:
    """What ``os._exit`` would lose: the log file's and the standard streams' buffers."""
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _terminal_settings() -> list[Any] | None:
    """The terminal's termios settings as they are before the App changes them."""
    try:
        import termios

        return termios.tcgetattr(sys.__stdin__.fileno()) if sys.__stdin__ else None
    except Exception:  # no terminal (termios.error), or no termios on this platform
        return None


def _restore_terminal(settings: list[Any] | None) -> None:
    stdout = sys.__stdout__
    try:
        if stdout is not None and os.isatty(stdout.fileno()):
            os.write(stdout.fileno(), TERMINAL_RESET.encode())
        if settings is not None and sys.__stdin__ is not None:
            import termios

            termios.tcsetattr(sys.__stdin__.fileno(), termios.TCSANOW, settings)
    except Exception:  # the terminal is gone (SIGHUP): nothing to give back
        pass
