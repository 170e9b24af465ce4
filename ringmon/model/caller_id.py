"""The other party of an employee's call in progress, and numbers masked as personal data.

While an employee rings or talks the board shows who with: the number and, when the source
knows it, the name, and the direction (written by ``ringmon.present.caller_id``). Callers'
numbers are personal data: where many people see the screen (``--wall``, ``ringmon web``)
they are masked by default, ``+48601234500`` -> ``+48 601 *** *00``, and so are names that
are numbers. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ringmon.model.calls import CallLeg
from ringmon.model.schema import Direction
from ringmon.model.state import State

EXTENSION_DIGITS = 6
"""Numbers this short are internal extensions (a colleague, a queue): never masked."""
SHOWN_AT_END = 2
HIDDEN_AT_LEAST = 3


@dataclass(frozen=True, slots=True)
class OtherParty:
    """Who an employee's call in progress is with."""

    direction: Direction
    number: str
    name: str = ""
    talking: bool = False


def other_parties(state: State, employees: Iterable[str] | None = None) -> dict[str, OtherParty]:
    """The other party of each employee's call in progress (of ``employees``, or everyone's),
    in one pass over the legs: the call they talk on (the latest answered), else the one
    ringing longest. Employees with no call in progress are left out."""
    legs: Iterable[CallLeg] = (
        state.legs.values()
        if employees is None
        else [leg for emp in dict.fromkeys(employees) for leg in state.legs_of(emp)]
    )
    best: dict[str, CallLeg] = {}
    for leg in legs:
        emp = leg.employee
        if emp is None:
            continue
        now = best.get(emp)
        if now is None or _rank(leg) > _rank(now):
            best[emp] = leg
    return {
        emp: OtherParty(leg.direction, leg.remote, leg.remote_name, leg.answer_at is not None)
        for emp, leg in best.items()
    }


def _rank(leg: CallLeg) -> tuple[bool, float, str]:
    """Talking before ringing; the latest answered; the earliest rung."""
    if leg.answer_at is not None:
        return True, leg.answer_at, leg.leg
    return False, -leg.ring_at, leg.leg


def mask_number(number: str) -> str:
    """A phone number with its middle hidden: ``+48601234500`` -> ``+48 601 *** *00``,
    ``601234500`` -> ``601 *** *00``. An extension (up to six digits) and text that is not a
    number are returned as they are."""
    text = number.strip()
    plus = text.startswith("+")
    digits = "".join(c for c in text if c.isdigit())
    rest = text.removeprefix("+").replace(" ", "").replace("-", "")
    if not digits or rest != digits or len(digits) <= EXTENSION_DIGITS:
        return number
    head = min(5 if plus else 3, len(digits) - SHOWN_AT_END - HIDDEN_AT_LEAST)
    kept = digits[:head]
    hidden = "*" * (len(digits) - head - SHOWN_AT_END) + digits[-SHOWN_AT_END:]
    first = len(hidden) % 3 or 3  # grouped in threes from the end, as numbers are read
    groups = [hidden[:first]] + [hidden[i : i + 3] for i in range(first, len(hidden), 3)]
    lead = (f"+{kept[:2]} {kept[2:]}" if plus else kept).strip()
    return " ".join([lead, *groups])
