"""Events from the future (issue 9, item 1), on real hubs on loopback.

- The 2999 case exactly: a hub with the simulator at speed 60 and 2 days of backfill; one
  ``employee.upsert`` dated 2999-01-01 pushed with a ``source`` token is refused as
  ``future``; the simulator goes on storing, fresh pushes are taken, and after a restart
  retention prunes nothing.
- A PBX whose clock is 4 minutes ahead, or 4 minutes behind, loses nothing; 6 minutes ahead
  (past the 300 s default skew) is refused as ``future``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.server import HubConfig, running_hub


async def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


async def push(client: httpx.AsyncClient, token: str, body: Any) -> httpx.Response:
    return await client.post(
        "/v1/ingest", content=json.dumps(body), headers={"Authorization": f"Bearer {token}"}
    )


async def test_the_year_2999_is_refused_and_takes_nothing_over(tmp_path: Path) -> None:
    config = HubConfig(
        data=tmp_path / "data",
        port=0,
        sources=("sim",),
        tz="UTC",
        employees=8,
        backfill_days=2,
        speed=60.0,
    )
    async with running_hub(config) as server:
        hub = server.hub
        assert hub.tokens is not None
        token = hub.tokens.add("crm", "source")
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            # Pushed as soon as the hub listens: the simulator is backfilling, or has.
            far = {"type": "employee.upsert", "ts": "2999-01-01T00:00:00Z", "id": "px", "name": "P"}
            refused = await push(client, token, far)
            assert refused.status_code == 422, refused.text
            message = refused.json()["errors"][0]["message"]
            assert "ahead of the hub's clock" in message and "--max-future-skew" in message
            assert hub.health()["rejected"]["by_kind"] == {"future": 1}
            assert "px" not in hub.state.employees
            # The simulator goes on storing: its whole backfill, none of it stale...
            # (today through the live path, then the past days in bulk, numbered before it)
            await wait_for(lambda: hub.is_caught_up and hub.history_progress() is None)
            assert hub.counters.events > 500
            assert hub.state.clock <= hub.clock_now()
            # ...and a fresh push is taken.
            fresh = {**far, "ts": iso(hub.clock_now())}
            taken = await push(client, token, fresh)
            assert taken.status_code == 200, taken.text
            health = hub.health()
            assert health["rejected"]["by_kind"] == {"future": 1}, health["rejected"]
            assert health["now"] < "2027"
        await hub.flush()
        assert hub.storage is not None
        stored = hub.storage.count_events()
        assert stored == hub.counters.events
    async with running_hub(config) as again:
        hub = again.hub
        assert hub.storage is not None
        assert await hub.prune() == 0
        assert hub.base_seq == 0 and hub.storage.count_events() >= stored
        assert hub.clock_now() < datetime(2027, 1, 1, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("offset", [+240.0, -240.0], ids=["4 min ahead", "4 min behind"])
async def test_a_pbx_four_minutes_off_loses_nothing(tmp_path: Path, offset: float) -> None:
    """A PBX whose clock is 4 minutes off, beside a source on the hub's time: every event of
    both is stored (the later ones clamped to the newest time, within the 300 s stale
    window); 6 minutes ahead is past the skew and refused as ``future``."""
    start = datetime(2026, 3, 24, 9, 0, tzinfo=UTC).timestamp()
    clock = ManualClock(start)
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="UTC")
    async with running_hub(config, clock=clock, sources=[]) as server:
        hub: Hub = server.hub
        assert hub.tokens is not None
        pbx, crm = hub.tokens.add("pbx", "source"), hub.tokens.add("crm", "source")
        staff = [
            {"type": "employee.upsert", "ts": iso(start), "id": "e1", "name": "Anna"},
            {"type": "account.upsert", "ts": iso(start), "login": "sip1", "employee": "e1"},
        ]

        def status(skew: float, state: str) -> dict[str, Any]:
            return {
                "type": "device.status",
                "ts": iso(clock.now() + skew),
                "account": "sip1",
                "device": "d1",
                "status": state,
            }

        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            assert (await push(client, crm, staff)).status_code == 200
            for _ in range(5):
                clock.advance(60)
                off = await push(client, pbx, status(offset, "online"))
                assert off.status_code == 200, off.text
                on_time = await push(client, crm, {**staff[0], "ts": iso(clock.now())})
                assert on_time.status_code == 200, on_time.text
            too_far = await push(client, pbx, status(+360, "online"))
            assert too_far.status_code == 422
            assert "360 s ahead" in too_far.json()["errors"][0]["message"]
        assert hub.seq == 2 + 2 * 5
        assert hub.health()["rejected"]["by_kind"] == {"future": 1}
