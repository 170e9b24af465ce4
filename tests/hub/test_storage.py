"""Storage under cancellation: a flush cancelled mid-write neither loses nor doubles events,
and closing waits for the calls in progress."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hub_helpers import T0, calls, device, team

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.storage.database import Storage

LATER = T0.timestamp() + 2 * 86_400.0
"""The hubs' clock: after every event of these tests (an event ahead of it would be refused)."""


async def test_a_cancelled_flush_is_finished_not_repeated(tmp_path: Path) -> None:
    hub = Hub(tmp_path, tz_name="Europe/Warsaw", clock=ManualClock(LATER))
    hub.open()
    for event in [*team(), *calls(50)]:
        assert hub.accept(event, source="t")
    flushing = asyncio.create_task(hub.flush())
    await asyncio.sleep(0)  # the write is now in its thread
    flushing.cancel()
    await asyncio.gather(flushing, return_exceptions=True)
    assert hub.accept(device(99_999, "sip201", "c1", "offline"), source="t")
    await hub.flush()
    assert hub.storage is not None
    assert hub.storage.count_events() == 8 + 150 + 1
    assert [s for s, _ in hub.storage.events_batch(0, None, 1000)] == list(range(1, 160))
    await hub.stop()


async def test_stop_waits_for_reads_in_flight(tmp_path: Path) -> None:
    hub = Hub(tmp_path, tz_name="UTC", clock=ManualClock(LATER))
    hub.open()
    for event in team():
        hub.accept(event, source="t")
    await hub.flush()
    storage = hub.storage
    assert storage is not None
    reads = [asyncio.create_task(asyncio.to_thread(storage.count_events)) for _ in range(20)]
    await asyncio.sleep(0)
    for task in reads:
        task.cancel()
    await hub.stop()  # must not close connections under the threads still reading
    await asyncio.gather(*reads, return_exceptions=True)
    reopened = Storage(tmp_path)
    assert reopened.count_events() == 8
    reopened.close()


def snapshot(hub: Hub) -> str:
    from ringmon.model.wire import snapshot_doc

    return snapshot_doc(hub.state, 0.0, 1.0, hub.tz_name).model_dump_json()


async def test_restart_after_a_crash_uses_the_checkpoint_and_the_events_after(
    tmp_path: Path,
) -> None:
    events = [*team(), *calls(10)]
    hub = Hub(tmp_path, tz_name="Europe/Warsaw", clock=ManualClock(LATER), checkpoint_every=10)
    hub.open()
    for event in events[:20]:
        assert hub.accept(event, source="t")
    await hub.flush()  # with a checkpoint: 20 events since the last
    hub.checkpoint_every = 10**9
    for n, event in enumerate(events[20:]):
        assert hub.accept(event, source="t")
        if n % 4 == 3:
            await hub.flush()  # 4 at a time: no checkpoint
    await hub.flush()
    assert hub.storage is not None
    assert hub.storage.checkpoint()[0] == 20 < hub.seq
    expected = snapshot(hub)
    hub.storage.close()  # no clean stop: no final checkpoint
    again = Hub(tmp_path, tz_name="Europe/Warsaw", clock=ManualClock(LATER))
    again.open()
    assert again.seq == len(events)
    assert snapshot(again) == expected
    assert again.accept(device(99_999, "sip201", "c1", "offline"), source="t")
    assert again.seq == len(events) + 1
    await again.stop()


async def test_a_failing_disk_degrades_health_and_loses_nothing(
    tmp_path: Path, monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    hub = Hub(tmp_path, tz_name="UTC", clock=ManualClock(LATER), flush_interval=0.01)
    hub.open()
    await hub.start()
    assert hub.storage is not None
    real_write = hub.storage.write
    failing = True

    def write(batch: object) -> None:
        if failing:
            raise OSError(28, "No space left on device")
        real_write(batch)  # type: ignore[arg-type]

    monkeypatch.setattr(hub.storage, "write", write)
    for event in team():
        assert await hub.emit(event, source="t")
    for _ in range(500):
        if hub.storage_error:
            break
        await asyncio.sleep(0.01)
    health = hub.health()
    assert health["status"] == "degraded" and "No space left" in health["storage_error"]
    assert health["pending"] == 8
    failing = False
    for _ in range(1500):
        if hub.storage_error is None and hub.flushed_seq == 8:
            break
        await asyncio.sleep(0.01)
    assert hub.health()["status"] == "ok"
    assert hub.storage.count_events() == 8
    await hub.stop()
