"""app_queue's members and their pauses, as AMI tells them. Pure.

A queue member is an interface (``PJSIP/101``; FreePBX: ``Local/101@from-queue/n`` with the
state interface ``PJSIP/101`` or ``hint:101@ext-local``); its account is the login in it. AMI
says who is a member of which queue, and whether paused with which reason:

- ``QueueStatus`` (an action, on every (re)connect) lists ``QueueMember`` events
  (``Queue``, ``Location``, ``StateInterface``, ``Paused``, ``PausedReason``);
- ``QueueMemberAdded`` / ``QueueMemberRemoved`` / ``QueueMemberStatus`` /
  ``QueueMemberPause`` (class ``agent``) say the same as they change (``Interface``).

The reading (docs/sources/asterisk.md, "Queue agents"): an account paused in **every** queue it
is a member of takes no queue call: ``dnd`` with the pause's reason. Paused in some only, it
stays online, and the device report lists the paused queues with their reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringmon.model.schema import QueuePause

QUEUE_EVENTS = frozenset(
    {"QueueMemberAdded", "QueueMemberRemoved", "QueueMemberStatus", "QueueMemberPause"}
)


@dataclass(frozen=True, slots=True)
class QueueMemberInfo:
    """One member of one queue, as a ``QueueMember`` listing event or a change says it."""

    queue: str
    login: str
    paused: bool = False
    reason: str = ""


def login_of(interface: str) -> str | None:
    """The account in a queue member's interface: ``PJSIP/101``, ``SIP/101``,
    ``Local/101@from-queue/n``, ``hint:101@ext-local`` -> ``101``; None for anything else."""
    for prefix in ("PJSIP/", "SIP/", "Local/", "hint:"):
        if interface.startswith(prefix):
            rest = interface.removeprefix(prefix)
            login = rest.split("@", 1)[0].split("/", 1)[0]
            return login or None
    return None


def member_of(msg: dict[str, str]) -> QueueMemberInfo | None:
    """The member an AMI queue event or ``QueueMember`` listing entry speaks of; None when it
    names no queue or no account. ``PausedReason`` is Asterisk 13+'s spelling; ``Reason``
    older ``QueueMemberPause``'s."""
    queue = msg.get("Queue", "")
    if not queue:
        return None
    # The state interface names the phone itself (a Local/ interface only dialplan's idea).
    found = [login_of(msg.get(key, "")) for key in ("StateInterface", "Interface", "Location")]
    login = next((x for x in found if x is not None), None)
    if login is None:
        return None
    paused = msg.get("Paused", "0").strip() not in ("", "0", "false", "no")
    reason = (msg.get("PausedReason") or msg.get("Reason") or "").strip() if paused else ""
    return QueueMemberInfo(queue, login, paused, reason)


class QueueMembership:
    """Per account, the queues it is a member of and its pause in each."""

    def __init__(self) -> None:
        self._members: dict[str, dict[str, tuple[bool, str]]] = {}

    def reset(self, members: list[QueueMemberInfo]) -> set[str]:
        """Take a whole listing (``QueueStatus``); return the accounts whose reading changed."""
        before = {login: self.reading(login) for login in self._members}
        self._members = {}
        for m in members:
            self._members.setdefault(m.login, {})[m.queue] = (m.paused, m.reason)
        logins = set(before) | set(self._members)
        return {login for login in logins if self.reading(login) != before.get(login)}

    def update(self, kind: str, member: QueueMemberInfo) -> bool:
        """One AMI queue event; True when the account's reading changed."""
        before = self.reading(member.login)
        queues = self._members.setdefault(member.login, {})
        if kind == "QueueMemberRemoved":
            queues.pop(member.queue, None)
            if not queues:
                del self._members[member.login]
        else:
            queues[member.queue] = (member.paused, member.reason)
        return self.reading(member.login) != before

    def reading(self, login: str) -> tuple[bool, tuple[QueuePause, ...]]:
        """(paused in every queue it is a member of, the queues it is paused in)."""
        queues = self._members.get(login)
        if not queues:
            return False, ()
        paused = tuple(
            QueuePause(queue=q, reason=reason) for q, (on, reason) in sorted(queues.items()) if on
        )
        return len(paused) == len(queues), paused


def pause_reason(paused: tuple[QueuePause, ...]) -> str | None:
    """The reason of a pause in every queue: the one reason given (``Lunch``), the distinct
    ones joined when queues differ, None when none was given."""
    reasons = list(dict.fromkeys(p.reason for p in paused if p.reason))
    return ", ".join(reasons) or None
