"""What a snapshot of the PBX holds, read on every (re)connect (built by the source from
ARI + AMI, or AMI alone; a tap file's ``snapshot`` line holds one). Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ringmon.sources.asterisk.queues import QueueMemberInfo


@dataclass(frozen=True, slots=True)
class ContactInfo:
    endpoint: str
    uri: str
    status: str
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    id: str
    name: str
    state: str
    linkedid: str | None = None
    dialled: bool = False
    """True when Asterisk rang this channel (ARI ``dialplan.app_name`` ``AppDial``)."""
    caller_number: str = ""
    connected_number: str = ""
    connected_name: str = ""
    exten: str = ""


@dataclass(slots=True)
class Snapshot:
    """The PBX right now, as read on (re)connect."""

    endpoints: dict[str, tuple[str, str]] = field(default_factory=dict)
    """endpoint name -> (caller-id name, caller-id number), either may be empty."""
    contacts: list[ContactInfo] = field(default_factory=list)
    device_states: dict[str, str] = field(default_factory=dict)
    presence: dict[str, str] = field(default_factory=dict)
    channels: list[ChannelInfo] = field(default_factory=list)
    queue_members: list[QueueMemberInfo] = field(default_factory=list)
    """Every member of every queue (AMI ``QueueStatus``); empty without app_queue."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """Back from ``dataclasses.asdict`` (a tap file's ``snapshot`` line)."""
        return cls(
            endpoints={k: (str(v[0]), str(v[1])) for k, v in data.get("endpoints", {}).items()},
            contacts=[ContactInfo(**c) for c in data.get("contacts", [])],
            device_states=dict(data.get("device_states", {})),
            presence=dict(data.get("presence", {})),
            channels=[ChannelInfo(**c) for c in data.get("channels", [])],
            queue_members=[QueueMemberInfo(**m) for m in data.get("queue_members", [])],
        )
