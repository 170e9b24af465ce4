"""Shared test settings: hypothesis runs deterministic and without deadlines, so that a
property test gives the same verdict on every machine and every run. Helpers every area uses
(waiting for a condition, a real terminal in tmux) are in tests/support/."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

settings.register_profile("ringmon", derandomize=True, deadline=None, database=None)
settings.load_profile("ringmon")
