"""A network source's ``HOST:PORT`` as its spec gives it (``[::1]:PORT`` for IPv6)."""

from __future__ import annotations


def host_port(text: str, default_port: int | None = None) -> tuple[str, int] | None:
    """``text`` as (host, port): ``HOST:PORT``, or ``HOST`` alone with ``default_port`` when
    there is one; None when it is not such an address (the caller says how to write it)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        if default_port is None:
            return None
        host, port = text.strip(), str(default_port)
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return host, int(port)
