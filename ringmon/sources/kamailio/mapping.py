"""Kamailio facts to feed events: pure (no I/O), so it is tested on recorded lines.

The Kamailio configuration shipped in ``contrib/kamailio/ringmon.cfg`` relays one JSON object
per fact over evapi (see docs/sources/kamailio.md for each one). ``KamailioMapper`` keeps just
enough memory (the contacts of each AOR, the devices it said were online, the legs in progress)
to turn those facts into ringmon events that the hub's ``State.apply`` accepts:

* ``contacts`` (after any REGISTER) is the whole contact set of an AOR: it is diffed against
  the devices known online, so register, refresh, de-register and ``Contact: *`` are one case;
* ``expired`` removes one contact (``usrloc:contact-expired``);
* ``invite`` rings a leg for the called account (incoming, when Kamailio located it) and one
  for the calling account (outgoing, when the caller is an account), each with the other
  party's number and, when the INVITE carries one, name (the caller's display name from
  P-Asserted-Identity, else From; the callee's from To);
* ``reply`` 2xx answers them (naming the device whose contact answered), ``dlg_start`` answers
  what a reply did not, ``dlg_end`` and ``dlg_failed`` end them.

A device is one SIP contact: its ``+sip.instance`` when the phone sends one (stable across
restarts), else its contact URI. Kamailio has no do-not-disturb, so every device says
``dnd_capable: false`` (R15) and reports only ``online`` or ``offline``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
from ringmon.sources.ids import MAX_ID, cap_id, leg_id, to_dt
from ringmon.sources.kamailio.facts import (
    OWNED_DEVICE_PREFIXES,
    Contact,
    Dialog,
    display_name,
    value_float,
    value_text,
)

__all__ = [
    "MAX_ID",
    "OWNED_DEVICE_PREFIXES",
    "Contact",
    "Dialog",
    "KamailioMapper",
    "MapperCounters",
    "cap_id",
    "leg_id",
    "to_dt",
]

RESYNC_MAX_AGE = 240.0
"""A rebuilt call is never dated further back than this (the hub rejects events older than
its late tolerance, 300 s, than the newest one)."""


@dataclass(slots=True)
class _Leg:
    call: str
    leg: str
    account: str
    direction: Direction
    answered: bool


@dataclass(slots=True)
class MapperCounters:
    facts: int = 0
    ignored: int = 0
    skipped_accounts: int = 0
    before_resync: int = 0
    by_event: dict[str, int] = field(default_factory=dict)


class KamailioMapper:
    """Turns Kamailio facts into feed events, remembering what it has said.

    ``known_account(login)`` tells whether the hub knows a SIP account (from its directory).
    For an account it does not know, the mapper first emits an ``account.upsert`` linked to
    nobody when ``add_unknown`` is true, else it drops that account's facts (counted). Without
    ``known_account`` every account is taken as known.
    """

    def __init__(
        self,
        *,
        known_account: Callable[[str], bool] | None = None,
        add_unknown: bool = True,
    ) -> None:
        self.known_account = known_account
        self.add_unknown = add_unknown
        self.contacts: dict[str, dict[str, Contact]] = {}
        self.online: dict[tuple[str, str], str] = {}
        self.known_devices: set[tuple[str, str]] = set()
        self.legs: dict[str, _Leg] = {}
        self.added_accounts: set[str] = set()
        self.horizon: float = 0.0
        self.counters = MapperCounters()

    # -- facts from the evapi stream ------------------------------------------------------

    def feed(self, fact: Mapping[str, Any], arrival: float) -> list[Event]:
        """Events for one evapi fact (``arrival`` stands in for a missing ``ts``)."""
        self.counters.facts += 1
        kind = value_text(fact.get("event"))
        self.counters.by_event[kind] = self.counters.by_event.get(kind, 0) + 1
        ts = value_float(fact.get("ts")) or arrival
        if ts < self.horizon:
            # Happened before the last resync started: the resync already reflected it.
            self.counters.before_resync += 1
            return []
        out: list[Event] = []
        callid = cap_id(value_text(fact.get("callid")))
        if kind == "contacts":
            aor = value_text(fact.get("aor"))
            items = fact.get("contacts") or []
            contacts = [Contact.from_fact(aor, c) for c in items if isinstance(c, Mapping)]
            self._set_contacts(aor, contacts, ts, out)
        elif kind == "expired":
            self._expired(Contact.from_fact(value_text(fact.get("aor")), fact), ts, out)
        elif kind == "invite" and callid:
            self._invite(
                callid,
                caller=value_text(fact.get("from")),
                callee=value_text(fact.get("to")),
                caller_name=display_name(fact.get("pai"), fact.get("from_name")),
                callee_name=display_name(fact.get("to_name")),
                located=value_text(fact.get("located")) in ("1", "true", "True"),
                contact=value_text(fact.get("contact")),
                src=value_text(fact.get("src")),
                ts=ts,
                out=out,
            )
        elif kind == "reply" and callid:
            code = int(value_float(fact.get("code")) or 0)
            if 200 <= code < 300:
                self._answer(callid, value_text(fact.get("ruid")), ts, out)
        elif kind == "dlg_start" and callid:
            self._answer(callid, "", ts, out)
        elif kind in ("dlg_end", "dlg_failed") and callid:
            self._end(callid, ts, out)
        else:
            self.counters.ignored += 1
        return out

    # -- resync from JSON-RPC -------------------------------------------------------------

    def adopt(
        self,
        devices: Iterable[tuple[str, str, str, bool]],
        legs: Iterable[tuple[str, str, str, str, bool]],
    ) -> None:
        """Remember what the hub already holds from an earlier run, so a resync can correct it.

        ``devices``: (account, device, user agent, online); ``legs``: (call, leg, account,
        direction, answered). Only ids this source makes are taken.
        """
        for account, device, ua, online in devices:
            if not device.startswith(OWNED_DEVICE_PREFIXES):
                continue
            self.known_devices.add((account, device))
            if online:
                self.online[(account, device)] = ua
        for call, leg, account, direction, answered in legs:
            dirn = Direction(direction)
            if leg != leg_id(call, dirn, account):
                continue
            self.legs[leg] = _Leg(call, leg, account, dirn, answered)

    def resync(
        self,
        contacts: Iterable[Contact],
        dialogs: Iterable[Dialog],
        *,
        started: float,
        now: float,
    ) -> list[Event]:
        """Events that bring the hub in line with Kamailio's memory (``ul.dump``,
        ``dlg.list``) read from ``started`` on; facts dated before ``started`` are then
        dropped from the stream, as the resync already reflects them."""
        out: list[Event] = []
        by_aor: dict[str, list[Contact]] = {}
        for contact in contacts:
            by_aor.setdefault(contact.aor, []).append(contact)
        aors = set(by_aor) | set(self.contacts) | {acc for acc, _ in self.online}
        for aor in sorted(aors):
            self._set_contacts(aor, by_aor.get(aor, []), now, out)
        live = {d.callid: d for d in dialogs if d.callid}
        for leg in list(self.legs.values()):
            dialog = live.get(leg.call)
            if dialog is None:
                self._end(leg.call, now, out)
            elif dialog.confirmed and not leg.answered:
                self._answer(leg.call, dialog.ruid, _recent(dialog.answer_ts, now), out)
        ongoing = {leg.call for leg in self.legs.values()}
        for dialog in live.values():
            if dialog.callid in ongoing:
                continue
            self._invite(
                dialog.callid,
                caller=dialog.caller,
                callee=dialog.callee,
                caller_name=dialog.caller_name,
                callee_name=dialog.callee_name,
                located=dialog.located,
                contact="",
                src="",
                ts=_recent(dialog.ring_ts, now),
                out=out,
            )
            if dialog.confirmed:
                self._answer(dialog.callid, dialog.ruid, _recent(dialog.answer_ts, now), out)
        self.horizon = max(self.horizon, started)
        return out

    # -- internals ------------------------------------------------------------------------

    def _account_ok(self, login: str, ts: float, out: list[Event]) -> bool:
        if not login:
            return False
        if login in self.added_accounts or self.known_account is None:
            return True
        if self.known_account(login):
            return True
        if not self.add_unknown:
            self.counters.skipped_accounts += 1
            return False
        out.append(AccountUpsert(ts=to_dt(ts), login=login))
        self.added_accounts.add(login)
        return True

    def _expired(self, gone: Contact, ts: float, out: list[Event]) -> None:
        known = self.contacts.get(gone.aor, {})
        if gone.ruid in known:
            rest = [c for c in known.values() if c.ruid != gone.ruid]
            self._set_contacts(gone.aor, rest, ts, out)
            return
        # A contact this mapper never saw register (remembered from the hub): take just its
        # device offline, unless another known contact still holds that device.
        key = (gone.aor, gone.device)
        if key in self.online and all(c.device != gone.device for c in known.values()):
            ua = self.online.pop(key)
            out.append(
                DeviceStatus(
                    ts=to_dt(ts),
                    account=gone.aor,
                    device=gone.device,
                    user_agent=gone.user_agent or ua,
                    status=Registration.OFFLINE,
                )
            )

    def _set_contacts(self, aor: str, contacts: list[Contact], ts: float, out: list[Event]) -> None:
        """Make ``contacts`` the whole contact set of ``aor``; emit what changed."""
        if not aor:
            return
        self.contacts[aor] = {c.ruid: c for c in contacts}
        now_online: dict[str, str] = {}
        for contact in contacts:
            # Several contacts of one device (RFC 5626 flows): the last one's agent wins.
            now_online[contact.device] = contact.user_agent or now_online.get(contact.device, "")
        was_online = {dev: ua for (acc, dev), ua in self.online.items() if acc == aor}
        if not now_online and not was_online:
            return
        if not self._account_ok(aor, ts, out):
            return
        at = to_dt(ts)
        for device, ua in sorted(now_online.items()):
            if was_online.get(device) != ua or device not in was_online:
                out.append(
                    DeviceStatus(
                        ts=at,
                        account=aor,
                        device=device,
                        user_agent=ua,
                        status=Registration.ONLINE,
                    )
                )
                self.online[(aor, device)] = ua
                self.known_devices.add((aor, device))
        for device, ua in sorted(was_online.items()):
            if device not in now_online:
                out.append(
                    DeviceStatus(
                        ts=at,
                        account=aor,
                        device=device,
                        user_agent=ua,
                        status=Registration.OFFLINE,
                    )
                )
                del self.online[(aor, device)]

    def _device_of(
        self, account: str, *, ruid: str = "", contact: str = "", src: str = ""
    ) -> str | None:
        """The known device of ``account`` that a ruid, contact URI or source address names."""
        candidates = list(self.contacts.get(account, {}).values())
        match: Contact | None = None
        if ruid:
            match = next((c for c in candidates if c.ruid == ruid), None)
        if match is None and contact:
            match = next((c for c in candidates if c.addr == contact), None)
        if match is None and src:
            match = next((c for c in candidates if c.hostport() == src), None)
        if match is None or (account, match.device) not in self.known_devices:
            return None
        return match.device

    def _invite(
        self,
        callid: str,
        *,
        caller: str,
        callee: str,
        caller_name: str = "",
        callee_name: str = "",
        located: bool,
        contact: str,
        src: str,
        ts: float,
        out: list[Event],
    ) -> None:
        at = to_dt(ts)
        if self._is_account(caller) and self._account_ok(caller, ts, out):
            leg = leg_id(callid, Direction.OUT, caller)
            if leg not in self.legs:
                device = self._device_of(caller, contact=contact, src=src)
                out.append(
                    CallRing(
                        ts=at,
                        call=callid,
                        leg=leg,
                        account=caller,
                        device=device,
                        direction=Direction.OUT,
                        remote=callee,
                        remote_name=shown_name(callee_name, callee) or None,
                    )
                )
                self.legs[leg] = _Leg(callid, leg, caller, Direction.OUT, False)
        if located and callee and self._account_ok(callee, ts, out):
            leg = leg_id(callid, Direction.IN, callee)
            if leg not in self.legs:
                out.append(
                    CallRing(
                        ts=at,
                        call=callid,
                        leg=leg,
                        account=callee,
                        direction=Direction.IN,
                        remote=caller,
                        remote_name=shown_name(caller_name, caller) or None,
                    )
                )
                self.legs[leg] = _Leg(callid, leg, callee, Direction.IN, False)

    def _is_account(self, login: str) -> bool:
        """Whether a caller is one of the accounts (registered here, or known to the hub)."""
        if not login:
            return False
        if self.contacts.get(login) or login in self.added_accounts:
            return True
        return self.known_account is not None and self.known_account(login)

    def _answer(self, callid: str, ruid: str, ts: float, out: list[Event]) -> None:
        for leg in [leg for leg in self.legs.values() if leg.call == callid]:
            if leg.answered:
                continue
            device = None
            if leg.direction is Direction.IN and ruid:
                device = self._device_of(leg.account, ruid=ruid)
            out.append(CallAnswer(ts=to_dt(ts), call=callid, leg=leg.leg, device=device))
            leg.answered = True

    def _end(self, callid: str, ts: float, out: list[Event]) -> None:
        for leg in [leg for leg in self.legs.values() if leg.call == callid]:
            out.append(CallEnd(ts=to_dt(ts), call=callid, leg=leg.leg))
            del self.legs[leg.leg]


def _recent(ts: float | None, now: float) -> float:
    """``ts`` if known and not too old for the hub to take, else as old as it may be."""
    if ts is None:
        return now
    return max(ts, now - RESYNC_MAX_AGE)
