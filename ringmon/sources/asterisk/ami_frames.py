"""AMI's channel events, in the shape of the ARI events that say the same. Pure.

In AMI-only mode (``ari=off``) the calls come from AMI. Asterisk publishes the same channel
snapshots on both interfaces (AMI headers ``Channel``, ``Uniqueid``, ``ChannelStateDesc``,
``CallerIDNum``..., a ``Dest`` prefix for the dialled side), so each AMI event is rewritten as
the ARI event it stands for and the one mapper (``mapping.py``) makes the feed events of both:

==================  ==========================================================
AMI event           ARI event it becomes
==================  ==========================================================
Newchannel          ChannelCreated
Newstate            ChannelStateChange
DialBegin           Dial (``dialstatus`` empty; ``peer`` from the Dest headers)
DialState, DialEnd  Dial (``dialstatus`` = ``DialStatus``)
Hangup              ChannelDestroyed
VarSet              ChannelVarset (only ``MIXMONITOR_FILENAME`` matters)
ContactStatus       ContactStatusChange
Newexten            nothing; ``Dial()``'s targets (below)
==================  ==========================================================

What AMI lacks: a channel's dialplan application in channel events. ARI's Dial event gives
the caller's ``Dial()`` arguments (which contacts it rings, to tell whether a ring is of one
device); here the ``Newexten`` event of the ``Dial`` step gives them (class ``dialplan``),
and without it the ``DialBegin`` events of one caller make the list, one target at a time
(Asterisk 22 may report the first target ringing before it names the second).
"""

from __future__ import annotations

from typing import Any

AMI_CHANNEL_EVENTS = frozenset(
    {
        "Newchannel",
        "Newstate",
        "DialBegin",
        "DialState",
        "DialEnd",
        "Hangup",
        "VarSet",
        "ContactStatus",
        "Newexten",
    }
)

UNKNOWN = "<unknown>"


class NotAChannelEvent(ValueError):
    """An AMI message that lacks the headers its event always has."""


def header(msg: dict[str, str], key: str) -> str:
    """A header of an AMI message; ``""`` when missing or ``<unknown>``."""
    value = msg.get(key, "")
    return "" if value == UNKNOWN else value


def channel(msg: dict[str, str], prefix: str = "", app: str = "") -> dict[str, Any]:
    """The ARI channel object of the ``prefix``-ed channel headers of ``msg``."""
    try:
        cid, name = msg[prefix + "Uniqueid"], msg[prefix + "Channel"]
        state = msg[prefix + "ChannelStateDesc"]
    except KeyError as exc:
        raise NotAChannelEvent(str(exc)) from None
    return {
        "id": cid,
        "name": name,
        "state": state,
        "caller": {
            "name": header(msg, prefix + "CallerIDName"),
            "number": header(msg, prefix + "CallerIDNum"),
        },
        "connected": {
            "name": header(msg, prefix + "ConnectedLineName"),
            "number": header(msg, prefix + "ConnectedLineNum"),
        },
        "dialplan": {
            "context": header(msg, prefix + "Context"),
            "exten": header(msg, prefix + "Exten"),
            "app_name": app,
            "app_data": "",
        },
    }


class DialTargets:
    """Per calling channel, the Dial targets its ``DialBegin`` events named so far."""

    def __init__(self) -> None:
        self._targets: dict[str, list[str]] = {}

    def dial(self, caller: str, app_data: str) -> None:
        """The ``Dial()`` of ``caller`` starts with these arguments."""
        first = app_data.split(",", 1)[0]
        self._targets[caller] = [t for t in first.split("&") if t]

    def add(self, caller: str, dialstring: str) -> str:
        """Record one more target of ``caller``; return them all as ``Dial()``'s first
        argument (``PJSIP/101/sip:...&PJSIP/101/sip:...``)."""
        targets = self._targets.setdefault(caller, [])
        target = "PJSIP/" + dialstring
        if target not in targets:
            targets.append(target)
        return "&".join(targets)

    def forget(self, caller: str) -> None:
        self._targets.pop(caller, None)

    def keep(self, callers: set[str]) -> None:
        """Forget the callers not in ``callers`` (the channels a resync found): their Hangup
        was missed while the connection was down."""
        for caller in [c for c in self._targets if c not in callers]:
            del self._targets[caller]

    def __len__(self) -> int:
        return len(self._targets)


def as_ari(msg: dict[str, str], targets: DialTargets) -> dict[str, Any] | None:
    """The ARI event that ``msg`` stands for; None for an AMI event the calls do not need
    (a VarSet of another variable). Raises NotAChannelEvent when headers are missing."""
    kind = msg.get("Event", "")
    if kind == "Newexten":
        if msg.get("Application") == "Dial" and "Uniqueid" in msg:
            targets.dial(msg["Uniqueid"], msg.get("AppData", ""))
        return None
    if kind == "Newchannel":
        return {"type": "ChannelCreated", "channel": channel(msg)}
    if kind == "Newstate":
        return {"type": "ChannelStateChange", "channel": channel(msg)}
    if kind in ("DialBegin", "DialState", "DialEnd"):
        peer = channel(msg, "Dest", app="AppDial")
        frame: dict[str, Any] = {
            "type": "Dial",
            "peer": peer,
            "dialstatus": "" if kind == "DialBegin" else msg.get("DialStatus", ""),
            "dialstring": msg.get("DialString", ""),
        }
        if "Uniqueid" in msg:  # an originated call has no calling channel
            caller = channel(msg, app="Dial")
            if kind == "DialBegin" and frame["dialstring"]:
                caller["dialplan"]["app_data"] = targets.add(caller["id"], frame["dialstring"])
            frame["caller"] = caller
        return frame
    if kind == "Hangup":
        cid = msg.get("Uniqueid")
        if cid is None:
            raise NotAChannelEvent("Uniqueid")
        targets.forget(cid)
        return {"type": "ChannelDestroyed", "channel": channel(msg)}
    if kind == "VarSet":
        if msg.get("Variable") != "MIXMONITOR_FILENAME":
            return None
        return {
            "type": "ChannelVarset",
            "variable": "MIXMONITOR_FILENAME",
            "value": msg.get("Value", ""),
            "channel": channel(msg),
        }
    if kind == "ContactStatus":
        try:
            uri, status, endpoint = msg["URI"], msg["ContactStatus"], msg["EndpointName"]
        except KeyError as exc:
            raise NotAChannelEvent(str(exc)) from None
        return {
            "type": "ContactStatusChange",
            "endpoint": {"technology": "PJSIP", "resource": endpoint},
            "contact_info": {"uri": uri, "contact_status": status, "aor": msg.get("AOR", "")},
        }
    return None
