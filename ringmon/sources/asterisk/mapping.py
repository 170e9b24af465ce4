"""Asterisk's ARI and AMI events -> ringmon feed events. Pure: no I/O, no clock, no asyncio.

``AsteriskMapper`` keeps the picture of the PBX that the feed needs (contacts, DND flags,
queue pauses, channels, legs in progress, what it already reported) and turns each frame
into the feed events that follow from it, stamped with the time it is given. The source
(``source.py``) feeds it frames from the ARI WebSocket and AMI, and a ``Snapshot`` of the
PBX on every (re)connect; tests feed it recorded frames.

It is put together from one part per idea (docs/sources/asterisk.md has the full table):

- ``devices.py``: endpoints -> employees and accounts; contacts, DND and queue pauses
  (``queues.py``) -> device reports;
- ``calls.py``: channels -> call legs (rings, answers, ends, recordings);
- ``ami_frames.py``: in AMI-only mode, AMI's channel events rewritten as the ARI events that
  say the same, so ``calls.py`` reads one shape;
- here: the entry points (an ARI frame, an AMI frame, a resync, a tick) and the picture
  saved with the hub's events.

A frame that is not what Asterisk sends (not an object, a field missing or of the wrong type)
is counted in ``ignored['malformed']``; an event type this mapper does not know is counted in
``ignored['unknown']``; neither ever raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ringmon.model.schema import Direction, Event, Registration
from ringmon.sources.asterisk.ami_frames import AMI_CHANNEL_EVENTS, NotAChannelEvent, as_ari
from ringmon.sources.asterisk.calls import PENDING_RING, RECORDING_PREFIX, CallsMixin, _Leg
from ringmon.sources.asterisk.devices import Reported
from ringmon.sources.asterisk.frames import (
    Malformed,
    account_of,
    device_id,
    parse_callerid,
    req_str,
)
from ringmon.sources.asterisk.queues import QUEUE_EVENTS
from ringmon.sources.asterisk.snapshot import ChannelInfo, ContactInfo, Snapshot

__all__ = [
    "PENDING_RING",
    "RECORDING_PREFIX",
    "AsteriskMapper",
    "ChannelInfo",
    "ContactInfo",
    "Snapshot",
    "account_of",
    "device_id",
    "parse_callerid",
]

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


class AsteriskMapper(CallsMixin):
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
        super().__init__(
            account_known=account_known,
            unknown_endpoints=unknown_endpoints,
            dnd=dnd,
            ignore=ignore,
            ami_calls=ami_calls,
        )

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
                return self._presence(req_str(frame, "Presentity"), req_str(frame, "Status"), at)
            if frame["Event"] == "DeviceStateChange":
                return self._device_state(req_str(frame, "Device"), req_str(frame, "State"), at)
            if frame["Event"] in QUEUE_EVENTS:
                return self._queue_event(frame, at)
        except Malformed:
            self.ignored["malformed"] += 1
        return []

    def resync(self, snap: Snapshot, at: float) -> list[Event]:
        """Make the picture (and the hub, through the events returned) agree with ``snap``."""
        out = self._resync_devices(snap, at)
        out += self._resync_channels(snap.channels, at)
        self._dial_targets.keep({c.id for c in snap.channels})
        return out

    # -- the picture, to survive a restart of the hub --------------------------------------

    def picture(self) -> dict[str, Any]:
        """What was reported and is still open: saved with the events (source cursor)."""
        return {
            "devices": [
                [a, d, r.status.value, r.user_agent]
                for (a, d), r in sorted(self.reported.items())
                if r.status is not Registration.OFFLINE
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
                    self.reported[(str(a), str(d))] = Reported(Registration(reg), str(ua))
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
