"""Source ``asterisk``: a live Asterisk PBX through ARI (REST + WebSocket) and AMI.

``ringmon hub --source 'asterisk:ari=http://HOST:8088,ami=HOST:5038'``; credentials from
``credentials=FILE`` or the environment (see ``config.py`` and docs/sources/asterisk.md).
"""

from __future__ import annotations

from ringmon.sources.asterisk.config import AsteriskConfig, AsteriskConfigError, parse_spec
from ringmon.sources.asterisk.source import AsteriskSource


def asterisk_source(spec: str) -> AsteriskSource:
    """The source for a ``--source asterisk...`` spec; AsteriskConfigError when it cannot work."""
    return AsteriskSource(parse_spec(spec))


__all__ = [
    "AsteriskConfig",
    "AsteriskConfigError",
    "AsteriskSource",
    "asterisk_source",
    "parse_spec",
]
