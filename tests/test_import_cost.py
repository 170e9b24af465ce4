"""The TUI's imports leave out what it never runs: httpx's command-line client (click,
pygments, rich.progress), which ``import httpx`` would load but for ``ringmon/__init__.py``;
and what it does not need before its first rows: httpx itself."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from ringmon.hub.server import HubConfig, running_hub
from ringmon.model.schema import EmployeeUpsert

NEVER_RUN = ("click", "pygments")


def test_the_tui_does_not_import_httpx_command_line_client() -> None:
    code = (
        "import sys, ringmon.app, httpx\n"
        f"print(sorted(m for m in {NEVER_RUN!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


START = """
import argparse, sys
import ringmon.app, ringmon.screens.board
from ringmon.feed.early_snapshot import EarlySnapshot

early = EarlySnapshot(argparse.Namespace(url=sys.argv[1], token_file=sys.argv[2], tz=None, at=None))
early.start()
found = early.future.result(timeout=60)
print(found is not None and len(found.snapshot.state.employees), "httpx" in sys.modules)
"""


async def test_the_tui_gets_its_first_snapshot_without_httpx(tmp_path: Path) -> None:
    """httpx (with httpcore, h11, anyio: a tenth of the start's CPU) comes with the first REST
    call after the first rows, not before: the App's and the board's imports leave it out, and
    the early snapshot, against a real hub, goes without it."""
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="UTC")
    async with running_hub(config, sources=[]) as server:
        hub = server.hub
        assert hub.tokens is not None
        await hub.emit(EmployeeUpsert(ts=datetime.now(UTC), id="e1", name="Anna"), source="t")
        token_file = tmp_path / "token"
        token_file.write_text(hub.tokens.add("alice", "analyst"))
        settings = tmp_path / "config.toml"
        settings.write_text("")  # none of the machine's settings
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            START,
            server.url,
            str(token_file),
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "RINGMON_CONFIG": str(settings)},
        )
        out, _ = await asyncio.wait_for(child.communicate(), 120)
    assert out.decode().split() == ["1", "False"]
