"""ringmon: a live terminal monitor of call-center employees' telephony presence."""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client (click, rich.progress, pygments: a tenth of the TUI's
# start) as it is imported, unless that import fails, which httpx expects. ringmon never runs
# httpx's CLI: mark its module missing before anything imports httpx.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
