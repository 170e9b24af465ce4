"""Hourly snapshots: the whole state is stored every hour of event time, so that a replay can
rebuild any past moment from one snapshot and at most an hour of events. A state rebuilt
from a snapshot plus the events after it equals the live state."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from hub_helpers import T0, answer, calls, device, end, ring, team

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.model.schema import parse_event
from ringmon.model.state import State
from ringmon.model.wire import SnapshotDoc, snapshot_doc, state_from_snapshot

HOUR = 3600.0
LATER = T0.timestamp() + 2 * 86_400.0


def _doc(state: State, tz: str) -> str:
    return snapshot_doc(state, LATER, 1.0, tz).model_dump_json()


async def test_snapshots_every_hour_rebuild_the_live_state(tmp_path: Path) -> None:
    tz = "Europe/Warsaw"
    hub = Hub(tmp_path, tz_name=tz, clock=ManualClock(LATER))
    hub.open()
    for event in team():
        assert hub.accept(event, source="t")
    await hub.flush()
    # Three hours and a half of calls and devices changing, flushed as they come.
    for hour in range(4):
        base = hour * HOUR
        for n, event in enumerate(
            [
                device(base + 100, "sip201", "c1", ("online", "offline")[hour % 2]),
                ring(base + 200, f"h{hour}", "sip101"),
                answer(base + 210, f"h{hour}"),
                *([] if hour == 3 else [end(base + 900, f"h{hour}")]),
                *calls(2, start=base + 1200),
            ]
        ):
            assert hub.accept(event, source="t"), (hour, n)
            if n % 2:
                await hub.flush()
    await hub.flush()
    storage = hub.storage
    assert storage is not None
    kept = storage.snapshot_times()
    # One when the store began, then one per hour of event time crossed (the first event
    # of each new hour's batch).
    assert len(kept) == 4, kept
    ats = [at for _, at in kept]
    assert all(later - earlier >= HOUR - 1000 for earlier, later in pairwise(ats))
    assert [seq for seq, _ in kept] == sorted(seq for seq, _ in kept)

    live = _doc(hub.state, tz)
    for seq, at in kept:
        found = storage.snapshot_before(at)
        assert found is not None and found[0] == seq
        state = state_from_snapshot(SnapshotDoc.model_validate_json(found[2]), hub.tz)
        for rows in storage.iter_events(seq, batch=100):
            for _, body in rows:
                state.apply(parse_event(body))
        assert _doc(state, tz) == live, f"rebuilt from the snapshot at seq {seq}"

    # A moment between two snapshots: the newest one at or before it.
    between = (ats[1] + ats[2]) / 2
    found = storage.snapshot_before(between)
    assert found is not None and found[0] == kept[1][0]
    assert storage.snapshot_before(ats[0] - 1) is None
    await hub.stop()


async def test_a_restarted_hub_goes_on_with_the_hours(tmp_path: Path) -> None:
    hub = Hub(tmp_path, tz_name="UTC", clock=ManualClock(LATER))
    hub.open()
    for event in team():
        hub.accept(event, source="t")
    await hub.flush()
    await hub.stop()
    again = Hub(tmp_path, tz_name="UTC", clock=ManualClock(LATER))
    again.open()
    # Same hour: no new snapshot; the next hour: one.
    assert again.accept(device(60, "sip201", "c1", "offline"), source="t")
    await again.flush()
    assert again.storage is not None and len(again.storage.snapshot_times()) == 1
    assert again.accept(device(HOUR + 60, "sip201", "c1", "online"), source="t")
    await again.flush()
    assert len(again.storage.snapshot_times()) == 2
    await again.stop()


async def test_one_snapshot_a_day_while_history_loads(tmp_path: Path) -> None:
    hub = Hub(tmp_path, tz_name="UTC", clock=ManualClock(LATER))
    hub.open()
    hub.catching_up["sim"] = None  # a source replaying its history (the demo's week)
    for event in team():
        hub.accept(event, source="sim")
    await hub.flush()
    for hour in range(1, 4):
        assert hub.accept(device(hour * HOUR, "sip201", "c1", "online"), source="sim")
        await hub.flush()
    assert hub.storage is not None and len(hub.storage.snapshot_times()) == 1
    hub.caught_up("sim")
    assert hub.accept(device(3 * HOUR + 60, "sip201", "c1", "offline"), source="sim")
    await hub.flush()
    # Live from here: hourly from the next hour (none at once, as the first clients come).
    assert len(hub.storage.snapshot_times()) == 1
    assert hub.accept(device(4 * HOUR + 60, "sip201", "c1", "online"), source="sim")
    await hub.flush()
    assert len(hub.storage.snapshot_times()) == 2
    assert hub.accept(device(5 * HOUR + 60, "sip201", "c1", "offline"), source="sim")
    await hub.flush()
    assert len(hub.storage.snapshot_times()) == 3
    await hub.stop()
