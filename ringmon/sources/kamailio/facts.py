"""What Kamailio tells about contacts and calls, read into plain values: pure.

``Contact`` is one registered contact (from an evapi fact or ``ul.dump``), ``Dialog`` a call in
progress as ``dlg.list`` shows it with the variables ringmon.cfg keeps. ``value_text`` turns
Kamailio's spellings of "nothing" (``<null>``, ``[not set]``) into ``""``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ringmon.sources.caller_name import sip_display_name
from ringmon.sources.ids import cap_id

_NULLS = frozenset({"", "<null>", "[not set]", "null", "None"})
OWNED_DEVICE_PREFIXES = ("sip:", "sips:", "urn:", "h:")
"""Device ids this source makes (contact URIs, instance URNs, digests)."""


def value_text(value: object) -> str:
    """A Kamailio string value, with its spellings of "nothing" turned into ``""``."""
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text in _NULLS else text


@dataclass(frozen=True, slots=True)
class Contact:
    """One registered contact of an AOR, as usrloc keeps it."""

    aor: str
    ruid: str
    addr: str
    user_agent: str = ""
    instance: str = ""
    received: str = ""

    @property
    def device(self) -> str:
        """The ringmon device id: the instance (without ``<>``) or the contact URI."""
        instance = self.instance.strip("<>")
        return cap_id(instance or self.addr or self.ruid)

    def hostport(self) -> str:
        """``host:port`` of the contact URI (or the received address), for matching sources."""
        uri = self.received or self.addr
        rest = uri.split(":", 1)[1] if ":" in uri else uri
        rest = rest.split("@", 1)[-1]
        return rest.split(";", 1)[0].split(">", 1)[0]

    @classmethod
    def from_fact(cls, aor: str, data: Mapping[str, Any]) -> Contact:
        """From an evapi ``contacts``/``expired`` item (lower-case keys)."""
        return cls(
            aor=aor,
            ruid=value_text(data.get("ruid")),
            addr=value_text(data.get("addr")),
            user_agent=value_text(data.get("ua")),
            instance=value_text(data.get("instance")),
            received=value_text(data.get("received")),
        )

    @classmethod
    def from_ul_dump(cls, aor: str, data: Mapping[str, Any]) -> Contact:
        """From a ``ul.dump`` JSON-RPC contact (Kamailio's capitalised keys)."""
        return cls(
            aor=aor,
            ruid=value_text(data.get("Ruid")),
            addr=value_text(data.get("Address")),
            user_agent=value_text(data.get("User-Agent")),
            instance=value_text(data.get("Instance")),
            received=value_text(data.get("Received")),
        )


@dataclass(frozen=True, slots=True)
class Dialog:
    """A call in progress as ``dlg.list`` shows it, with the variables ringmon.cfg keeps."""

    callid: str
    state: int
    caller: str
    callee: str
    located: bool
    ring_ts: float | None
    answer_ts: float | None
    ruid: str
    caller_name: str = ""
    """The caller's display name (P-Asserted-Identity's, else From's), as the INVITE said."""
    callee_name: str = ""
    """The To header's display name."""

    @property
    def confirmed(self) -> bool:
        return self.state in (3, 4)

    @classmethod
    def from_dlg_list(cls, data: Mapping[str, Any]) -> Dialog | None:
        """One ``dlg.list`` item; None for a dialog that ringmon.cfg did not mark."""
        variables: dict[str, str] = {}
        for item in data.get("variables") or []:
            if isinstance(item, Mapping):
                variables.update({str(k): value_text(v) for k, v in item.items()})
        if "rm_ring" not in variables:
            return None
        return cls(
            callid=value_text(data.get("call-id")),
            state=int(data.get("state") or 0),
            caller=variables.get("rm_from", ""),
            callee=variables.get("rm_to", ""),
            located=variables.get("rm_loc") == "1",
            ring_ts=value_float(variables.get("rm_ring")),
            answer_ts=value_float(variables.get("rm_answer")),
            ruid=variables.get("rm_ruid", ""),
            caller_name=display_name(variables.get("rm_pai", ""), variables.get("rm_fname", "")),
            callee_name=display_name(variables.get("rm_tname", "")),
        )


def display_name(*headers: object) -> str:
    """The first display name that ``headers`` carry (each a SIP ``name-addr``, a header with
    several, or a display name alone, as ringmon.cfg relays ``$fn`` and ``$tn``): so
    ``display_name(pai, from_name)`` prefers P-Asserted-Identity's name, the one the network
    vouches for, to the one the caller's phone wrote in From."""
    for header in headers:
        name = sip_display_name(value_text(header))
        if name:
            return name
    return ""


def value_float(value: object) -> float | None:
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return None
