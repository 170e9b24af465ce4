"""SimSource.run against a fake hub: backfill, live pacing by the hub's clock, resume."""

from __future__ import annotations

from datetime import timedelta
from itertools import islice, pairwise

import pytest
from sim_helpers import MONDAY, WARSAW, FakeSink, Stop, midnight, replay

from ringmon.model.schema import AccountUpsert, DeviceStatus, EmployeeUpsert, dump_event
from ringmon.model.state import State
from ringmon.sources.base import RecordingSource
from ringmon.sources.sim import SimSource, simulate
from ringmon.sources.sim.source import resolve_tz

EMPLOYEES = 25
NOW = midnight(MONDAY + timedelta(days=2)) + 10.5 * 3600  # Wednesday 10:30


async def run_until(source: SimSource, sink: FakeSink) -> None:
    with pytest.raises(Stop):
        await source.run(sink)


async def test_fresh_hub_gets_backfill_then_live_events() -> None:
    source = SimSource(employees=EMPLOYEES, seed=11, backfill_days=2)
    sink = FakeSink(start=NOW, stop_at=NOW + 2 * 3600)
    await run_until(source, sink)
    assert sink.rejected == []
    events = [event for _, event in sink.emitted]
    start = midnight(MONDAY)  # two days before Wednesday, at local midnight
    assert events[0].ts.timestamp() == start
    assert sum(1 for e in events if isinstance(e, EmployeeUpsert)) == EMPLOYEES
    # Backfill up to "now" without waiting, then each live event only once its time came.
    backfill = [e for clock, e in sink.emitted if clock == NOW and e.ts.timestamp() <= NOW]
    assert len(backfill) > 1000
    assert all(event.ts.timestamp() <= clock for clock, event in sink.emitted)
    live = [(clock, e) for clock, e in sink.emitted if e.ts.timestamp() > NOW]
    assert len(live) > 50
    assert all(clock == e.ts.timestamp() for clock, e in live)
    assert sink.sleeps == sorted(sink.sleeps) and all(at > NOW for at in sink.sleeps)
    # Exactly what simulate() gives for the same window.
    expected = [dump_event(e) for e in simulate(EMPLOYEES, 11, start, NOW + 2 * 3600, WARSAW)]
    assert [dump_event(e) for e in events] == expected
    assert source.emitted == len(events) and source.rejected == 0


async def test_restart_resumes_after_the_last_stored_event() -> None:
    first = FakeSink(start=NOW, stop_at=NOW + 3600)
    await run_until(SimSource(employees=EMPLOYEES, seed=11, backfill_days=2), first)
    last = max(e.ts.timestamp() for _, e in first.emitted)
    before = {key: d.registration for key, d in first.state.devices.items()}
    # The hub restarts 40 minutes later on its stored data (its state carried over).
    second = FakeSink(
        start=NOW + 3600 + 2400, stop_at=NOW + 4 * 3600, stored_last=last, state=first.state
    )
    await run_until(SimSource(employees=EMPLOYEES, seed=11, backfill_days=2), second)
    assert second.rejected == []
    resumed = [e for _, e in second.emitted]
    assert resumed and all(e.ts.timestamp() > last for e in resumed)
    # Re-upserts and the devices' current status (idempotent: no status changes), then the
    # continuation of the very same stream.
    first_ts = resumed[0].ts
    head = [e for e in resumed if e.ts == first_ts]
    assert sum(1 for e in head if isinstance(e, EmployeeUpsert)) == EMPLOYEES
    whole = simulate(EMPLOYEES, 11, midnight(MONDAY), NOW + 4 * 3600, WARSAW)
    expected = [dump_event(e) for e in whole if e.ts.timestamp() > last]
    got = [dump_event(e) for e in resumed]
    prefix = got[: len(got) - len(expected)]
    assert got[len(prefix) :] == expected
    assert all(
        isinstance(e, EmployeeUpsert | AccountUpsert | DeviceStatus) and e.ts == first_ts
        for e in resumed[: len(prefix)]
    )
    assert any(isinstance(e, DeviceStatus) for e in resumed[: len(prefix)])
    for event in resumed[: len(prefix)]:
        if isinstance(event, DeviceStatus):
            assert before[(event.account, event.device)] == event.status


async def test_restart_after_a_long_outage_starts_the_window_afresh() -> None:
    first = FakeSink(start=NOW, stop_at=NOW + 3600)
    await run_until(SimSource(employees=EMPLOYEES, seed=11, backfill_days=1), first)
    last = max(e.ts.timestamp() for _, e in first.emitted)
    later = NOW + 5 * 86400
    second = FakeSink(start=later, stop_at=later + 3600, stored_last=last, state=first.state)
    await run_until(SimSource(employees=EMPLOYEES, seed=11, backfill_days=1), second)
    assert second.rejected == []
    window_start = midnight(MONDAY + timedelta(days=6))
    assert second.emitted[0][1].ts.timestamp() == window_start
    # Every device of the roster says where it stands, offline ones included.
    devices = {(d.account, d.device) for d in second.state.devices.values()}
    assert len(devices) >= EMPLOYEES


async def test_time_zone_comes_from_the_hub_when_not_given() -> None:
    utc_sink = FakeSink(start=NOW, stop_at=NOW + 60, tz=None)
    source = SimSource(employees=5, seed=1, backfill_days=0, tz="UTC")
    assert source.tz_for(utc_sink).utcoffset(None) is not None
    sink = FakeSink(start=NOW, stop_at=NOW + 60)
    await run_until(SimSource(employees=5, seed=1, backfill_days=0), sink)
    assert sink.emitted[0][1].ts.timestamp() == midnight(MONDAY + timedelta(days=2))


def test_sim_source_is_a_recording_source() -> None:
    source = SimSource(employees=3)
    assert isinstance(source, RecordingSource)
    assert source.name == "sim"
    assert source.recording("file:x") is None
    assert source.recording("sim:c1-2-3/sip1001#42") is not None


def test_backfill_of_a_week_applies_cleanly_across_dst() -> None:
    """The week of the spring DST change (29 March 2026 in Warsaw)."""
    start = midnight(MONDAY + timedelta(days=7))
    events = list(simulate(40, 4, start, start + 7 * 86400, WARSAW))
    assert replay(events, State(WARSAW, record=True)) == []


def test_time_zone_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_tz("Europe/Warsaw") == WARSAW
    assert resolve_tz(WARSAW) is WARSAW
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert str(resolve_tz(None)) == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "No/Such_Zone")
    assert resolve_tz(None) is not None  # falls back to /etc/localtime or UTC


def test_resume_says_who_is_registered_at_the_hubs_now() -> None:
    """Restarted between two events: the re-upserts and devices come at once, at "now"."""
    source = SimSource(employees=EMPLOYEES, seed=11, backfill_days=2)
    whole = list(simulate(EMPLOYEES, 11, midnight(MONDAY), NOW, WARSAW))
    times = sorted({e.ts.timestamp() for e in whole})
    gaps = [(a, b) for a, b in pairwise(times) if b - a > 2 and a > NOW - 86400]
    last, following = gaps[0]
    now = (last + following) / 2
    resumed = list(islice(source.events(now, last, WARSAW), 400))  # the stream is endless
    head = [at for at, e in resumed if isinstance(e, EmployeeUpsert | AccountUpsert | DeviceStatus)]
    assert head[0] == now
    assert resumed[0][0] == now and all(at > last for at, _ in resumed[:200])
