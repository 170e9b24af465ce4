"""The PBX's whole picture, read on every session start (the first and after each reconnect):
endpoints, contacts with their user agents, device and presence states, queue members and
channels, from ARI and AMI, or from AMI's list actions alone (AMI-only mode). The mapper's
``resync`` turns it into what differs from what the source reported before.
"""

from __future__ import annotations

from typing import Any

from ringmon.sources.asterisk.ami import AmiClient
from ringmon.sources.asterisk.ami_frames import header
from ringmon.sources.asterisk.ari import AriClient
from ringmon.sources.asterisk.mapping import (
    AsteriskMapper,
    ChannelInfo,
    ContactInfo,
    Snapshot,
    parse_callerid,
)
from ringmon.sources.asterisk.queues import member_of


async def read_ami_snapshot(ami: AmiClient, mapper: AsteriskMapper) -> Snapshot:
    """The PBX from AMI's list actions alone (AMI-only mode)."""
    snap = Snapshot()
    for ep in await ami.collect("PJSIPShowEndpoints"):
        name = ep.get("ObjectName", "")
        if not name:
            continue
        snap.endpoints[name] = mapper.endpoints.get(name, ("", ""))
        if not snap.endpoints[name][0] and mapper.needs_callerid(name):
            snap.endpoints[name] = parse_callerid(await _ami_callerid(ami, name))
    snap.contacts = contacts_of(await ami.collect("PJSIPShowContacts"))
    await _states(ami, snap)
    for ch in await ami.collect("CoreShowChannels"):
        info = _ami_channel_info(ch)
        if info is not None:
            snap.channels.append(info)
    return snap


async def _states(ami: AmiClient, snap: Snapshot) -> None:
    """Device and presence states and queue members, from AMI (both modes)."""
    for d in await ami.collect("DeviceStateList"):
        if "Device" in d:
            snap.device_states[d["Device"]] = d.get("State", "")
    for p in await ami.collect("PresenceStateList"):
        if "Presentity" in p:
            snap.presence[p["Presentity"]] = p.get("Status", "")
    # Without app_queue AMI answers "Invalid/unknown command": no queues, no members.
    for m in await ami.collect("QueueStatus"):
        member = member_of(m) if m.get("Event") == "QueueMember" else None
        if member is not None:
            snap.queue_members.append(member)


async def read_snapshot(ari: AriClient, ami: AmiClient, mapper: AsteriskMapper) -> Snapshot:
    """The PBX from ARI (endpoints, channels) and AMI (contacts, states, queue members)."""
    snap = Snapshot()
    for ep in await ari.endpoints():
        if ep.get("technology") == "PJSIP" and isinstance(ep.get("resource"), str):
            name = ep["resource"]
            snap.endpoints[name] = mapper.endpoints.get(name, ("", ""))
            if not snap.endpoints[name][0] and mapper.needs_callerid(name):
                snap.endpoints[name] = parse_callerid(await ari.endpoint_callerid(name))
    snap.contacts = contacts_of(await ami.collect("PJSIPShowContacts"))
    await _states(ami, snap)
    linked = {
        m.get("Uniqueid", ""): m.get("Linkedid", "") for m in await ami.collect("CoreShowChannels")
    }
    for ch in await ari.channels():
        info = _channel_info(ch, linked)
        if info is not None:
            snap.channels.append(info)
    return snap


def _channel_info(ch: dict[str, Any], linked: dict[str, str]) -> ChannelInfo | None:
    try:
        cid, name, state = str(ch["id"]), str(ch["name"]), str(ch["state"])
    except KeyError:
        return None
    dialplan, caller, connected = (_obj(ch.get(k)) for k in ("dialplan", "caller", "connected"))
    return ChannelInfo(
        id=cid,
        name=name,
        state=state,
        linkedid=linked.get(cid) or None,
        dialled=dialplan.get("app_name") == "AppDial",
        caller_number=str(caller.get("number", "")),
        connected_number=str(connected.get("number", "")),
        connected_name=str(connected.get("name", "")),
        exten=str(dialplan.get("exten", "")),
    )


def contacts_of(listed: list[dict[str, str]]) -> list[ContactInfo]:
    """ContactInfo of AMI ``PJSIPShowContacts``' ``ContactList`` events."""
    return [
        ContactInfo(c["Endpoint"], c["Uri"], c.get("Status", ""), c.get("UserAgent", ""))
        for c in listed
        if c.get("Endpoint") and c.get("Uri")
    ]


async def _ami_callerid(ami: AmiClient, endpoint: str) -> str:
    """An endpoint's ``callerid`` (``"Front Desk" <200>``) from AMI ``PJSIPShowEndpoint``."""
    for detail in await ami.collect("PJSIPShowEndpoint", Endpoint=endpoint):
        if detail.get("Event") == "EndpointDetail":
            return detail.get("Callerid", "")
    return ""


def _ami_channel_info(ch: dict[str, str]) -> ChannelInfo | None:
    """A channel of AMI ``CoreShowChannels`` (``CoreShowChannel`` events)."""
    try:
        cid, name, state = ch["Uniqueid"], ch["Channel"], ch["ChannelStateDesc"]
    except KeyError:
        return None

    return ChannelInfo(
        id=cid,
        name=name,
        state=state,
        linkedid=ch.get("Linkedid") or None,
        dialled=ch.get("Application") == "AppDial",
        caller_number=header(ch, "CallerIDNum"),
        connected_number=header(ch, "ConnectedLineNum"),
        connected_name=header(ch, "ConnectedLineName"),
        exten=header(ch, "Exten"),
    )


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
