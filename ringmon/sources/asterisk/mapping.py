"""Asterisk's ARI and AMI events -> ringmon feed events. Pure: no I/O, no clock, no asyncio.

``AsteriskMapper`` keeps the picture of the PBX that the feed needs (contacts, DND flags,
channels, legs in progress, what it already reported) and turns each frame into the feed
events that follow from it, stamped with the time it is given. The source
(``source.py``) feeds it frames from the ARI WebSocket and AMI, and a ``Snapshot`` of the
PBX on every (re)connect; tests feed it recorded frames.

Mapping (docs/sources/asterisk.md has the full table):

- a PJSIP endpoint is a SIP account (``login`` = endpoint name); each registered contact
  (its URI) is a device; its user agent comes from AMI ``PJSIPShowContacts``;
- contact ``Reachable`` / ``NonQualified`` / ``Unknown`` / ``Created`` / ``Updated`` ->
  online, ``Unreachable`` -> offline, ``Removed`` -> offline;
- DND: device state ``Custom:DND<login>`` BUSY (FreePBX) or presence state
  ``CustomPresence:<login>`` ``dnd`` turns every reachable device of the account to ``dnd``;
- a channel ``PJSIP/<login>-xxxxxxxx`` is the account's part of a call. Rung by Asterisk
  (the peer of a ``Dial``, or created in state Down): an incoming leg that starts when it
  rings (state Ringing or Dial RINGING). Created by the device (state Ring): an outgoing leg
  from its creation. Either is answered when the channel goes Up (or Dial ANSWER) and ends
  when the last of its channels is destroyed (or the one that answered is). The channels of
  one account in one call (``PJSIP_DIAL_CONTACTS`` rings every contact) make one leg;
- the call id is the uniqueid of the channel that dialled (Asterisk's linkedid in a plain
  call); a leg id is ``<call>/<login>/<in|out>``;
- ``MIXMONITOR_FILENAME`` set on a channel of the call -> the answered legs' ``recording``
  is ``asterisk:<file name>``.

A frame that is not what Asterisk sends (not an object, a field missing or of the wrong type)
is counted in ``ignored['malformed']``; an event type this mapper does not know is counted in
``ignored['unknown']``; neither ever raises.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    Direction,
    EmployeeUpsert,
    Event,
    Registration,
)
from ringmon.model.wire import to_dt
from ringmon.sources.asterisk.ami_frames import (
    AMI_CHANNEL_EVENTS,
    DialTargets,
    NotAChannelEvent,
    as_ari,
)

RECORDING_PREFIX = "asterisk:"
UNKNOWN_EMPLOYEE_PREFIX = "asterisk:"
ONLINE_CONTACT = frozenset({"Reachable", "NonQualified", "Unknown", "Created", "Updated"})
DND_DEVICE_STATES = frozenset({"BUSY", "INUSE"})
MAX_ID = 200
PENDING_RING = 0.5
"""Seconds a ringing channel waits for the Dial event that names its call."""

# ARI events that carry nothing the feed needs: taken without a word.
ARI_QUIET = frozenset(
    {
        "ApplicationMoveFailed",
        "ApplicationReplaced",
        "ApplicationRegistered",
        "ApplicationUnregistered",
        "BridgeAttendedTransfer",
        "BridgeBlindTransfer",
        "BridgeCreated",
        "BridgeDestroyed",
        "BridgeMerged",
        "BridgeVideoSourceChanged",
        "ChannelCallerId",
        "ChannelConnectedLine",
        "ChannelDialplan",
        "ChannelDtmfReceived",
        "ChannelEnteredBridge",
        "ChannelHangupRequest",
        "ChannelHold",
        "ChannelLeftBridge",
        "ChannelToneDetected",
        "ChannelTalkingFinished",
        "ChannelTalkingStarted",
        "ChannelTransfer",
        "ChannelUnhold",
        "ChannelUserevent",
        "EndpointStateChange",
        "PeerStatusChange",
        "PlaybackContinuing",
        "PlaybackFinished",
        "PlaybackStarted",
        "RecordingFailed",
        "RecordingFinished",
        "RecordingStarted",
        "StasisEnd",
        "StasisStart",
        "TextMessageReceived",
    }
)


class Malformed(ValueError):
    """A frame that lacks what Asterisk always sends."""


# -- what a snapshot of the PBX holds (built by the source from ARI + AMI) -----------------


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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """Back from ``dataclasses.asdict`` (a tap file's ``snapshot`` line)."""
        return cls(
            endpoints={k: (str(v[0]), str(v[1])) for k, v in data.get("endpoints", {}).items()},
            contacts=[ContactInfo(**c) for c in data.get("contacts", [])],
            device_states=dict(data.get("device_states", {})),
            presence=dict(data.get("presence", {})),
            channels=[ChannelInfo(**c) for c in data.get("channels", [])],
        )


# -- the mapper's own picture ----------------------------------------------------------------


@dataclass(slots=True)
class _Chan:
    id: str
    account: str | None
    direction: Direction
    call: str
    remote: str = ""
    device: str | None = None
    leg: str | None = None
    dialled: bool = False
    """A Dial event named this channel as its peer (so ``call`` is the dialler's)."""
    sole_target: bool = False
    """The Dial that rang it rang no other contact of the same account."""
    ring_pending: float | None = None
    """It rang before its Dial event told which call it belongs to: when."""


@dataclass(slots=True)
class _Leg:
    id: str
    call: str
    account: str
    direction: Direction
    channels: set[str] = field(default_factory=set)
    answered_by: str | None = None
    answered: bool = False


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


def _str(obj: Any, *path: str) -> str:
    """The string at ``obj[path...]``; raises Malformed when a step is missing."""
    cur = obj
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            raise Malformed("/".join(path))
        cur = cur[key]
    if not isinstance(cur, str):
        raise Malformed("/".join(path))
    return cur


def _first(pending: float | None, at: float) -> float:
    return at if pending is None else pending


def _opt_str(obj: Any, *path: str) -> str:
    try:
        return _str(obj, *path)
    except Malformed:
        return ""


class AsteriskMapper:
    """Turns ARI/AMI frames into feed events; see the module docstring."""

    def __init__(
        self,
        *,
        account_known: Callable[[str], bool] | None = None,
        unknown_endpoints: bool = True,
        dnd: bool = True,
        ignore: tuple[str, ...] = (),
        ami_calls: bool = False,
    ) -> None:
        self.ami_calls = ami_calls
        """AMI-only mode: calls and contacts from AMI's channel events (``ami_frames.py``)."""
        self._dial_targets = DialTargets()
        self._account_known = account_known or (lambda login: False)
        self.unknown_endpoints = unknown_endpoints
        self.ignore = ignore
        """Glob patterns of endpoint names never shown unless the directory has them
        (trunks: ``ignore=trunk-*``)."""
        self.dnd_enabled = dnd
        self.ignored: Counter[str] = Counter()
        self.endpoints: dict[str, tuple[str, str]] = {}
        self.contacts: dict[tuple[str, str], str] = {}
        self.user_agents: dict[tuple[str, str], str] = {}
        self.dnd_custom: set[str] = set()
        self.dnd_presence: set[str] = set()
        self.reported: dict[tuple[str, str], tuple[Registration, str]] = {}
        self.created: dict[str, tuple[str, str]] = {}
        """Accounts this mapper made up an employee for: login -> (name, number)."""
        self.channels: dict[str, _Chan] = {}
        self.legs: dict[str, _Leg] = {}
        self.recordings: dict[str, str] = {}
        """call id -> MixMonitor file, while a channel of the call lives."""
        self._call_refs: Counter[str] = Counter()

    # -- entry points ---------------------------------------------------------------------

    def ari(self, frame: object, at: float) -> list[Event]:
        """One ARI WebSocket event (decoded JSON)."""
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            self.ignored["malformed"] += 1
            return []
        kind = frame["type"]
        handler = _ARI.get(kind)
        if handler is None:
            if kind not in ARI_QUIET:
                self.ignored["unknown"] += 1
            return []
        try:
            return handler(self, frame, at)
        except Malformed:
            self.ignored["malformed"] += 1
            return []

    def ami(self, frame: object, at: float) -> list[Event]:
        """One unsolicited AMI event (``{"Event": ..., header: value}``)."""
        if not isinstance(frame, dict) or not isinstance(frame.get("Event"), str):
            self.ignored["malformed"] += 1
            return []
        if self.ami_calls and frame["Event"] in AMI_CHANNEL_EVENTS:
            try:
                translated = as_ari(frame, self._dial_targets)
            except NotAChannelEvent:
                self.ignored["malformed"] += 1
                return []
            if translated is None:
                return []
            if translated["type"] == "ContactStatusChange" and frame.get("UserAgent"):
                uri = translated["contact_info"]["uri"]
                self.learn_contacts(
                    [ContactInfo(translated["endpoint"]["resource"], uri, "", frame["UserAgent"])]
                )
            return self.ari(translated, at)
        try:
            if frame["Event"] == "PresenceStateChange":
                return self._presence(_str(frame, "Presentity"), _str(frame, "Status"), at)
            if frame["Event"] == "DeviceStateChange":
                return self._device_state(_str(frame, "Device"), _str(frame, "State"), at)
        except Malformed:
            self.ignored["malformed"] += 1
        return []

    def needs_callerid(self, login: str) -> bool:
        """Whether the source should look up ``login``'s caller-id (to name an employee)."""
        return self._shows_unknown(login) and not self._account_known(login)

    def _shows_unknown(self, login: str) -> bool:
        return self.unknown_endpoints and not any(fnmatchcase(login, p) for p in self.ignore)

    def learn_contacts(self, contacts: Iterable[ContactInfo]) -> None:
        """User agents from AMI ``PJSIPShowContacts`` (kept for the next device report)."""
        for c in contacts:
            if c.user_agent:
                self.user_agents[(c.endpoint, device_id(c.uri))] = c.user_agent

    def needs_user_agent(self, frame: object) -> bool:
        """Whether ``frame`` is a contact whose user agent is not known yet (the source then
        asks AMI before handing the frame over)."""
        if not isinstance(frame, dict) or frame.get("type") != "ContactStatusChange":
            return False
        account = _opt_str(frame, "endpoint", "resource")
        uri = _opt_str(frame, "contact_info", "uri")
        status = _opt_str(frame, "contact_info", "contact_status")
        if not account or not uri or status == "Removed":
            return False
        key = (account, device_id(uri))
        return key not in self.user_agents or status in ("Created", "Updated")

    def ami_needs_user_agent(self, frame: object) -> bool:
        """AMI-only: whether ``frame`` is a ContactStatus whose user agent is not known yet
        and that does not say it (the source then lists the contacts first)."""
        if not self.ami_calls or not isinstance(frame, dict):
            return False
        if frame.get("Event") != "ContactStatus" or frame.get("UserAgent"):
            return False
        try:
            translated = as_ari(frame, DialTargets())
        except NotAChannelEvent:
            return False
        return self.needs_user_agent(translated)

    def resync(self, snap: Snapshot, at: float) -> list[Event]:
        """Make the picture (and the hub, through the events returned) agree with ``snap``."""
        out: list[Event] = []
        for login, cid in sorted(snap.endpoints.items()):
            self.endpoints[login] = cid
            out += self._ensure_account(login, at)
        self.learn_contacts(snap.contacts)
        now_contacts = {(c.endpoint, device_id(c.uri)): c.status for c in snap.contacts}
        self.contacts = now_contacts
        if self.dnd_enabled:
            self.dnd_custom = {
                name.removeprefix("Custom:DND")
                for name, state in snap.device_states.items()
                if name.startswith("Custom:DND") and state.upper() in DND_DEVICE_STATES
            }
            self.dnd_presence = {
                name.removeprefix("CustomPresence:")
                for name, state in snap.presence.items()
                if name.startswith("CustomPresence:") and state.lower() == "dnd"
            }
        for key in sorted(set(self.reported) | set(now_contacts)):
            out += self._refresh_device(key, at)
        out += self._resync_channels(snap.channels, at)
        self._dial_targets.keep({c.id for c in snap.channels})
        return out

    # -- contacts and DND -------------------------------------------------------------------

    def _ari_contact(self, frame: dict[str, Any], at: float) -> list[Event]:
        account = _str(frame, "endpoint", "resource")
        uri = _str(frame, "contact_info", "uri")
        status = _str(frame, "contact_info", "contact_status")
        if _opt_str(frame, "endpoint", "technology") not in ("", "PJSIP"):
            return []
        key = (account, device_id(uri))
        if status != "Removed":
            self.contacts[key] = status
            return self._refresh_device(key, at)
        self.contacts.pop(key, None)
        out = self._refresh_device(key, at)
        # Gone for good: forget it (a new registration from the same URI starts afresh).
        self.reported.pop(key, None)
        self.user_agents.pop(key, None)
        return out

    def _ari_device_state(self, frame: dict[str, Any], at: float) -> list[Event]:
        return self._device_state(
            _str(frame, "device_state", "name"), _str(frame, "device_state", "state"), at
        )

    def _device_state(self, name: str, state: str, at: float) -> list[Event]:
        if not self.dnd_enabled or not name.startswith("Custom:DND"):
            return []
        login = name.removeprefix("Custom:DND")
        return self._set_dnd(self.dnd_custom, login, state.upper() in DND_DEVICE_STATES, at)

    def _presence(self, presentity: str, status: str, at: float) -> list[Event]:
        if not self.dnd_enabled or not presentity.startswith("CustomPresence:"):
            return []
        login = presentity.removeprefix("CustomPresence:")
        return self._set_dnd(self.dnd_presence, login, status.lower() == "dnd", at)

    def _set_dnd(self, flags: set[str], login: str, on: bool, at: float) -> list[Event]:
        if (login in flags) == on:
            return []
        if on:
            flags.add(login)
        else:
            flags.discard(login)
        out: list[Event] = []
        keys = {k for k in self.contacts if k[0] == login} | {
            k for k in self.reported if k[0] == login
        }
        for key in sorted(keys):
            out += self._refresh_device(key, at)
        return out

    def dnd(self, login: str) -> bool:
        return login in self.dnd_custom or login in self.dnd_presence

    def _wanted(self, key: tuple[str, str]) -> Registration:
        status = self.contacts.get(key)
        if status is None or status not in ONLINE_CONTACT:
            return Registration.OFFLINE
        return Registration.DND if self.dnd(key[0]) else Registration.ONLINE

    def _refresh_device(self, key: tuple[str, str], at: float) -> list[Event]:
        wanted = self._wanted(key)
        agent = self.user_agents.get(key, "")
        before = self.reported.get(key)
        if before is None and wanted is Registration.OFFLINE and key not in self.contacts:
            return []
        if before is not None and before == (wanted, agent or before[1]):
            return []
        out = self._ensure_account(key[0], at)
        if key[0] not in self.created and not self._account_known(key[0]):
            return out  # an endpoint ringmon is told to leave out
        self.reported[key] = (wanted, agent or (before[1] if before else ""))
        out.append(
            DeviceStatus(
                ts=to_dt(at),
                account=key[0],
                device=key[1],
                user_agent=self.reported[key][1],
                status=wanted,
                dnd_capable=self.dnd_enabled,
            )
        )
        return out

    def _ensure_account(self, login: str, at: float) -> list[Event]:
        """Employee and account events for an endpoint the hub does not know yet."""
        if self._account_known(login) or not self._shows_unknown(login):
            return []
        name, number = self.endpoints.get(login, ("", ""))
        name, number = name or login, number or login
        if self.created.get(login) == (name, number):
            return []
        self.created[login] = (name, number)
        ts = to_dt(at)
        emp = UNKNOWN_EMPLOYEE_PREFIX + login
        return [
            EmployeeUpsert(ts=ts, id=emp, name=name, numbers=(number,)),
            AccountUpsert(ts=ts, login=login, number=number, employee=emp),
        ]

    def _tracked(self, login: str | None) -> bool:
        return login is not None and (login in self.created or self._account_known(login))

    def _learn_caller(self, login: str, ch: dict[str, Any]) -> None:
        """A channel's caller-id names an endpoint we made an employee for."""
        if login in self.endpoints and self.endpoints[login][0]:
            return
        name, number = _opt_str(ch, "caller", "name"), _opt_str(ch, "caller", "number")
        if name and number == login:
            self.endpoints[login] = (name, number)

    # -- channels and legs ----------------------------------------------------------------

    def _chan(self, ch: object, at: float, out: list[Event]) -> _Chan:
        """The channel of an ARI channel object, tracked from now on if it was not."""
        cid, name, state = _str(ch, "id"), _str(ch, "name"), _str(ch, "state")
        chan = self.channels.get(cid)
        if chan is not None:
            return chan
        account = account_of(name)
        dialled = _opt_str(ch, "dialplan", "app_name") == "AppDial"
        direction = Direction.OUT if state in ("Ring", "Up") and not dialled else Direction.IN
        remote = (
            _opt_str(ch, "dialplan", "exten")
            if direction is Direction.OUT
            else _opt_str(ch, "connected", "number")
        )
        chan = _Chan(cid, account, direction, cid, remote="" if remote == "s" else remote)
        self.channels[cid] = chan
        self._call_ref(chan.call, +1)
        if account is not None:
            self._learn_caller(account, ch if isinstance(ch, dict) else {})
            out += self._ensure_account(account, at)
            if direction is Direction.OUT and self._tracked(account):
                out += self._ring(chan, at)
        return chan

    def _call_ref(self, call: str, delta: int) -> None:
        """Count the live channels of a call, to forget its recording with the last one."""
        self._call_refs[call] += delta
        if self._call_refs[call] <= 0:
            del self._call_refs[call]
            self.recordings.pop(call, None)

    def _ari_created(self, frame: dict[str, Any], at: float) -> list[Event]:
        out: list[Event] = []
        self._chan(frame.get("channel"), at, out)
        return out

    def _ari_state(self, frame: dict[str, Any], at: float) -> list[Event]:
        out: list[Event] = []
        ch = frame.get("channel")
        state = _str(ch, "state")
        chan = self._chan(ch, at, out)
        if state == "Ringing" and chan.direction is Direction.IN:
            if not chan.remote:
                chan.remote = _opt_str(ch, "connected", "number")
            if chan.dialled or chan.leg is not None:
                out += self._ring(chan, at)
            elif chan.ring_pending is None:
                # Asterisk may tell that a dialled channel rings before the Dial event that
                # says whose call it is: wait for it (``tick`` gives up after PENDING_RING).
                chan.ring_pending = at
        elif state == "Up":
            out += self._answer(chan, at)
        return out

    def _ari_dial(self, frame: dict[str, Any], at: float) -> list[Event]:
        out: list[Event] = []
        peer_obj = frame.get("peer")
        status = _str(frame, "dialstatus")
        for key in ("id", "name", "state"):
            _str(peer_obj, key)
        caller_obj = frame.get("caller")
        caller = self._chan(caller_obj, at, out) if isinstance(caller_obj, dict) else None
        peer = self._chan(peer_obj, at, out)
        if not peer.dialled and peer.leg is None:
            peer.dialled = True
            peer.direction = Direction.IN
            if caller is not None and peer.call != caller.call:
                self._call_ref(peer.call, -1)
                peer.call = caller.call
                self._call_ref(peer.call, +1)
            number = _opt_str(caller_obj, "caller", "number")
            if number and not peer.remote:
                peer.remote = number
            dialstring = _opt_str(frame, "dialstring")
            if peer.account is not None and "/" in dialstring:
                peer.device = device_id(dialstring.split("/", 1)[1]) or None
                targets = _opt_str(caller_obj, "dialplan", "app_data").split(",", 1)[0]
                mine = [t for t in targets.split("&") if t.startswith(f"PJSIP/{peer.account}/")]
                peer.sole_target = len(mine) <= 1
                if not peer.sole_target:  # AMI names the targets one DialBegin at a time
                    for other in self.channels.values():
                        if other.call == peer.call and other.account == peer.account:
                            other.sole_target = False
        if peer.ring_pending is not None or status == "RINGING":
            out += self._ring(peer, _first(peer.ring_pending, at))
        if status == "ANSWER":
            out += self._answer(peer, at)
            if caller is not None:
                out += self._answer(caller, at)
        return out

    def tick(self, at: float) -> list[Event]:
        """Rings that waited ``PENDING_RING`` s for a Dial event that never came (a channel
        originated straight to a phone): report them now. The source calls this every second."""
        out: list[Event] = []
        for chan in list(self.channels.values()):
            if chan.ring_pending is not None and at - chan.ring_pending >= PENDING_RING:
                out += self._ring(chan, chan.ring_pending)
        return out

    def _ari_varset(self, frame: dict[str, Any], at: float) -> list[Event]:
        if frame.get("variable") != "MIXMONITOR_FILENAME":
            return []
        value = _str(frame, "value")
        cid = _str(frame, "channel", "id")
        chan = self.channels.get(cid)
        if chan is not None and value:
            self.recordings[chan.call] = value
        return []

    def _ari_destroyed(self, frame: dict[str, Any], at: float) -> list[Event]:
        cid = _str(frame, "channel", "id")
        chan = self.channels.get(cid)
        if chan is None:
            return []
        out = self._ring(chan, chan.ring_pending) if chan.ring_pending is not None else []
        del self.channels[cid]
        out += self._leave_leg(chan, at)
        self._call_ref(chan.call, -1)
        return out

    def _leave_leg(self, chan: _Chan, at: float) -> list[Event]:
        leg = self.legs.get(chan.leg) if chan.leg else None
        if leg is None:
            return []
        leg.channels.discard(chan.id)
        if leg.channels and leg.answered_by != chan.id:
            return []
        return self._end(leg, at)

    def _end(self, leg: _Leg, at: float) -> list[Event]:
        del self.legs[leg.id]
        for cid in leg.channels:
            other = self.channels.get(cid)
            if other is not None:
                other.leg = None
        recording = self.recordings.get(leg.call) if leg.answered else None
        return [
            CallEnd(
                ts=to_dt(at),
                call=leg.call,
                leg=leg.id,
                recording=RECORDING_PREFIX + recording if recording else None,
            )
        ]

    def _device_known(self, account: str, device: str | None) -> str | None:
        if device is None:
            return None
        before = self.reported.get((account, device))
        return device if before is not None else None

    def _ring(self, chan: _Chan, at: float) -> list[Event]:
        chan.ring_pending = None
        if chan.account is None or not self._tracked(chan.account) or chan.leg is not None:
            return []
        leg_id = f"{chan.call}/{chan.account}/{chan.direction.value}"
        leg = self.legs.get(leg_id)
        if leg is not None:
            leg.channels.add(chan.id)
            chan.leg = leg_id
            return []
        leg = _Leg(leg_id, chan.call, chan.account, chan.direction, {chan.id})
        self.legs[leg_id] = leg
        chan.leg = leg_id
        # Name the device only when it is the one contact of the account this call rings.
        device = self._device_known(chan.account, chan.device) if chan.sole_target else None
        return [
            CallRing(
                ts=to_dt(at),
                call=chan.call,
                leg=leg_id,
                account=chan.account,
                device=device,
                direction=chan.direction,
                remote=chan.remote,
            )
        ]

    def _answer(self, chan: _Chan, at: float) -> list[Event]:
        out = self._ring(chan, _first(chan.ring_pending, at)) if chan.leg is None else []
        leg = self.legs.get(chan.leg) if chan.leg else None
        if leg is None or leg.answered:
            return out
        leg.answered = True
        leg.answered_by = chan.id
        out.append(
            CallAnswer(
                ts=to_dt(at),
                call=leg.call,
                leg=leg.id,
                device=self._device_known(leg.account, chan.device),
            )
        )
        return out

    def _resync_channels(self, channels: list[ChannelInfo], at: float) -> list[Event]:
        out: list[Event] = []
        present = {c.id for c in channels}
        # Channels that went away while we were not looking.
        for cid in [cid for cid in self.channels if cid not in present]:
            chan = self.channels.pop(cid)
            out += self._leave_leg(chan, at)
            self._call_ref(chan.call, -1)
        # Channels that are there: tracked, and joined to the leg they belong to (a leg a
        # previous run of the hub left open keeps its id, so it goes on rather than restarting).
        for info in channels:
            if info.id in self.channels:
                continue
            account = account_of(info.name)
            direction = (
                Direction.IN if info.dialled or info.state in ("Down", "Ringing") else Direction.OUT
            )
            call = info.linkedid or info.id
            remote = info.exten if direction is Direction.OUT else info.connected_number
            chan = _Chan(info.id, account, direction, call, remote="" if remote == "s" else remote)
            self.channels[info.id] = chan
            self._call_ref(call, +1)
            if account is None:
                continue
            out += self._ensure_account(account, at)
            leg = self.legs.get(f"{call}/{account}/{direction.value}")
            if leg is not None:
                leg.channels.add(info.id)
                chan.leg = leg.id
                if leg.answered and leg.answered_by is None and info.state == "Up":
                    leg.answered_by = info.id
        # Legs none of whose channels is left.
        for leg in [leg for leg in self.legs.values() if not leg.channels & present]:
            out += self._end(leg, at)
        # What the channels' states say now.
        for info in channels:
            chan = self.channels[info.id]
            if chan.account is None:
                continue
            if info.state == "Up":
                out += self._answer(chan, at)
            elif chan.direction is Direction.OUT or info.state == "Ringing":
                out += self._ring(chan, at)
        return out

    # -- the picture, to survive a restart of the hub --------------------------------------

    def picture(self) -> dict[str, Any]:
        """What was reported and is still open: saved with the events (source cursor)."""
        return {
            "devices": [
                [a, d, reg.value, ua]
                for (a, d), (reg, ua) in sorted(self.reported.items())
                if reg is not Registration.OFFLINE
            ],
            "legs": [
                [leg.id, leg.call, leg.account, leg.direction.value, leg.answered]
                for leg in self.legs.values()
            ],
            "created": sorted([login, n, num] for login, (n, num) in self.created.items()),
        }

    def restore(
        self,
        picture: object,
        *,
        device_exists: Callable[[str, str], bool] | None = None,
        leg_exists: Callable[[str], bool] | None = None,
    ) -> None:
        """Take back what a previous run reported, so the first resync ends what is gone."""
        if not isinstance(picture, dict):
            return
        try:
            for a, d, reg, ua in picture.get("devices", []):
                if device_exists is None or device_exists(a, d):
                    self.reported[(str(a), str(d))] = (Registration(reg), str(ua))
            for leg_id, call, account, direction, answered in picture.get("legs", []):
                if leg_exists is None or leg_exists(leg_id):
                    self.legs[str(leg_id)] = _Leg(
                        str(leg_id),
                        str(call),
                        str(account),
                        Direction(direction),
                        set(),
                        None,
                        bool(answered),
                    )
            for login, name, number in picture.get("created", []):
                self.created[str(login)] = (str(name), str(number))
        except (TypeError, ValueError):
            self.ignored["bad saved picture"] += 1


_ARI: dict[str, Callable[[AsteriskMapper, dict[str, Any], float], list[Event]]] = {
    "ContactStatusChange": AsteriskMapper._ari_contact,
    "DeviceStateChanged": AsteriskMapper._ari_device_state,
    "ChannelCreated": AsteriskMapper._ari_created,
    "ChannelStateChange": AsteriskMapper._ari_state,
    "ChannelDestroyed": AsteriskMapper._ari_destroyed,
    "Dial": AsteriskMapper._ari_dial,
    "ChannelVarset": AsteriskMapper._ari_varset,
}
