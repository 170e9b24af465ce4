"""Device detail (R3, R16): every device of one employee, the keyboard twin of the tooltip.

Opened with ``u`` on the selected row. One line per device: user agent, SIP account, its own
status and since when, whether a call rings on it, and which device decides the employee's
status. It stays live: the App posts ``ModelChanged`` to every screen on the stack.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ringmon.model.board import build_rows
from ringmon.present.caller_id import party_line
from ringmon.present.durations import format_duration
from ringmon.present.glyphs import GLYPHS, RINGING_GLYPH
from ringmon.present.markup import as_markup
from ringmon.present.row_text import device_lines
from ringmon.present.status_style import RINGING_VAR, STATUS_VARS
from ringmon.screens.context import context_of
from ringmon.screens.model_messages import ModelChanged


class DeviceDetail(ModalScreen[None]):
    """The selected employee's devices, as a dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,u,q", "dismiss", "Close", id="device_detail.dismiss"),
    ]

    DEFAULT_CSS = """
    DeviceDetail { align: center middle; }
    DeviceDetail > Vertical {
        width: auto;
        max-width: 100%;
        min-width: 50;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    DeviceDetail #detail-body { width: auto; height: auto; }
    DeviceDetail #detail-help { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, employee_id: str) -> None:
        super().__init__()
        self.employee_id = employee_id

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Devices"
            yield Static(id="detail-body")
            yield Static("escape closes", id="detail-help")

    def on_mount(self) -> None:
        self._show()
        self.set_interval(1.0, self._show)

    @on(ModelChanged)
    def _changed(self, message: ModelChanged) -> None:
        if message.reset or self.employee_id in message.employees:
            self._show()

    def _show(self) -> None:
        context = context_of(self.app)
        state = context.state
        now = context.now()
        tz = context.tz
        row = build_rows(state, [self.employee_id]).get(self.employee_id)
        body = self.query_one("#detail-body", Static)
        if row is None:
            body.update("This employee is no longer on the board.")
            return
        self.query_one(Vertical).border_title = f"Devices of {as_markup(row.name)}"
        glyph = GLYPHS[row.status]
        dept = as_markup(row.department or "no department")
        lines = [
            f"[b]{as_markup(row.name)}[/b] · {dept} · "
            f"[{STATUS_VARS[row.status]}]{glyph} {row.status.label}[/] for "
            f"{format_duration(now - row.since)}",
            "[$text-muted]The highest status wins: talking > online > dnd > offline.[/]",
            "",
        ]
        if row.reason:
            lines[0] += f" · {as_markup(row.reason)}"
        if row.party is not None:
            masked = context.mask_numbers
            call = "talking with" if row.party.talking else "ringing from"
            if row.party.direction.value == "out":
                call = "talking with" if row.party.talking else "calling"
            who = as_markup(party_line(row.party, masked=masked))
            mark = "" if row.party.talking else f"[$warning]{RINGING_GLYPH}[/] "
            lines.insert(2, f"{mark}{call} {who}")
        devices = device_lines(row)
        if not devices:
            lines.append("[$text-muted]No device registered.[/]")
        for dev in devices:
            since = _clock(dev.since, tz)
            var = STATUS_VARS[dev.status]
            ring = f" [{RINGING_VAR} b]{RINGING_GLYPH} ringing[/]" if dev.ringing else ""
            decides = "  [b]← decides the status[/b]" if dev.decides else ""
            why = f" ({as_markup(dev.reason)})" if dev.reason else ""
            queues = f"\n    paused in {as_markup(dev.paused)}" if dev.paused else ""
            lines.append(
                f"[{var}]{GLYPHS[dev.status]} {dev.status.label:<14}[/]"
                f" {as_markup(dev.user_agent or '?')}{ring}{decides}\n"
                f"    account {as_markup(dev.account)} · since {since}"
                f" ({format_duration(now - dev.since)}){why}{queues}"
            )
        if row.status.value != "offline" and not any(d.decides for d in devices):
            lines.append(
                f"[{STATUS_VARS[row.status]}]{row.status.label}[/]: "
                "a call on an account whose device is not known"
            )
        body.update("\n".join(lines))


def _clock(at: float, tz: tzinfo) -> str:

    return datetime.fromtimestamp(at, tz).strftime("%H:%M:%S")
