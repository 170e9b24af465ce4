"""The one retry policy of the hub and its sources: try again after a wait that doubles from
``first`` up to ``cap`` (with a little jitter), forever, and start over gently once a try has
run properly.

The waits are stamina's (https://stamina.hynek.me: exponential backoff with jitter, on top of
tenacity): chosen over tenacity alone for its safe defaults and a small API (``retry_context``
with ``Attempt.next_wait``, which lets a source say "retrying in N s" before it waits), and over
backoff, whose last release is from 2022. Used by every network source (Kamailio, FreeSWITCH),
the hub's supervisor (a source that fails is started again) and the hub's storage writer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import stamina
import stamina.instrumentation

# Every caller says what failed and when it tries again, in its own words (log, source
# health): stamina's own log line per retry would say it twice, without the reason.
stamina.instrumentation.set_on_retry_hooks([])

T = TypeVar("T")


class Lost(Exception):
    """A try failed or ended: ``after_running`` when it had run properly first (connected and
    synced, wrote to storage...), which starts the waits over from ``first``."""

    def __init__(self, reason: str, *, after_running: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_running = after_running


@dataclass(frozen=True, slots=True)
class Backoff:
    first: float
    cap: float

    async def keep_trying(
        self,
        attempt: Callable[[], Awaitable[None]],
        *,
        waiting: Callable[[Lost, float], None],
    ) -> None:
        """Call ``attempt`` until it returns. Each ``Lost`` it raises is told to ``waiting``
        with the seconds until the next try (at least; the jitter adds up to a tenth of
        ``first``), then waited for; any other exception goes through."""
        while True:
            restart: Lost | None = None
            async for tried in stamina.retry_context(
                on=Lost,
                attempts=None,
                timeout=None,
                wait_initial=self.first,
                wait_max=self.cap,
                wait_jitter=self.first / 10,
            ):
                with tried:
                    try:
                        await attempt()
                    except Lost as exc:
                        if not exc.after_running:
                            waiting(exc, min(tried.next_wait, self.cap))
                            raise
                        restart = exc  # it ran properly: a fresh series of waits
            if restart is None:
                return
            waiting(restart, self.first)
            await asyncio.sleep(self.first)

    async def within(
        self,
        seconds: float,
        attempt: Callable[[], Awaitable[T]],
        *,
        on: tuple[type[Exception], ...],
        waiting: Callable[[Exception, float], None],
    ) -> T:
        """Call ``attempt`` until it returns its result, for at most ``seconds`` (bounded, for
        a start-up step). Each exception of ``on`` is told to ``waiting`` with the seconds
        until the next try, then waited for; once ``seconds`` have passed the last one goes
        through (to be said as a sentence by the caller); any other exception at once."""
        async for tried in stamina.retry_context(
            on=on,
            attempts=None,
            timeout=max(seconds, 0.0),
            wait_initial=self.first,
            wait_max=self.cap,
            wait_jitter=self.first / 10,
        ):
            with tried:
                try:
                    return await attempt()
                except on as exc:
                    waiting(exc, min(tried.next_wait, self.cap))
                    raise
        raise AssertionError("unreachable: stamina either returns a try or raises")
