"""The ``file:`` source: resuming, rotation, a file that changed between runs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from hub_helpers import calls, jsonl, team
from hub_served import Served

from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, running_hub
from ringmon.sources.file import FileSource


async def wait_for_seq(served: Served, seq: int) -> None:
    for _ in range(500):
        if served.hub.seq >= seq:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"seq {served.hub.seq}, wanted {seq}")


async def test_a_rotated_file_is_read_from_the_top(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    events = [*team(), *calls(2)]
    path.write_text(jsonl(events[:8]))
    served.hub.add_source(FileSource(path, follow=True, poll=0.01))
    await wait_for_seq(served, 8)
    os.rename(path, tmp_path / "live.jsonl.1")
    path.write_text(jsonl(events[8:]))  # a new, shorter file: its start is new
    await wait_for_seq(served, 14)
    assert served.hub.counters.rejected_kind == {}


async def test_a_file_rewritten_between_runs_is_read_again(
    config: HubConfig, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(jsonl(team()))
    async with running_hub(config, clock=clock, sources=[FileSource(path)]) as first:
        for _ in range(500):
            if first.hub.seq == 8:
                break
            await asyncio.sleep(0.01)
    path.write_text(jsonl([*team()[:2], *calls(1, start=9000)]).replace("Anna", "Anne"))
    async with running_hub(config, clock=clock, sources=[FileSource(path)]) as second:
        for _ in range(500):
            if second.hub.source_status[f"file:{path}"].state == "done":
                break
            await asyncio.sleep(0.01)
        # Read from the top: the employees again (applied), then the call.
        assert second.hub.state.employees["e1"].name == "Anne Nowak"
        assert second.hub.seq == 8 + 5
