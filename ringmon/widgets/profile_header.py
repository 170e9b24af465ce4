"""The profile's header (R7): who, which department, every account and number, and each
device registered right now with its status (live, from the app's state)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ringmon.model.history_docs import HistoryDoc
from ringmon.model.schema import Registration
from ringmon.model.state import State
from ringmon.model.status import Status
from ringmon.present.clock import clock
from ringmon.present.glyphs import GLYPHS
from ringmon.present.status_style import StatusStyles, status_text
from ringmon.widgets.status_colours import theme_styles


@dataclass(slots=True)
class DeviceLine:
    name: str
    user_agent: str
    status: Status
    since: float
    reason: str | None = None


@dataclass(slots=True)
class HeaderFacts:
    """What the header shows, gathered from the live state and/or the history document."""

    name: str
    department: str | None
    status: Status | None = None
    since: float | None = None
    accounts: list[tuple[str, str | None]] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    devices: list[DeviceLine] = field(default_factory=list)
    offline_devices: int = 0
    offline_reasons: list[str] = field(default_factory=list)
    """Why the offline ones are (``unreachable``, ``unregistered``), when a source said."""
    known: bool = True


def header_facts(employee_id: str, state: State | None, doc: HistoryDoc | None) -> HeaderFacts:
    """Live facts when the state knows the employee; else what the history says."""
    emp = state.employees.get(employee_id) if state is not None else None
    if emp is not None and state is not None:
        facts = HeaderFacts(emp.name, emp.department, emp.status, emp.since)
        facts.accounts = [(a.login, a.number) for a in state.accounts_of(employee_id)]
        facts.numbers = list(emp.numbers)
        for dev in state.devices_of(employee_id):
            if dev.registration is Registration.OFFLINE:
                facts.offline_devices += 1
                if dev.reason:
                    facts.offline_reasons.append(dev.reason)
                continue
            facts.devices.append(
                DeviceLine(
                    f"{dev.account}/{dev.device}", dev.user_agent, dev.status, dev.since, dev.reason
                )
            )
        return facts
    if doc is not None:
        e = doc.employee
        facts = HeaderFacts(e.name, e.department, None, None)
        facts.accounts = [(a.login, a.number) for a in doc.accounts]
        facts.numbers = list(e.numbers)
        return facts
    return HeaderFacts(employee_id, None, known=False)


def _why(reasons: list[str]) -> str:
    """``: unreachable, unregistered``: why devices are offline, when sources said."""
    return ": " + ", ".join(sorted(set(reasons))) if reasons else ""


def _joined(parts: list[str], empty: str) -> Text:
    return Text(" · ".join(parts)) if parts else Text(empty, style="italic")


def render_header(facts: HeaderFacts, tz: tzinfo, styles: StatusStyles) -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="dim", no_wrap=True, width=9)
    grid.add_column(ratio=1)
    title = Text(facts.name, style="bold")
    if facts.department:
        title.append(f"  {facts.department}", "")
    else:
        title.append("  no department", "dim italic")
    if facts.status is not None:
        title.append("  ")
        suffix = f" since {clock(facts.since, tz)}" if facts.since else ""
        title.append_text(status_text(facts.status, styles, suffix))
    grid.add_row(Text("Employee"), title)
    grid.add_row(
        Text("Accounts"),
        _joined(
            [f"{login} ({number})" if number else login for login, number in facts.accounts],
            "no SIP account linked",
        ),
    )
    grid.add_row(Text("Numbers"), _joined(facts.numbers, "no phone number"))
    if facts.status is None and facts.known:
        grid.add_row(Text("Devices"), Text("unknown (no live feed)", style="italic"))
    elif not facts.devices:
        note = "none registered now"
        if facts.offline_devices:
            note += f" ({facts.offline_devices} offline{_why(facts.offline_reasons)})"
        grid.add_row(Text("Devices"), Text(note, style="italic"))
    else:
        for n, dev in enumerate(facts.devices):
            line = Text.assemble(
                (GLYPHS[dev.status], styles[dev.status]),
                f" {dev.name} ",
                (dev.user_agent or "unknown user agent", "dim"),
                " ",
                (dev.status.label, styles[dev.status]),
                (f" · {dev.reason}" if dev.reason else "", styles[dev.status]),
            )
            grid.add_row(Text("Devices" if n == 0 else ""), line)
        if facts.offline_devices:
            more = f"+{facts.offline_devices} offline{_why(facts.offline_reasons)}"
            grid.add_row(Text(""), Text(more, style="dim"))
    return grid


class ProfileHeader(Static):
    """Shows :class:`HeaderFacts`; the screen calls :meth:`show` when the state changes."""

    DEFAULT_CSS = """
    ProfileHeader {
        height: auto;
        padding: 0 1;
        border-bottom: solid $primary 30%;
    }
    """

    def show(self, facts: HeaderFacts, tz: tzinfo) -> None:
        self.update(render_header(facts, tz, theme_styles(self.app)))
