"""ringmon: a live terminal monitor of call-center employees' telephony presence."""

import sys

__version__ = "0.1.0"

# Why this stays (there is no cleaner hook): httpx's own ``__init__`` runs
# ``from ._main import main`` (its command-line client: click, pygments, rich.progress and
# rich.syntax, some 8% of the TUI's import CPU) inside ``try/except ImportError``, as httpx
# is imported, whoever imports it. No lazy import on ringmon's side avoids it: the TUI needs
# httpx for its REST calls (after its first rows: ringmon.hub_client), and httpx has no switch
# for it. ringmon never runs httpx's CLI, so its module is marked missing before anything
# imports httpx (httpx then defines a ``main`` that says the CLI is not installed).
# tests/test_import_cost.py pins that the TUI does not load that CLI.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
