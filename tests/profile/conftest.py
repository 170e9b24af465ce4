"""Fixtures of the profile tests; the host App lives in profile_app.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_app import make_hub
from profile_data import FakeHub


@pytest.fixture
def hub() -> FakeHub:
    return make_hub()
