"""Ids and times as the SIP sources (Kamailio, FreeSWITCH) make them for the feed."""

from __future__ import annotations

import hashlib

from ringmon.model.schema import Direction
from ringmon.model.wire import to_dt

__all__ = ["MAX_ID", "cap_id", "leg_id", "to_dt"]

MAX_ID = 200
"""The schema's longest id; longer SIP identifiers are replaced by a digest."""


def cap_id(value: str) -> str:
    """``value`` if it fits the schema's id length, else a stable digest of it."""
    if len(value) <= MAX_ID:
        return value
    return "h:" + hashlib.sha256(value.encode()).hexdigest()[:40]


def leg_id(callid: str, direction: Direction, login: str) -> str:
    """The leg of ``login`` in call ``callid``: ``CALLID/in/LOGIN`` or ``CALLID/out/LOGIN``."""
    return cap_id(f"{callid}/{direction.value}/{login}")
