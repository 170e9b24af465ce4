"""Hourly snapshots filled in where the store has none (hub/storage/checkpoints.py): the days
a source loaded while catching up (one snapshot a day then) and a data folder from before snapshots.
The filled ones are the very snapshots the store takes live (same seq, time and state), and a
replay from them equals the state rebuilt from every event."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

from hub_helpers import T0, answer, calls, device, end, ring, team

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.serving.replay import state_at
from ringmon.hub.storage.checkpoints import SnapshotFiller, fill_gaps
from ringmon.hub.storage.database import DB_FILE, Storage
from ringmon.model.schema import Event, parse_event
from ringmon.model.snapshot_writer import snapshot_json
from ringmon.model.state import State

HOUR = 3600.0
TZ = "Europe/Warsaw"
LATER = T0.timestamp() + 2 * 86_400.0


def morning() -> list[Event]:
    events = list(team())
    for hour in range(5):
        base = hour * HOUR
        events += [
            device(base + 100, "sip201", "c1", ("offline", "online")[hour % 2]),
            ring(base + 200, f"h{hour}/sip101", "sip101", "c1"),
            answer(base + 230, f"h{hour}/sip101"),
            end(base + 1900, f"h{hour}/sip101"),
            *calls(2, start=base + 2000, login="sip201"),
        ]
    return sorted(events, key=lambda e: e.ts)


async def stored(folder: Path, *, loading: bool) -> Hub:
    """A hub that stored the morning, flushing after each event (as a live hub would, one
    event per flush); ``loading``: a source catching up the whole time."""
    hub = Hub(folder, tz_name=TZ, clock=ManualClock(LATER))
    hub.open()
    if loading:
        hub.catching_up["sim"] = None
    for event in morning():
        assert hub.accept(event, source="sim")
        await hub.flush()
    return hub


def kept_bodies(storage: Storage) -> list[tuple[int, float, str]]:
    out = []
    for seq, at in storage.snapshot_times():
        found = storage.snapshot_before(at)
        assert found is not None and found[0] == seq
        out.append(found)
    return out


def every_snapshot(folder: Path) -> list[tuple[int, float, bytes]]:
    """Every snapshot stored, (seq, at, body) (several may share a time: the event rule)."""
    with sqlite3.connect(folder / DB_FILE) as db:
        rows = db.execute("SELECT seq, at, body FROM snapshots ORDER BY seq").fetchall()
    return [(seq, at, zlib.decompress(body)) for seq, at, body in rows]


def from_every_event(storage: Storage, hub: Hub, at: float) -> bytes:
    state = State(hub.tz)
    for rows in storage.iter_events(0):
        for _, body in rows:
            event = parse_event(body)
            if event.ts.timestamp() <= at:
                state.apply(event)
    return snapshot_json(state, at, 1.0, TZ)


async def test_the_days_loaded_while_catching_up_get_their_hours(tmp_path: Path) -> None:
    live = await stored(tmp_path / "live", loading=False)
    loaded = await stored(tmp_path / "loaded", loading=True)
    assert live.storage is not None and loaded.storage is not None
    hourly = kept_bodies(live.storage)
    assert len(hourly) == 5 and len(loaded.storage.snapshot_times()) == 1
    # The source catches up; the store goes on hourly from the next event.
    loaded.caught_up("sim")
    assert loaded.accept(device(5 * HOUR + 60, "sip101", "c1", "offline"), source="sim")
    await loaded.flush()
    assert len(loaded.storage.snapshot_times()) == 2

    written = fill_gaps(loaded.storage, loaded.tz, TZ, HOUR)
    assert written == 4
    filled = kept_bodies(loaded.storage)
    assert filled[:-1] == hourly  # the store's own snapshots, to the byte
    assert fill_gaps(loaded.storage, loaded.tz, TZ, HOUR) == 0  # nothing left to fill

    for minutes in (5, 61, 125, 239, 299):
        at = T0.timestamp() + minutes * 60
        replayed = state_at(loaded.storage, 0, None, at, loaded.tz)
        assert snapshot_json(replayed, at, 1.0, TZ) == from_every_event(loaded.storage, loaded, at)
    await live.stop()
    await loaded.stop()


async def test_a_folder_from_before_snapshots_gets_them(tmp_path: Path) -> None:
    hub = await stored(tmp_path, loading=False)
    assert hub.storage is not None
    hourly = kept_bodies(hub.storage)
    await hub.stop()
    # Made by a version before snapshots: none but the one the new version takes on its
    # first flush (here: the newest).
    with sqlite3.connect(tmp_path / DB_FILE) as db:
        db.execute("DELETE FROM snapshots WHERE seq < ?", (hourly[-1][0],))
    again = Hub(tmp_path, tz_name=TZ, clock=ManualClock(LATER))
    again.open()
    assert again.storage is not None and len(again.storage.snapshot_times()) == 1
    assert fill_gaps(again.storage, again.tz, TZ, HOUR) == len(hourly) - 1
    assert kept_bodies(again.storage) == hourly
    await again.stop()


async def test_rounds_go_on_from_the_state_they_ended_with(tmp_path: Path) -> None:
    """The stretch after the newest snapshot, filled a round at a time as events come (the
    state kept between rounds), gets the very snapshots one round over all of it writes."""
    events = morning()
    half = len(events) // 2
    rounds = Hub(tmp_path / "rounds", tz_name=TZ, clock=ManualClock(LATER))
    rounds.open()
    assert rounds.storage is not None
    filler = SnapshotFiller(rounds.storage, rounds.tz, TZ, HOUR, 4, share=1.0)
    for part in (events[:half], events[half:]):
        for event in part:
            assert rounds.accept(event, source="sim")
            await rounds.flush()
        filler.fill()
    assert filler._held is not None and filler._held[0] == rounds.seq
    once = await stored(tmp_path / "once", loading=False)
    assert once.storage is not None
    assert fill_gaps(once.storage, once.tz, TZ, HOUR, every=4) > 0
    assert every_snapshot(tmp_path / "rounds") == every_snapshot(tmp_path / "once")
    for minutes in (5, 61, 125, 239, 299):
        at = T0.timestamp() + minutes * 60
        replayed = state_at(rounds.storage, 0, None, at, rounds.tz)
        assert snapshot_json(replayed, at, 1.0, TZ) == from_every_event(rounds.storage, rounds, at)
    await rounds.stop()
    await once.stop()
