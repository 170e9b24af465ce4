"""A hub in a process of its own (``python -m ringmon hub``) on a loopback port, for the tests
that kill it, restart it or read its output as a user would.

    process, url = await spawn_hub(data, "--source", f"file:{path}", "--tz", "UTC", wait=60)
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path


async def spawn_hub(
    data: Path, *options: str, port: int = 0, log: Path | None = None, wait: float = 60.0
) -> tuple[asyncio.subprocess.Process, str]:
    """``ringmon hub --port PORT --data DATA OPTIONS``; returns the process and its URL once it
    says it listens. Its stderr goes to ``log`` (else nowhere). ``wait`` bounds the start
    (imports alone take seconds on a loaded machine): past it the hub is killed and the test
    fails, quoting the log."""
    stderr = log.open("ab") if log is not None else None
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ringmon",
            "hub",
            "--port",
            str(port),
            "--data",
            str(data),
            *options,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr if stderr is not None else asyncio.subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    finally:
        if stderr is not None:
            stderr.close()  # the hub has its own copy
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), wait)).decode()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"the hub did not start in {wait:.0f} s{_said(log)}") from None
    assert line.startswith("listening on http://127.0.0.1:"), f"{line!r}{_said(log)}"
    return process, line.removeprefix("listening on ").strip()


def _said(log: Path | None) -> str:
    return "" if log is None else f"; its log:\n{log.read_text()}"
