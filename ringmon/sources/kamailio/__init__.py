"""Source ``kamailio``: a Kamailio proxy/registrar, through evapi and JSON-RPC over HTTP.

Spec: ``kamailio:HOST:PORT[,rpc=URL|none][,unknown=add|skip]`` where HOST:PORT is evapi's
``bind_addr`` and ``rpc`` the JSON-RPC URL (default ``http://HOST:5080/RPC``). See
docs/sources/kamailio.md and contrib/kamailio/.
"""

from __future__ import annotations

from ringmon.sources.address import host_port
from ringmon.sources.kamailio.mapping import Contact, Dialog, KamailioMapper
from ringmon.sources.kamailio.source import KamailioSource

DEFAULT_RPC_PORT = 5080

__all__ = ["Contact", "Dialog", "KamailioMapper", "KamailioSource", "SpecError", "parse_spec"]


class SpecError(ValueError):
    """A ``--source kamailio:...`` that cannot work; the message says why."""


def parse_spec(spec: str) -> KamailioSource:
    """A source from ``kamailio:HOST:PORT[,rpc=URL|none][,unknown=add|skip]``."""
    body = spec.removeprefix("kamailio:")
    address, *options = [part.strip() for part in body.split(",")]
    where = host_port(address)
    if where is None:
        raise SpecError(f"--source {spec}: give evapi's address, e.g. kamailio:127.0.0.1:8448")
    host, port = where
    url_host = f"[{host}]" if ":" in host else host  # an IPv6 address is bracketed in a URL
    rpc: str | None = f"http://{url_host}:{DEFAULT_RPC_PORT}/RPC"
    add_unknown = True
    for option in options:
        key, _, value = option.partition("=")
        if key == "rpc":
            if not value:
                raise SpecError(f"--source {spec}: rpc= needs a URL or none")
            rpc = None if value == "none" else value
        elif key == "unknown" and value in ("add", "skip"):
            add_unknown = value == "add"
        else:
            raise SpecError(
                f"--source {spec}: unknown option {option!r} (use rpc=URL|none, unknown=add|skip)"
            )
    if rpc is not None and not rpc.startswith(("http://", "https://")):
        raise SpecError(f"--source {spec}: rpc= must be an http:// URL, or none")
    return KamailioSource(host, port, rpc_url=rpc, add_unknown=add_unknown)
