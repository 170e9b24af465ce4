"""The four statuses of the report and the priority that merges them (R16)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from ringmon.model.schema import Registration


class Status(StrEnum):
    TALKING = "talking"
    ONLINE = "online"
    DND = "dnd"
    OFFLINE = "offline"

    @property
    def rank(self) -> int:
        return RANK[self]

    @property
    def label(self) -> str:
        return LABELS[self]


# R16: talking > online > do not disturb > offline.
RANK: dict[Status, int] = {Status.TALKING: 3, Status.ONLINE: 2, Status.DND: 1, Status.OFFLINE: 0}
BY_PRIORITY: tuple[Status, ...] = (Status.TALKING, Status.ONLINE, Status.DND, Status.OFFLINE)
LABELS: dict[Status, str] = {
    Status.TALKING: "talking",
    Status.ONLINE: "online",
    Status.DND: "do not disturb",
    Status.OFFLINE: "offline",
}

FROM_REGISTRATION: dict[Registration, Status] = {
    Registration.ONLINE: Status.ONLINE,
    Registration.DND: Status.DND,
    Registration.OFFLINE: Status.OFFLINE,
}


# Module constants for hot code: reading ``Status.TALKING`` goes through the enum class's
# ``__getattr__`` hook (slow, and Python cannot cache it).
_TALKING = Status.TALKING
_OFFLINE = Status.OFFLINE


def merge_status(statuses: Iterable[Status]) -> Status:
    """The employee's status from all of their devices' statuses (R16); offline when none.

    Talking outranks everything, so the first one ends the search.
    """
    best = _OFFLINE
    best_rank = 0
    for status in statuses:
        if status is _TALKING:
            return status
        rank = RANK[status]
        if rank > best_rank:
            best, best_rank = status, rank
    return best


def device_status(registration: Registration, talking: bool) -> Status:
    """A device is talking while an answered leg is in progress on it, whatever it reports."""
    return _TALKING if talking else FROM_REGISTRATION[registration]
