"""Source ``freeswitch``: FreeSWITCH's Event Socket. Untested against a live server; see
docs/sources/freeswitch.md."""

from __future__ import annotations

from ringmon.sources.freeswitch.mapping import FreeswitchMapper
from ringmon.sources.freeswitch.source import FreeswitchSource, SpecError, parse_spec

__all__ = ["FreeswitchMapper", "FreeswitchSource", "SpecError", "parse_spec"]
