"""A cancellation that reaches ``running_hub`` while it stops is passed on, not lost: the
hub's own tasks end in CancelledError too, and awaiting one of them under
``suppress(CancelledError)`` took the caller's cancellation for the task's. The hub still
stops whole (it no longer listens)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, running_hub


async def test_a_cancellation_while_the_hub_stops_is_passed_on(
    config: HubConfig, clock: ManualClock
) -> None:
    ports: list[int] = []

    async def serve_then_leave() -> str:
        async with running_hub(config, clock=clock, sources=[]) as server:
            ports.append(server.port)
            me = asyncio.current_task()
            assert me is not None
            # Lands on the first wait of the hub's stop (the end of its revocation watcher).
            asyncio.get_running_loop().call_soon(me.cancel)
        return "the cancellation was lost"

    task = asyncio.create_task(serve_then_leave())
    await asyncio.wait({task})
    assert task.cancelled(), task.result()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", ports[0]), timeout=5).close()
