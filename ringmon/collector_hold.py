"""The cyclic garbage collector held off while the TUI starts.

From the command to its first rows the TUI makes a few million objects that all stay (modules,
classes, the snapshot's state, the board's rows) and almost no garbage; with the collector on,
its passes walk them again and again as they pile up. At 10,000 employees that was a quarter
of the start's CPU (0.96 s of 3.8 s on a loaded machine: three full collections, 0.5 s).

``hold()`` (``ringmon.cli``, before the TUI's imports) turns the collector off; ``release()``
turns it on again: the board calls it once the first snapshot's rows are on screen (after it
has collected and frozen what it keeps, ``BoardScreen._settle_memory``), and the App at the
latest ``HOLD_AT_MOST`` seconds after it mounted (no hub yet, a hub loading its history: the
start is then no burst of allocations, and memory stays bounded). Only a hold of this module is
released: a test or an embedding program that turned the collector off keeps it off.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

HOLD_AT_MOST = 10.0
"""Seconds after the App mounted when the collector runs again whatever the feed did."""

_held = False


def hold() -> None:
    """Turn the cyclic collector off until ``release()`` (nothing if it is off already)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Turn the collector on again if ``hold()`` turned it off (once; then nothing)."""
    global _held
    if _held:
        _held = False
        gc.enable()
        log.info("garbage collector on again after the start")


def held() -> bool:
    """Whether ``hold()`` has the collector off now."""
    return _held
