"""Waiting for a condition in tests: poll it until it holds or a timeout passes, never a fixed
sleep (a fixed sleep is too short on a loaded machine and too long on a quiet one)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.02


def wait_until(
    condition: Callable[[], T],
    what: str,
    timeout: float = 10.0,
    *,
    describe: Callable[[], str] | None = None,
) -> T:
    """Poll ``condition`` until it returns something true, and return that; fail naming
    ``what`` (and ``describe()``, what was seen) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"; {describe()}" if describe is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{seen}")
        time.sleep(POLL_SECONDS)


async def until(
    condition: Callable[[], T | Awaitable[T]],
    what: str = "the condition",
    timeout: float = 10.0,
    *,
    poll: Callable[[], Awaitable[object]] | None = None,
) -> T:
    """``wait_until`` for asyncio tests: ``condition`` may be a coroutine function; between
    checks ``poll()`` runs (a Textual pilot's ``pause``, say), else the loop gets a turn."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        if poll is not None:
            await poll()
        await asyncio.sleep(POLL_SECONDS)
