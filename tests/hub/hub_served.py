"""What the hub tests share besides fixtures: a hub served on a loopback port, and one TLS
context. (Imported by name from here: ``from conftest import`` would pick whichever folder's
conftest pytest loaded last.)"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx

from ringmon.hub.clock import ManualClock
from ringmon.hub.core import Hub
from ringmon.hub.server import HubServer


@dataclass
class Served:
    server: HubServer
    client: httpx.AsyncClient
    token: str
    clock: ManualClock

    @property
    def hub(self) -> Hub:
        return self.server.hub

    @property
    def url(self) -> str:
        return self.server.url


# One TLS context for every client: httpx builds one per client otherwise (~0.1 s each).
TLS = ssl.create_default_context()
