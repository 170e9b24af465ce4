"""FreeSWITCH Event Socket events to feed events: pure, tested on hand-written frames.

UNTESTED AGAINST A LIVE FREESWITCH: written from the documented events (docs/sources/
freeswitch.md). What it reads:

* ``sofia::register`` (``from-user``, ``contact``, ``user-agent``, ``expires``): a device
  online; ``sofia::unregister`` and ``sofia::expire``: that device offline. A device is one
  contact URI of a SIP account; every device says ``dnd_capable: false`` (R15).
* ``CHANNEL_CREATE`` / ``CHANNEL_ANSWER`` / ``CHANNEL_HANGUP_COMPLETE``: a channel that
  FreeSWITCH opens towards an account (``Call-Direction: outbound``, ``variable_dialed_user``)
  is part of that account's incoming leg; a channel a registered account opens
  (``Call-Direction: inbound``, ``variable_user_name``) is its outgoing leg. When FreeSWITCH
  rings several contacts of one account it opens one channel each: they make ONE leg (rung at
  the first, answered by the first answer, naming that channel's device; ended with the last).
* ``PRESENCE_IN`` repeats what registrations and channels say: counted, not used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    Direction,
    Event,
    Registration,
)
from ringmon.sources.caller_name import shown_name
from ringmon.sources.freeswitch.esl import EslEvent
from ringmon.sources.ids import cap_id, leg_id, to_dt

REGISTER = "sofia::register"
UNREGISTER = "sofia::unregister"
EXPIRE = "sofia::expire"
CHANNEL_EVENTS = ("CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE")
SUBSCRIBE = (
    "event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE PRESENCE_IN "
    f"CUSTOM {REGISTER} {UNREGISTER} {EXPIRE}"
)


def contact_uri(value: str) -> str:
    """The URI of a Contact value.

    ``"x" <sip:1000@h:5060;ob>;expires=60`` gives ``sip:1000@h:5060;ob``.
    """
    value = value.strip()
    if "<" in value and ">" in value:
        return value[value.index("<") + 1 : value.index(">")]
    return value.split(";expires", 1)[0]


def hostport(uri: str) -> str:
    rest = uri.split(":", 1)[1] if uri.startswith(("sip:", "sips:")) else uri
    return rest.split("@", 1)[-1].split(";", 1)[0].split(">", 1)[0]


def event_ts(event: EslEvent, arrival: float) -> float:
    """``Event-Date-Timestamp`` (microseconds since the epoch), else the arrival time."""
    try:
        return int(event.get("Event-Date-Timestamp")) / 1e6
    except ValueError:
        return arrival


@dataclass(slots=True)
class _Leg:
    call: str
    leg: str
    account: str
    direction: Direction
    answered: bool = False
    channels: set[str] = field(default_factory=set)


class FreeswitchMapper:
    """Turns Event Socket events into feed events, remembering what it has said."""

    def __init__(
        self, *, known_account: Callable[[str], bool] | None = None, add_unknown: bool = True
    ) -> None:
        self.known_account = known_account
        self.add_unknown = add_unknown
        self.online: dict[tuple[str, str], tuple[str, str]] = {}  # -> (user agent, host:port)
        self.added: set[str] = set()
        self.legs: dict[str, _Leg] = {}
        self.channel_leg: dict[str, str] = {}
        self.ignored = 0

    def feed(self, event: EslEvent, arrival: float) -> list[Event]:
        ts = event_ts(event, arrival)
        out: list[Event] = []
        if event.name in (REGISTER, UNREGISTER, EXPIRE):
            self._registration(event, ts, out)
        elif event.name == "CHANNEL_CREATE":
            self._create(event, ts, out)
        elif event.name == "CHANNEL_ANSWER":
            self._answer(event, ts, out)
        elif event.name == "CHANNEL_HANGUP_COMPLETE":
            self._hangup(event.get("Unique-ID"), ts, out)
        else:
            self.ignored += 1
        return out

    def resync(
        self, registrations: Iterable[Mapping[str, str]], channels: Iterable[str], now: float
    ) -> list[Event]:
        """From ``show registrations as json`` rows (``reg_user``, ``url``, ``network_ip``,
        ``network_port``) and the uuids of ``show channels``: devices no longer registered go
        offline, registered ones online; legs whose channels are all gone end."""
        out: list[Event] = []
        present: dict[tuple[str, str], str] = {}
        for row in registrations:
            account = row.get("reg_user", "")
            url = row.get("url", "")
            uri = url.split("/", 2)[-1] if url.startswith("sofia/") else url
            if account and uri:
                present[(account, cap_id(contact_uri(uri)))] = (
                    f"{row.get('network_ip', '')}:{row.get('network_port', '')}"
                )
        for key in [k for k in self.online if k not in present]:
            self._status(key[0], key[1], "", Registration.OFFLINE, now, out)
        for (account, device), where in present.items():
            if (account, device) not in self.online and self._account_ok(account, now, out):
                self._status(account, device, "", Registration.ONLINE, now, out, where)
        live = set(channels)
        for uuid in [u for u in self.channel_leg if u not in live]:
            self._hangup(uuid, now, out)
        return out

    # -- registrations --------------------------------------------------------------------

    def _registration(self, event: EslEvent, ts: float, out: list[Event]) -> None:
        account = event.get("from-user") or event.get("user") or event.get("username")
        uri = contact_uri(event.get("contact"))
        if not account or not uri:
            self.ignored += 1
            return
        device = cap_id(uri)
        ua = event.get("user-agent")
        gone = event.name != REGISTER or event.get("expires") == "0"
        if gone:
            if (account, device) in self.online:
                self._status(account, device, ua, Registration.OFFLINE, ts, out)
            return
        known = self.online.get((account, device))
        if known is not None and known[0] == ua:
            return  # a refresh
        if self._account_ok(account, ts, out):
            where = f"{event.get('network-ip')}:{event.get('network-port')}"
            self._status(account, device, ua, Registration.ONLINE, ts, out, where)

    def _status(
        self,
        account: str,
        device: str,
        ua: str,
        status: Registration,
        ts: float,
        out: list[Event],
        where: str = "",
    ) -> None:
        known = self.online.get((account, device))
        ua = ua or (known[0] if known else "")
        out.append(
            DeviceStatus(ts=to_dt(ts), account=account, device=device, user_agent=ua, status=status)
        )
        if status is Registration.ONLINE:
            self.online[(account, device)] = (ua, where or hostport(device))
        else:
            self.online.pop((account, device), None)

    def _account_ok(self, login: str, ts: float, out: list[Event]) -> bool:
        if login in self.added or self.known_account is None or self.known_account(login):
            return True
        if not self.add_unknown:
            return False
        out.append(AccountUpsert(ts=to_dt(ts), login=login))
        self.added.add(login)
        return True

    def _is_account(self, login: str) -> bool:
        if any(acc == login for acc, _ in self.online) or login in self.added:
            return True
        return self.known_account is not None and self.known_account(login)

    def _device_at(self, account: str, event: EslEvent) -> str | None:
        """The online device of ``account`` this channel talks to (by host:port)."""
        candidates = {
            hostport(event.get("variable_sip_req_uri")),
            hostport(event.get("variable_sip_contact_uri")),
            f"{event.get('variable_sip_network_ip')}:{event.get('variable_sip_network_port')}",
        } - {"", ":"}
        for (acc, device), (_, where) in self.online.items():
            if acc == account and (where in candidates or hostport(device) in candidates):
                return device
        return None

    # -- channels -------------------------------------------------------------------------

    def _who(self, event: EslEvent) -> tuple[str, Direction, str] | None:
        """(account, direction, remote) of a channel, or None when no account is on it."""
        if event.get("Call-Direction") == "outbound":
            account = event.get("variable_dialed_user") or event.get("Caller-Destination-Number")
            remote = event.get("Caller-Caller-ID-Number")
            if account and self._is_account(account):
                return account, Direction.IN, remote
            return None
        account = event.get("variable_user_name") or event.get("Caller-Username")
        if account and self._is_account(account):
            return account, Direction.OUT, event.get("Caller-Destination-Number")
        return None

    def _create(self, event: EslEvent, ts: float, out: list[Event]) -> None:
        uuid = event.get("Unique-ID")
        who = self._who(event)
        if not uuid or who is None:
            self.ignored += 1
            return
        account, direction, remote = who
        if not self._account_ok(account, ts, out):
            return
        call = cap_id(event.get("Channel-Call-UUID") or event.get("variable_call_uuid") or uuid)
        leg_name = leg_id(call, direction, account)
        leg = self.legs.get(leg_name)
        if leg is None:
            leg = self.legs[leg_name] = _Leg(call, leg_name, account, direction)
            device = self._device_at(account, event) if direction is Direction.OUT else None
            # The caller's caller-id name on an incoming leg (not the number again).
            name = event.get("Caller-Caller-ID-Name") or "" if direction is Direction.IN else ""
            out.append(
                CallRing(
                    ts=to_dt(ts),
                    call=call,
                    leg=leg_name,
                    account=account,
                    device=device,
                    direction=direction,
                    remote=remote,
                    remote_name=shown_name(name, remote) or None,
                )
            )
        leg.channels.add(uuid)
        self.channel_leg[uuid] = leg_name

    def _answer(self, event: EslEvent, ts: float, out: list[Event]) -> None:
        leg = self.legs.get(self.channel_leg.get(event.get("Unique-ID"), ""))
        if leg is None or leg.answered:
            return
        leg.answered = True
        device = self._device_at(leg.account, event) if leg.direction is Direction.IN else None
        out.append(CallAnswer(ts=to_dt(ts), call=leg.call, leg=leg.leg, device=device))

    def _hangup(self, uuid: str, ts: float, out: list[Event]) -> None:
        leg_name = self.channel_leg.pop(uuid, None)
        leg = self.legs.get(leg_name or "")
        if leg is None:
            return
        leg.channels.discard(uuid)
        if leg.channels:
            return  # other contacts of the account still ring (or one talks)
        del self.legs[leg.leg]
        out.append(CallEnd(ts=to_dt(ts), call=leg.call, leg=leg.leg))
