"""Who a call in progress is with, as a line shows it: the direction's arrow, then the number
(masked where many people see the screen: ``model.caller_id.mask_number``) and the name.
"""

from __future__ import annotations

from ringmon.model.caller_id import OtherParty, mask_number
from ringmon.present.glyphs import DIRECTION_ARROWS


def party_text(number: str, name: str, *, masked: bool) -> str:
    """The other party as a line shows it: ``+48 601 *** *00 Kowalski Transport``, the number
    or the name alone, or ``""`` when the source said neither. ``masked`` hides the middle of
    the number, and of a name that is a number (a caller-id name is personal data too)."""
    if masked:
        number, name = mask_number(number), mask_number(name)
    return " ".join(part for part in (number, name) if part)


def party_line(party: OtherParty, *, masked: bool) -> str:
    """``← +48 601 *** *00 Kowalski Transport`` (the name alone when there is no number,
    ``← ?`` when the source said neither)."""
    who = party_text(party.number, party.name, masked=masked) or "?"
    return f"{DIRECTION_ARROWS[party.direction]} {who}"
