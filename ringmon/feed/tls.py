"""TLS for the clients of a hub (the TUI's feed and REST calls, ``ringmon export``).

An ``https://`` hub is checked against the system's CAs, or against a private CA given with
``--ca FILE`` or ``RINGMON_CA`` (a PEM file of the CA's certificate). One ``ssl.SSLContext`` is
built per CA file and handed to httpx (``verify=``) and to websockets (``ssl=``). A plain
``http://`` hub needs no context (building one costs ~0.1 s at start).
"""

from __future__ import annotations

import functools
import os
import ssl
from pathlib import Path
from typing import TypedDict

ENV = "RINGMON_CA"

_ca: str | None = None


class TlsError(ValueError):
    """A CA file that cannot be used; the message says which and why."""


def configure(ca: str | os.PathLike[str] | None) -> None:
    """Use ``ca`` (else ``RINGMON_CA``) for every https hub of this process; loaded now, so a
    bad file is reported at start. Raises ``TlsError``."""
    global _ca
    path = os.fspath(ca) if ca is not None else os.environ.get(ENV) or None
    if path is not None:
        _context(str(Path(path).expanduser()))
        path = str(Path(path).expanduser())
    _ca = path


@functools.cache
def _context(cafile: str | None) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=cafile)
    except FileNotFoundError:
        raise TlsError(f"the CA file {cafile} does not exist (--ca / {ENV})") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise TlsError(
            f"cannot use {cafile} as a CA (--ca / {ENV}): it must be a PEM certificate ({exc})"
        ) from None


def client_tls(url: str) -> ssl.SSLContext | bool:
    """What httpx takes as ``verify=`` for ``url``: False for plain http, else a context that
    trusts the configured CA (or the system's)."""
    if not url.lower().startswith(("https:", "wss:")):
        return False
    return _context(_ca)


class WebSocketTls(TypedDict, total=False):
    ssl: ssl.SSLContext


def websocket_tls(url: str) -> WebSocketTls:
    """The keyword arguments for websockets' ``connect`` (``ssl=`` for a wss URL)."""
    context = client_tls(url)
    return {"ssl": context} if isinstance(context, ssl.SSLContext) else {}
