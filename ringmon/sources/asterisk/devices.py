"""Contacts, DND and queue pauses -> device reports; endpoints -> employees. Pure.

The part of the mapper (``mapping.py``) that keeps the PBX's SIP accounts: each registered
contact of a PJSIP endpoint is a device; its report (``device.status``) follows from the
contact's status, the account's DND flags (FreePBX ``Custom:DND<login>``, presence
``CustomPresence:<login>`` ``dnd``) and its queue pauses (``queues.py``):

- contact ``Reachable`` / ``NonQualified`` / ``Unknown`` / ``Created`` / ``Updated`` -> online
  (``dnd`` when a DND flag is on or it is paused in every queue it is a member of, with
  the pause's reason); ``Unreachable`` -> offline, reason ``unreachable``; ``Removed`` or
  no contact -> offline, reason ``unregistered``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from ringmon.model.schema import (
    AccountUpsert,
    DeviceStatus,
    EmployeeUpsert,
    Event,
    QueuePause,
    Registration,
)
from ringmon.model.wire import to_dt
from ringmon.sources.asterisk.ami_frames import DialTargets, NotAChannelEvent, as_ari
from ringmon.sources.asterisk.frames import device_id, opt_str, req_str
from ringmon.sources.asterisk.queues import (
    QueueMembership,
    member_of,
    pause_reason,
)
from ringmon.sources.asterisk.snapshot import ContactInfo, Snapshot

UNKNOWN_EMPLOYEE_PREFIX = "asterisk:"
ONLINE_CONTACT = frozenset({"Reachable", "NonQualified", "Unknown", "Created", "Updated"})
DND_DEVICE_STATES = frozenset({"BUSY", "INUSE"})
UNREACHABLE = "unreachable"
UNREGISTERED = "unregistered"

DeviceKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Reported:
    """What the mapper last said of a device."""

    status: Registration
    user_agent: str
    reason: str | None = None
    paused: tuple[QueuePause, ...] = ()


class DevicesMixin:
    """The accounts and devices part of ``AsteriskMapper``."""

    def __init__(
        self,
        *,
        account_known: Callable[[str], bool] | None,
        unknown_endpoints: bool,
        dnd: bool,
        ignore: tuple[str, ...],
        ami_calls: bool,
    ) -> None:
        self.ami_calls = ami_calls
        """AMI-only mode: calls and contacts from AMI's channel events (``ami_frames.py``)."""
        self._account_known = account_known or (lambda login: False)
        self.unknown_endpoints = unknown_endpoints
        self.ignore = ignore
        """Glob patterns of endpoint names never shown unless the directory has them
        (trunks: ``ignore=trunk-*``)."""
        self.dnd_enabled = dnd
        self.ignored: Counter[str] = Counter()
        self.endpoints: dict[str, tuple[str, str]] = {}
        self.contacts: dict[DeviceKey, str] = {}
        self.user_agents: dict[DeviceKey, str] = {}
        self.dnd_custom: set[str] = set()
        self.dnd_presence: set[str] = set()
        self.queues = QueueMembership()
        self.reported: dict[DeviceKey, Reported] = {}
        self.created: dict[str, tuple[str, str]] = {}
        """Accounts this mapper made up an employee for: login -> (name, number)."""

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
        account = opt_str(frame, "endpoint", "resource")
        uri = opt_str(frame, "contact_info", "uri")
        status = opt_str(frame, "contact_info", "contact_status")
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

    def _resync_devices(self, snap: Snapshot, at: float) -> list[Event]:
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
        self.queues.reset(snap.queue_members)
        for key in sorted(set(self.reported) | set(now_contacts)):
            out += self._refresh_device(key, at)
        return out

    # -- contacts and DND -------------------------------------------------------------------

    def _ari_contact(self, frame: dict[str, Any], at: float) -> list[Event]:
        account = req_str(frame, "endpoint", "resource")
        uri = req_str(frame, "contact_info", "uri")
        status = req_str(frame, "contact_info", "contact_status")
        if opt_str(frame, "endpoint", "technology") not in ("", "PJSIP"):
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
            req_str(frame, "device_state", "name"), req_str(frame, "device_state", "state"), at
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
        return self._refresh_account(login, at)

    def _queue_event(self, frame: dict[str, str], at: float) -> list[Event]:
        """``QueueMemberAdded`` / ``Removed`` / ``Status`` / ``Pause``."""
        member = member_of(frame)
        if member is None:
            self.ignored["malformed"] += 1
            return []
        if not self.queues.update(frame["Event"], member):
            return []
        return self._refresh_account(member.login, at)

    def _refresh_account(self, login: str, at: float) -> list[Event]:
        out: list[Event] = []
        keys = {k for k in self.contacts if k[0] == login} | {
            k for k in self.reported if k[0] == login
        }
        for key in sorted(keys):
            out += self._refresh_device(key, at)
        return out

    def dnd(self, login: str) -> bool:
        return login in self.dnd_custom or login in self.dnd_presence

    def _wanted(self, key: DeviceKey, agent: str) -> Reported:
        status = self.contacts.get(key)
        if status is None or status not in ONLINE_CONTACT:
            why = UNREACHABLE if status == "Unreachable" else UNREGISTERED
            return Reported(Registration.OFFLINE, agent, why)
        all_paused, paused = self.queues.reading(key[0])
        if self.dnd_enabled and all_paused:
            return Reported(Registration.DND, agent, pause_reason(paused), paused)
        if self.dnd(key[0]):
            return Reported(Registration.DND, agent, None, paused)
        return Reported(Registration.ONLINE, agent, None, paused)

    def _refresh_device(self, key: DeviceKey, at: float) -> list[Event]:
        before = self.reported.get(key)
        agent = self.user_agents.get(key, "") or (before.user_agent if before else "")
        wanted = self._wanted(key, agent)
        if before is None and wanted.status is Registration.OFFLINE and key not in self.contacts:
            return []
        if before == wanted:
            return []
        out = self._ensure_account(key[0], at)
        if key[0] not in self.created and not self._account_known(key[0]):
            return out  # an endpoint ringmon is told to leave out
        self.reported[key] = wanted
        out.append(
            DeviceStatus(
                ts=to_dt(at),
                account=key[0],
                device=key[1],
                user_agent=wanted.user_agent,
                status=wanted.status,
                dnd_capable=self.dnd_enabled,
                reason=wanted.reason,
                paused=wanted.paused or None,
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
        name, number = opt_str(ch, "caller", "name"), opt_str(ch, "caller", "number")
        if name and number == login:
            self.endpoints[login] = (name, number)

    def _device_known(self, account: str, device: str | None) -> str | None:
        if device is None:
            return None
        return device if (account, device) in self.reported else None
