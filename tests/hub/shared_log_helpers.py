"""Hubs on a shared JetStream log, for tests/hub/test_shared_log*.py."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ringmon.bench.nats_cluster import nats_server
from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.sources.base import Source

needs_nats = pytest.mark.skipif(nats_server() is None, reason="nats-server is not installed")


def hub_config(folder: Path, urls: list[str], **extra: object) -> HubConfig:
    return HubConfig(
        data=folder, port=0, sources=(), tz="Europe/Warsaw", log=",".join(urls), **extra
    )


@contextlib.asynccontextmanager
async def clustered_hub(
    folder: Path,
    urls: list[str],
    clock: ManualClock,
    sources: list[Source] | None = None,
    **extra: object,
) -> AsyncIterator[HubServer]:
    config = hub_config(folder, urls, **extra)
    async with running_hub(config, clock=clock, sources=sources or []) as s:
        yield s


def stored(hub: Hub) -> list[tuple[int, str]]:
    """Every event in the hub's index, as the feed serves them."""
    assert hub.storage is not None
    return [row for rows in hub.storage.iter_events(0, batch=1000) for row in rows]
