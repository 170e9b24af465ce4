"""A backlog taken in bulk (``Hub.load_backlog``) while storage fails for a while (a full
disk) waits for storage and goes on, rather than stop half way: every event it took is
stored once, the failure is said (log, ``storage_error``) and clears once storage works."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.intake import backfill
from ringmon.hub.storage.database import WriteBatch
from ringmon.retry import Backoff
from ringmon.sources.sim import simulate
from ringmon.sources.sim.stream import day_start


async def test_a_backlog_waits_for_storage_rather_than_stop(
    tmp_path: Path,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(backfill, "BACKLOG_BATCH", 100)
    monkeypatch.setattr(backfill, "BACKLOG_CHUNK", 200)
    monkeypatch.setattr(backfill, "STORAGE_RETRY", Backoff(0.01, 0.02))
    caplog.set_level(logging.ERROR, logger="ringmon.hub")
    hub = Hub(tmp_path, tz_name="Europe/Warsaw", clock=clock, flush_interval=0.01)
    hub.open()
    await hub.start()
    try:
        assert hub.storage is not None
        real_write, failures = hub.storage.write, [3]
        errors: list[str | None] = []

        def write(batch: WriteBatch) -> None:
            errors.append(hub.storage_error)
            if failures[0]:
                failures[0] -= 1
                raise OSError(28, "No space left on device")
            real_write(batch)

        monkeypatch.setattr(hub.storage, "write", write)
        now = clock.now()
        taken = list(simulate(40, 3, day_start(now, hub.tz), now + 0.001, hub.tz))[:1000]

        accepted = await hub.load_backlog(iter(taken), source="sim")
        await hub.flush()

        assert accepted == len(taken) and failures == [0]
        assert hub.storage.count_events() == len(taken)  # each once, none lost
        assert [e for e, _ in hub.storage.events_batch(0, None, 10**6)] == list(
            range(1, len(taken) + 1)
        )
        assert any(e is not None and "No space left" in e for e in errors)  # said meanwhile
        assert hub.storage_error is None
        assert "could not store a backlog's events; retrying" in caplog.text
    finally:
        await hub.stop()
