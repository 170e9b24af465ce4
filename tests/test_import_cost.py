"""The TUI's imports leave out what it never runs: httpx's command-line client (click,
pygments, rich.progress), which ``import httpx`` would load but for ``ringmon/__init__.py``."""

from __future__ import annotations

import subprocess
import sys

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
