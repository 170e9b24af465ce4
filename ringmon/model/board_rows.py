"""The board's rows, without Textual: one employee as the live board shows them (R3, R16).

A ``Row`` is built from the state for each employee an event touched: their merged status and
since when, whether a call rings them, and each device (its own status, whether it rings, and
whether it is the one that decides the employee's status). Also here: how a duration, a status
and a list of user agents are written in a cell of a given width, and the device detail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ringmon.model.calls import CallLeg
from ringmon.model.state import Device, State
from ringmon.model.status import RANK, Status

GLYPHS: dict[Status, str] = {
    Status.TALKING: "●",
    Status.ONLINE: "○",
    Status.DND: "⊘",
    Status.OFFLINE: "·",
}
"""Status glyphs: distinct in shape, so that a monochrome terminal still tells them apart."""
RINGING_GLYPH = "♪"

SHORT_LABELS: dict[Status, str] = {
    Status.TALKING: "talking",
    Status.ONLINE: "online",
    Status.DND: "dnd",
    Status.OFFLINE: "offline",
}


# -- rows -------------------------------------------------------------------------------------


@dataclass(slots=True)
class DeviceView:
    """One device (a registered contact of a SIP account) as the board shows it."""

    account: str
    device: str
    user_agent: str
    status: Status
    since: float
    ringing: bool
    decides: bool
    """This device decides the employee's status (R16): it is the longest in the winning one."""


@dataclass(slots=True, eq=False)
class Row:
    """One employee's row. Treat it as immutable: a changed employee gets a new row, and the
    table tells rows apart by identity. (Not ``frozen``: that makes building 10,000 of them
    several times slower.)"""

    id: str
    name: str
    department: str | None
    status: Status
    since: float
    ringing_since: float | None
    devices: tuple[DeviceView, ...]
    folded: str = ""
    """The name, case-folded, for the type-to-filter."""

    @property
    def ringing(self) -> bool:
        return self.ringing_since is not None


def ringing_legs(state: State, employees: Iterable[str] | None = None) -> dict[str, list[CallLeg]]:
    """Unanswered legs in progress, per employee (all employees when ``employees`` is None)."""
    wanted = None if employees is None else set(employees)
    out: dict[str, list[CallLeg]] = {}
    for leg in state.legs.values():
        emp = leg.employee
        if leg.answer_at is None and emp is not None and (wanted is None or emp in wanted):
            out.setdefault(emp, []).append(leg)
    return out


def deciding_device(devices: Iterable[Device], status: Status) -> Device | None:
    """The device that gives the employee ``status``: the longest in it (R16)."""
    best: Device | None = None
    for dev in devices:
        if dev.status == status and (best is None or dev.since < best.since):
            best = dev
    return best


def build_row(
    state: State,
    employee_id: str,
    ringing: list[CallLeg] | None = None,
    previous: Row | None = None,
) -> Row | None:
    """The row of one employee, or None if the state no longer has them.

    With ``previous`` (the row shown now), what did not change is reused: each unchanged
    device view, and the whole row when nothing changed at all. The board then sees the same
    object and does nothing, and fewer new objects means less work for the garbage collector.
    """
    emp = state.employees.get(employee_id)
    if emp is None:
        return None
    devices = state.devices_of(employee_id)
    if ringing is None:
        ringing = (
            ringing_legs(state, [employee_id]).get(employee_id)
            if state.ringing(employee_id)
            else None
        )
    legs = ringing or []
    ringing_keys = {(leg.account, leg.device) for leg in legs}
    decider = deciding_device(devices, emp.status) if emp.status != Status.OFFLINE else None
    old_views = previous.devices if previous is not None else ()
    views_list: list[DeviceView] = []
    reused = 0
    for i, dev in enumerate(devices):
        view = DeviceView(
            account=dev.account,
            device=dev.device,
            user_agent=dev.user_agent,
            status=dev.status,
            since=dev.since,
            ringing=(dev.account, dev.device) in ringing_keys
            or ((dev.account, None) in ringing_keys and dev.status != Status.OFFLINE),
            decides=dev is decider,
        )
        if i < len(old_views) and old_views[i] == view:
            view = old_views[i]
            reused += 1
        views_list.append(view)
    views = old_views if reused == len(old_views) == len(views_list) else tuple(views_list)
    ringing_since = min((leg.ring_at for leg in legs), default=None)
    department = emp.department or None
    if (
        previous is not None
        and views is previous.devices
        and previous.status is emp.status
        and previous.since == emp.since
        and previous.ringing_since == ringing_since
        and previous.name == emp.name
        and previous.department == department
    ):
        return previous
    return Row(
        id=emp.id,
        name=emp.name,
        department=department,
        status=emp.status,
        since=emp.since,
        ringing_since=ringing_since,
        devices=views,
        folded=emp.name.casefold(),
    )


def build_rows(
    state: State,
    employees: Iterable[str] | None = None,
    previous: Mapping[str, Row] | None = None,
) -> dict[str, Row | None]:
    """Rows for ``employees`` (all when None); a removed employee maps to None. ``previous``:
    the rows shown now, to reuse what did not change (see ``build_row``)."""
    ids = list(state.employees) if employees is None else list(employees)
    # One pass over the calls in progress, and only when one of these employees has one ringing.
    wanted = [i for i in ids if state.ringing(i)]
    legs = ringing_legs(state, None if employees is None else wanted) if wanted else {}
    old = previous or {}
    return {
        emp_id: build_row(state, emp_id, legs.get(emp_id, []), old.get(emp_id)) for emp_id in ids
    }


# -- formatting -------------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """How long, compactly: ``0:07``, ``12:34``, ``1:02:03``, ``3d 04h``."""
    total = max(0, int(seconds))
    if total < 3600:
        return f"{total // 60}:{total % 60:02d}"
    if total < 86400:
        return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"
    return f"{total // 86400}d {total // 3600 % 24:02d}h"


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


def status_label(status: Status, short: bool = False) -> str:
    return SHORT_LABELS[status] if short else status.label


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

    def text(self, now: float, tz: tzinfo) -> str:
        clock = datetime.fromtimestamp(self.since, tz).strftime("%H:%M:%S")
        word = "ringing, " if self.ringing else ""
        mark = "  ← decides the status" if self.decides else ""
        return (
            f"{GLYPHS[self.status]} {self.user_agent or '?'} · {self.account} · "
            f"{word}{self.status.label} since {clock} ({format_duration(now - self.since)}){mark}"
        )


def device_lines(row: Row) -> list[DeviceLine]:
    """The row's devices, most telling first (ringing, then by status priority)."""
    return [
        DeviceLine(d.user_agent, d.account, d.status, d.since, d.ringing, d.decides)
        for d in sorted(row.devices, key=_device_order)
    ]


def devices_text(row: Row, now: float, tz: tzinfo) -> str:
    """The user-agent cell's tooltip: one line per device, or why there is none."""
    lines = [line.text(now, tz) for line in device_lines(row)]
    if not lines:
        return f"{row.name}: no devices registered"
    if row.status is not Status.OFFLINE and not any(d.decides for d in row.devices):
        lines.append(f"{row.status.label}: a call on an account whose device is not known")
    return "\n".join([f"{row.name}: {row.status.label} (the highest of its devices)", *lines])
