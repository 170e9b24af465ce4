"""Per-status time limits: which rows are past a configured time in their status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ringmon.model.board_rows import Row
from ringmon.model.status import Status


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """Per-status time limits in seconds (None: no limit). Off by default. (The settings'
    section that sets them is ``ringmon.config.Thresholds``.)"""

    talking: float | None = None
    ringing: float | None = None
    online: float | None = None
    dnd: float | None = None
    offline: float | None = None

    @property
    def enabled(self) -> bool:
        return any(
            v is not None for v in (self.talking, self.ringing, self.online, self.dnd, self.offline)
        )

    def limit(self, status: Status) -> float | None:
        value: float | None = getattr(self, status.value)
        return value

    def over(self, row: Row, now: float) -> bool:
        """Is the row past a limit: its status's, or the ringing one while a call rings?"""
        limit = self.limit(row.status)
        if limit is not None and now - row.since > limit:
            return True
        return (
            self.ringing is not None
            and row.ringing_since is not None
            and now - row.ringing_since > self.ringing
        )

    @classmethod
    def from_config(cls, source: Mapping[str, object] | None) -> TimeLimits:
        """From the settings' ``[thresholds]`` as a mapping by status name; values are
        seconds, ``timedelta``s, or None/0 for no limit. A name that is not a status (a
        typo) is an error, never a limit silently left off."""
        if not source:
            return cls()
        values: dict[str, float | None] = {}
        for name, raw in source.items():
            if name not in LIMITED:
                raise ValueError(f"{name!r} is not a status with a time limit")
            if raw is not None and hasattr(raw, "total_seconds"):
                raw = raw.total_seconds()
            values[name] = float(raw) if isinstance(raw, int | float) and raw else None
        return cls(**values)


LIMITED = ("talking", "ringing", "online", "dnd", "offline")
"""The statuses (and ringing) that a time limit may be set for."""
