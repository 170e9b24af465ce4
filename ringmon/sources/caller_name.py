"""The other party's name as a source hands it on: worth showing, or nothing.

PBXs put all sorts in a caller-id name: nothing, the number again, ``<unknown>``, or a SIP
display name in quotes. ``shown_name`` keeps a name only when it says more than the number;
``sip_display_name`` takes the display part of a SIP ``name-addr`` (a From or
P-Asserted-Identity header). The names are personal data like the numbers: the screens mask a
name that is a number as they mask numbers (``ringmon.model.caller_id``).
"""

from __future__ import annotations

MAX_NAME = 120
"""Longer names are cut: a caller-id name is a line on a board, not a document."""

NO_NAME = frozenset({"", "unknown", "<unknown>", "anonymous", "<null>", "[not set]"})
"""What PBXs say when they have no name (compared case-blind)."""

URI_SCHEMES = ("sip:", "sips:", "tel:")


def shown_name(name: str, number: str) -> str:
    """``name`` stripped, or ``""`` when it says nothing more than ``number``: empty, a
    placeholder (``<unknown>``), or the number again (in any of its forms: ``600100200``
    for ``+48600100200``)."""
    name = " ".join(name.split())[:MAX_NAME]
    if name.casefold() in NO_NAME or name == number.strip():
        return ""
    digits = "".join(c for c in name if c.isdigit())
    if digits and digits == "".join(c for c in name if c not in "+-() ."):
        # The name is a number: the same number as the remote's says nothing more.
        number_digits = "".join(c for c in number if c.isdigit())
        if number_digits and number_digits.endswith(digits):
            return ""
    return name


def sip_display_name(value: str) -> str:
    """The display name of a SIP ``name-addr`` (RFC 3261 25.1): ``"Anna \\"A\\" Nowak"
    <sip:…>`` -> ``Anna "A" Nowak``, ``Anna Nowak <sip:…>`` -> ``Anna Nowak``; a display
    name on its own (Kamailio's ``$fn``) the same, quoted or not. ``""`` for an address
    without one (``<sip:…>``, ``sip:…``). Of several addresses (``a, b``) the first that
    has a display name."""
    text = value.strip()
    while text:
        display, rest = _display_part(text)
        if display:
            return display
        # The next address, if any (a comma outside quotes and brackets).
        _, comma, text = rest.partition(",")
        if not comma:
            break
        text = text.strip()
    return ""


def _display_part(text: str) -> tuple[str, str]:
    """(the display name of the first address in ``text``, what follows that address)."""
    if text.startswith('"'):
        out: list[str] = []
        i = 1
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 2
                continue
            if char == '"':
                break
            out.append(char)
            i += 1
        rest = text[i + 1 :]
        return " ".join("".join(out).split()), rest.partition(">")[2] if "<" in rest else rest
    bracket = text.find("<")
    if bracket >= 0:
        return " ".join(text[:bracket].split()), text[bracket:].partition(">")[2]
    if text.casefold().startswith(URI_SCHEMES):
        return "", text.partition(",")[1] + text.partition(",")[2]
    return " ".join(text.split()), ""
