"""A cancellation of a feed connection's handler that arrives while it stops its sender and
receiver is passed on, not lost: awaiting the cancelled children under
``suppress(CancelledError)`` took the handler's own cancellation for theirs, and the handler
returned as if nothing had happened (uvicorn cancels handlers when a shutdown outlasts its
grace period: one that swallows it goes on running)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from hub_helpers import feed, next_of_type
from hub_served import Served


def _task_running(name: str) -> asyncio.Task[object]:
    found = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__.endswith(name)]
    assert len(found) == 1, [t.get_coro() for t in asyncio.all_tasks()]
    return found[0]


async def test_a_cancellation_while_the_feed_stops_is_passed_on(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="uvicorn.error")
    async with feed(served.url, served.token, since=None) as ws:
        await next_of_type(ws, "heartbeat")  # the sender is in its live loop
        handler = _task_running(".run_asgi")  # uvicorn's task around the feed's handler
        sender = _task_running("_send_feed")
        # The client leaves: the handler cancels its sender and waits for it to end. The
        # sender's end wakes this callback first, then the handler: the cancellation lands
        # on the handler's wait for its sender.
        sender.add_done_callback(lambda _: handler.cancel())
    done, _ = await asyncio.wait({handler}, timeout=10)
    assert done, "the feed's handler did not end"
    assert sender.cancelled()
    passed_on = [
        r
        for r in caplog.records
        if r.exc_info is not None and isinstance(r.exc_info[1], asyncio.CancelledError)
    ]
    assert passed_on, "the handler returned normally: its cancellation was lost"
    assert not served.hub.subscribers  # it unsubscribed all the same
