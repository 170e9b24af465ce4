"""Fixtures: a hub served on a real loopback port, with a manual clock and no simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hub_helpers import T0
from hub_served import TLS, Served

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, running_hub


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0.timestamp() + 4 * 3600)  # 12:00 in Warsaw


@pytest.fixture
def config(tmp_path: Path) -> HubConfig:
    return HubConfig(data=tmp_path / "data", port=0, sources=(), tz="Europe/Warsaw")


@pytest.fixture
async def served(config: HubConfig, clock: ManualClock) -> AsyncIterator[Served]:
    async with running_hub(config, clock=clock, sources=[]) as server:
        assert server.hub.tokens is not None
        token = server.hub.tokens.add("alice", "analyst")
        async with httpx.AsyncClient(base_url=server.url, timeout=10, verify=TLS) as client:
            yield Served(server, client, token, clock)
