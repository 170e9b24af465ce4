"""Several hubs on one log: the client's hub URLs, tried in turn (docs/scale-out.md).

``ringmon --url URL1,URL2`` (or ``RINGMON_URL``, or ``url`` in the config file, as a
comma-separated string or a list) names hubs that share one event log (``ringmon hub --log
nats://...``), so a ``seq`` means the same on each: a client that loses its hub goes on with
the next one and resumes with ``since`` = the last seq it applied.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_HTTP_URL = re.compile(r"^https?://[^/\s]+")


def split_hub_urls(text: str) -> tuple[str, ...]:
    """The URLs of ``URL1,URL2`` (spaces around commas and a trailing ``/`` dropped), as
    given; ``check_hub_urls`` says what is wrong with them."""
    return tuple(part.strip().rstrip("/") for part in text.split(","))


def check_hub_urls(text: str) -> tuple[str, ...]:
    """``split_hub_urls``, each an http(s) URL, none empty or twice; else a ``ValueError``
    whose message is the sentence to show."""
    urls = split_hub_urls(text)
    for url in urls:
        if not url:
            raise ValueError(f"{text!r} has an empty hub URL (URLs are separated by commas)")
        if not _HTTP_URL.match(url):
            raise ValueError(f"{url!r} is not an http:// or https:// URL")
    twice = sorted({url for url in urls if urls.count(url) > 1})
    if twice:
        raise ValueError(f"{twice[0]!r} is given twice; each hub once")
    return urls


def hub_label(url: str) -> str:
    """How the board names a hub: its host and port (``hub-b:8765``), else the URL."""
    try:
        parsed = urlsplit(url)
        port = parsed.port
    except ValueError:
        return url
    host = parsed.hostname
    if not host:
        return url
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


class HubRing:
    """The hubs, and which one the client is on; ``advance`` moves to the next in turn."""

    def __init__(self, urls: tuple[str, ...]) -> None:
        if not urls:
            raise ValueError("no hub URL")
        self.urls = urls
        self.index = 0

    def __len__(self) -> int:
        return len(self.urls)

    @property
    def current(self) -> str:
        return self.urls[self.index]

    def advance(self) -> str:
        """The next hub (the first after the last); the same one when there is only one."""
        self.index = (self.index + 1) % len(self.urls)
        return self.current
