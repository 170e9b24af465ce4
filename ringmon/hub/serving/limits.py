"""The hub's connection limits and timeouts: the settings (``ringmon hub`` options of the same
names). What each one bounds and how is in ``hub/serving/guards.py`` and docs/feed-protocol.md
("Limits and timeouts"). Beside them, the bounds of what the hub keeps and accepts. No import
of uvicorn here: the CLI reads the defaults for its help.
"""

from __future__ import annotations

from dataclasses import dataclass

RETENTION_DAYS = 35
"""Default of ``--retention-days``: how many days of events the hub keeps."""
MAX_FUTURE_SKEW = 300.0
"""Default of ``--max-future-skew``: how far ahead of the hub's clock an arriving event's
``ts`` may be (a PBX whose clock runs a few minutes fast); one further ahead is ``future``."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The hub's connection limits and timeouts (the ``ringmon hub`` options of the same
    names; seconds, bytes)."""

    header_timeout: float = 10.0
    # Longer than HTTP clients keep an idle pooled connection (httpx 5 s, aiohttp 15 s): at
    # 5 s, as httpx, the hub closed a kept-alive connection just as a pusher reused it and the
    # request got a reset, not an answer (nginx's keepalive_timeout is 75 s for this reason).
    idle_timeout: float = 75.0
    send_timeout: float = 10.0
    max_connections: int = 1000
    max_header_bytes: int = 16 * 1024
    ws_ping_interval: float = 20.0
    ws_ping_timeout: float = 20.0
    ws_max_message: int = 64 * 1024
    client_queue_bytes: int = 8 * 2**20

    def problems(self) -> list[str]:
        """Sentences about settings that cannot work (empty when all is well)."""
        out = []
        for name in ("header_timeout", "idle_timeout", "send_timeout", "ws_ping_timeout"):
            if not getattr(self, name) > 0:
                out.append(f"--{name.replace('_', '-')} must be a positive number of seconds")
        if not self.ws_ping_interval > 0:
            out.append("--ws-ping-interval must be a positive number of seconds")
        if self.max_connections < 1:
            out.append("--max-connections must be at least 1")
        if self.max_header_bytes < 1024:
            out.append("--max-header-bytes must be at least 1024")
        if self.client_queue_bytes < 64 * 1024:
            out.append("--client-queue-mb must be at least 0.0625 (64 KiB)")
        return out
