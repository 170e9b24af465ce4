"""Channels -> call legs: rings, answers, ends, recordings. Pure.

The part of the mapper (``mapping.py``) that follows calls, from ARI's channel events (or
AMI's, rewritten as ARI's by ``ami_frames.py``):

- a channel ``PJSIP/<login>-xxxxxxxx`` is the account's part of a call. Rung by Asterisk
  (the peer of a ``Dial``, or created in state Down): an incoming leg that starts when it
  rings (state Ringing or Dial RINGING). Created by the device (state Ring): an outgoing leg
  from its creation. Either is answered when the channel goes Up (or Dial ANSWER) and ends
  when the last of its channels is destroyed (or the one that answered is). The channels of
  one account in one call (``PJSIP_DIAL_CONTACTS`` rings every contact) make one leg;
- the call id is the uniqueid of the channel that dialled (Asterisk's linkedid in a plain
  call); a leg id is ``<call>/<login>/<in|out>``;
- the other party (``remote``, ``remote_name``): for an incoming leg the caller's
  caller-id, for an outgoing one the number dialled (and the connected line's name);
- ``MIXMONITOR_FILENAME`` set on a channel of the call -> the answered legs' ``recording``
  is ``asterisk:<file name>``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ringmon.model.schema import CallAnswer, CallEnd, CallRing, Direction, Event
from ringmon.model.wire import to_dt
from ringmon.sources.asterisk.ami_frames import DialTargets
from ringmon.sources.asterisk.devices import DevicesMixin
from ringmon.sources.asterisk.frames import account_of, device_id, opt_str, req_str
from ringmon.sources.asterisk.snapshot import ChannelInfo
from ringmon.sources.caller_name import shown_name

RECORDING_PREFIX = "asterisk:"
PENDING_RING = 0.5
"""Seconds a ringing channel waits for the Dial event that names its call."""


@dataclass(slots=True)
class _Chan:
    id: str
    account: str | None
    direction: Direction
    call: str
    remote: str = ""
    remote_name: str = ""
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


def _first(pending: float | None, at: float) -> float:
    return at if pending is None else pending


class CallsMixin(DevicesMixin):
    """The calls part of ``AsteriskMapper``: channels, legs, recordings."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._dial_targets = DialTargets()
        self.channels: dict[str, _Chan] = {}
        self.legs: dict[str, _Leg] = {}
        self.recordings: dict[str, str] = {}
        """call id -> MixMonitor file, while a channel of the call lives."""
        self._call_refs: Counter[str] = Counter()

    def _chan(self, ch: object, at: float, out: list[Event]) -> _Chan:
        """The channel of an ARI channel object, tracked from now on if it was not."""
        cid, name, state = req_str(ch, "id"), req_str(ch, "name"), req_str(ch, "state")
        chan = self.channels.get(cid)
        if chan is not None:
            return chan
        account = account_of(name)
        dialled = opt_str(ch, "dialplan", "app_name") == "AppDial"
        direction = Direction.OUT if state in ("Ring", "Up") and not dialled else Direction.IN
        remote = (
            opt_str(ch, "dialplan", "exten")
            if direction is Direction.OUT
            else opt_str(ch, "connected", "number")
        )
        chan = _Chan(cid, account, direction, cid, remote="" if remote == "s" else remote)
        chan.remote_name = shown_name(opt_str(ch, "connected", "name"), chan.remote)
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
        state = req_str(ch, "state")
        chan = self._chan(ch, at, out)
        if state == "Ringing" and chan.direction is Direction.IN:
            if not chan.remote:
                chan.remote = opt_str(ch, "connected", "number")
            if not chan.remote_name:
                chan.remote_name = shown_name(opt_str(ch, "connected", "name"), chan.remote)
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
        status = req_str(frame, "dialstatus")
        for key in ("id", "name", "state"):
            req_str(peer_obj, key)
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
            number = opt_str(caller_obj, "caller", "number")
            if number and not peer.remote:
                peer.remote = number
            name = shown_name(opt_str(caller_obj, "caller", "name"), peer.remote)
            if name and not peer.remote_name:
                peer.remote_name = name
            dialstring = opt_str(frame, "dialstring")
            if peer.account is not None and "/" in dialstring:
                peer.device = device_id(dialstring.split("/", 1)[1]) or None
                targets = opt_str(caller_obj, "dialplan", "app_data").split(",", 1)[0]
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
        value = req_str(frame, "value")
        cid = req_str(frame, "channel", "id")
        chan = self.channels.get(cid)
        if chan is not None and value:
            self.recordings[chan.call] = value
        return []

    def _ari_destroyed(self, frame: dict[str, Any], at: float) -> list[Event]:
        cid = req_str(frame, "channel", "id")
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
                remote_name=chan.remote_name or None,
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
            chan.remote_name = shown_name(info.connected_name, chan.remote)
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
