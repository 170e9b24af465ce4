"""Where the client's log lines go: a file named by ``RINGMON_LOG``, or nowhere.

Never the terminal: the TUI draws on it, and one stray line would corrupt the screen (Python's
last-resort handler prints warnings to stderr when no handler is configured).
"""

from __future__ import annotations

import logging
import os

MARK = "_ringmon_handler"


def configure_logging() -> None:
    """Never let a log line reach the terminal the TUI draws on: a file, or nowhere.
    Idempotent."""
    root = logging.getLogger()
    if any(getattr(h, MARK, False) for h in root.handlers):
        return
    path = os.environ.get("RINGMON_LOG")
    handler: logging.Handler
    if path:
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.setLevel(logging.INFO)
    else:
        handler = logging.NullHandler()
    setattr(handler, MARK, True)
    root.addHandler(handler)
