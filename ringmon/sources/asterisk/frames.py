"""Reading ARI/AMI frames: the fields the mapper needs, ids made of them. Pure."""

from __future__ import annotations

import hashlib
from typing import Any

MAX_ID = 200


class Malformed(ValueError):
    """A frame that lacks what Asterisk always sends."""


def account_of(channel_name: str) -> str | None:
    """``PJSIP/101-0000002a`` -> ``101``; None for any other technology."""
    if not channel_name.startswith("PJSIP/"):
        return None
    rest = channel_name.removeprefix("PJSIP/")
    login, sep, _ = rest.rpartition("-")
    return login if sep and login else None


def device_id(uri: str) -> str:
    """A contact's device id: its URI, or a digest of it when it is too long for an id."""
    uri = uri.strip()
    if len(uri) <= MAX_ID:
        return uri
    return "contact:" + hashlib.sha256(uri.encode()).hexdigest()[:32]


def parse_callerid(text: str) -> tuple[str, str]:
    """``"Front Desk" <200>`` -> ("Front Desk", "200")."""
    text = text.strip()
    if "<" in text and text.endswith(">"):
        name, _, number = text[:-1].rpartition("<")
        return name.strip().strip('"').strip(), number.strip()
    return "", text.strip('"')


def req_str(obj: Any, *path: str) -> str:
    """The string at ``obj[path...]``; raises Malformed when a step is missing."""
    cur = obj
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            raise Malformed("/".join(path))
        cur = cur[key]
    if not isinstance(cur, str):
        raise Malformed("/".join(path))
    return cur


def opt_str(obj: Any, *path: str) -> str:
    try:
        return req_str(obj, *path)
    except Malformed:
        return ""
