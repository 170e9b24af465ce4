"""The cyclic garbage collector, as each ringmon process sets it (the model's own blocks
without collection are ``ringmon.model.no_collection``).

**The hub** (``set_for_hub``, from ``ringmon.hub.command``). Each event the hub takes makes a
few container objects (the parsed model and its fields, its place in a run of lines, its batch
row) that live a few milliseconds, until its run is applied and its batch committed, and the
live state grows by a couple of objects an event (a day's legs, its call log). With CPython's
default thresholds (a young collection every 700 allocations, an older one every 10 of those)
each event is still alive when the collector first looks at it: it is moved to the older
generations and walked again and again, and so is every object the state gained. On a
``file:`` source that was a fifth of the event loop's time (about 14 us of an event's 64, a
2,000-employee day). With a young generation of ``YOUNG`` allocations, most of those objects
are gone before a collection starts, and collections (a few a day's file) walk only what lives
on: under 1 us an event. Only the thresholds change: cyclic garbage (rare in the hub: the
state, its events and batches hold no cycles) is still collected, at most ``YOUNG``
allocations later.

**The TUI's start** (``hold``, ``release``). From the command to its first rows the TUI makes
a few million objects that all stay (modules, classes, the snapshot's state, the board's rows)
and almost no garbage; with the collector on, its passes walk them again and again as they pile
up. At 10,000 employees that was a quarter of the start's CPU (0.96 s of 3.8 s on a loaded
machine: three full collections, 0.5 s). ``hold()`` (``ringmon.cli``, before the TUI's imports)
turns the collector off; ``release()`` turns it on again: the board calls it once the first
snapshot's rows are on screen (after it has collected and frozen what it keeps,
``BoardScreen._settle_memory``), and the App at the latest ``HOLD_AT_MOST`` seconds after it
mounted (no hub yet, a hub loading its history: the start is then no burst of allocations, and
memory stays bounded). Only a hold of this module is released: a test or an embedding program
that turned the collector off keeps it off.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

YOUNG = 50_000
"""The hub's allocations (less deallocations) between young collections (CPython's default:
700)."""

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


def set_for_hub() -> None:
    """Collect the young generation every ``YOUNG`` allocations (the older generations'
    thresholds stay as they are): for the hub's process."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG, older, oldest)
