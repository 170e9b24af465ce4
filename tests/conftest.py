"""Shared test settings: hypothesis runs deterministic and without deadlines, so that a
property test gives the same verdict on every machine and every run."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("ringmon", derandomize=True, deadline=None, database=None)
settings.load_profile("ringmon")
