"""A board row as text: the condensed user-agents cell and the device detail (R3, R16).

The row itself (who, which status since when, which devices, which one decides) is the model's
(``ringmon.model.board_rows``); here is how it is written in a cell of a given width, in the
user-agents tooltip and in the device detail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ringmon.model.board_rows import DeviceView, Row
from ringmon.model.status import RANK, Status
from ringmon.present.durations import format_duration
from ringmon.present.glyphs import GLYPHS, RINGING_GLYPH
from ringmon.present.markup import as_markup

_VERSIONISH = re.compile(r"^(v|rv|r)?[\d.()_-]+[a-z]?$|^\(.*\)?$", re.IGNORECASE)


def agent_name(user_agent: str) -> str:
    """The product of a user-agent string, without versions: ``MicroSIP/3.21.3`` -> ``MicroSIP``."""
    text = user_agent.strip()
    if not text:
        return "?"
    head = text.split("/", 1)[0].strip() or text
    words = head.split()
    while len(words) > 1 and _VERSIONISH.match(words[-1]):
        words.pop()
    name = " ".join(words) or head
    if len(name) < 3 and len(head) > len(name):
        # "Z 5.6.6 v2.10.20.2" (Zoiper 5): a bare "Z" says nothing; keep its version.
        name = " ".join(head.split()[:2])
    return name


@dataclass(frozen=True, slots=True)
class AgentPiece:
    """A piece of the condensed user-agents cell: a device's glyph and name, or a separator."""

    text: str
    status: Status | None = None
    ringing: bool = False


def _device_order(dev: DeviceView) -> tuple[int, int, float]:
    return (0 if dev.ringing else 1, -RANK[dev.status], dev.since)


def condense_agents(devices: Iterable[DeviceView], width: int) -> list[AgentPiece]:
    """The devices in at most ``width`` cells: glyph + name each, most telling first.

    Ringing devices come first, then by status priority. It tries the full user-agent strings,
    then product names, then product names cut to a fair share of the width each (so that
    every device keeps its status glyph), and when even that is too tight, the first devices
    followed by ``+N``.
    """
    devs = sorted(devices, key=_device_order)
    if width <= 0 or not devs:
        return []
    glyphs = [RINGING_GLYPH if d.ringing else GLYPHS[d.status] for d in devs]
    for names in (
        [d.user_agent.strip() or "?" for d in devs],
        [agent_name(d.user_agent) for d in devs],
    ):
        if _agents_length(names) <= width:
            return _agent_pieces(devs, glyphs, names)
    short = [agent_name(d.user_agent) for d in devs]
    for keep in range(len(devs), 0, -1):
        more = f" +{len(devs) - keep}" if keep < len(devs) else ""
        room = width - len(more) - 2 * keep + 1  # less one glyph per device and the spaces
        cut = _fair_cut(short[:keep], room, minimum=4 if keep > 1 else 1)
        if cut is not None:
            out = _agent_pieces(devs[:keep], glyphs[:keep], cut)
            if more:
                out.append(AgentPiece(more))
            return out
    return [AgentPiece(glyphs[0][:width], devs[0].status, devs[0].ringing)]


def _agents_length(names: list[str]) -> int:
    return sum(len(n) + 1 for n in names) + len(names) - 1


def _agent_pieces(devs: list[DeviceView], glyphs: list[str], names: list[str]) -> list[AgentPiece]:
    out: list[AgentPiece] = []
    for i, (dev, glyph, name) in enumerate(zip(devs, glyphs, names, strict=True)):
        if i:
            out.append(AgentPiece(" "))
        out.append(AgentPiece(f"{glyph}{name}", dev.status, dev.ringing))
    return out


def _fair_cut(names: list[str], room: int, minimum: int) -> list[str] | None:
    """Cut the names to fit ``room`` characters in all, each keeping at least ``minimum``
    (an ellipsis included); None when that is impossible."""
    if room < minimum * len(names):
        return None
    widths = [len(n) for n in names]
    # Take from the longest name first, one character at a time: short names stay whole.
    while sum(widths) > room:
        longest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[longest] <= minimum:
            return None
        widths[longest] -= 1
    return [
        n if len(n) <= w else n[: max(0, w - 1)].rstrip() + "…"
        for n, w in zip(names, widths, strict=True)
    ]


# -- device detail ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceLine:
    """One device as the detail view and the user-agent tooltip describe it (R3, R16)."""

    user_agent: str
    account: str
    status: Status
    since: float
    ringing: bool
    decides: bool
    reason: str | None = None
    paused: str = ""
    """The paused queues, as ``DeviceView.paused_text`` says them."""

    def text(self, now: float, tz: tzinfo) -> str:
        clock = datetime.fromtimestamp(self.since, tz).strftime("%H:%M:%S")
        word = "ringing, " if self.ringing else ""
        mark = "  ← decides the status" if self.decides else ""
        why = f" ({self.reason})" if self.reason else ""
        queues = f" · paused in {self.paused}" if self.paused else ""
        return (
            f"{GLYPHS[self.status]} {self.user_agent or '?'} · {self.account} · "
            f"{word}{self.status.label}{why} since {clock} ({format_duration(now - self.since)})"
            f"{queues}{mark}"
        )


def device_lines(row: Row) -> list[DeviceLine]:
    """The row's devices, most telling first (ringing, then by status priority)."""
    return [
        DeviceLine(
            d.user_agent,
            d.account,
            d.status,
            d.since,
            d.ringing,
            d.decides,
            d.reason,
            d.paused_text(),
        )
        for d in sorted(row.devices, key=_device_order)
    ]


def devices_text(row: Row, now: float, tz: tzinfo) -> str:
    """The user-agent cell's tooltip: one line per device, or why there is none. Textual
    markup (a tooltip is read as markup): names and user agents are escaped."""
    lines = [line.text(now, tz) for line in device_lines(row)]
    if not lines:
        return as_markup(f"{row.name}: no devices registered")
    if row.status is not Status.OFFLINE and not any(d.decides for d in row.devices):
        lines.append(f"{row.status.label}: a call on an account whose device is not known")
    return as_markup(
        "\n".join([f"{row.name}: {row.status.label} (the highest of its devices)", *lines])
    )
