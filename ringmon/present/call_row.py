"""A call of the call log as a table row: time, direction, remote, ring and talk time, result
and recording (R11, R12), in the one duration format.
"""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text

from ringmon.model.call_filter import leg_outcome, missed_answered_by_colleague
from ringmon.model.calls import Outcome
from ringmon.model.wire import LegDoc
from ringmon.present.caller_id import party_text
from ringmon.present.durations import format_duration
from ringmon.present.glyphs import DIRECTION_ARROWS, RECORDING_GLYPH

RESULT_LABEL: dict[Outcome, str] = {
    Outcome.ANSWERED: "answered",
    Outcome.MISSED: "missed",
    Outcome.SHORT: "short ≤5 s",
    Outcome.UNANSWERED: "no answer",
    Outcome.RINGING: "ringing",
    Outcome.TALKING: "talking",
}
ANSWERED_BY_COLLEAGUE = "answered by a colleague"
"""How the profile and the call log say that a missed call was answered by someone else."""
COLLEAGUE_SHORT = "colleague"
"""The same in the compact call log, where every column must fit in 60 cells."""
RESULT_STYLE: dict[Outcome, str] = {
    Outcome.ANSWERED: "green",
    Outcome.MISSED: "bold bright_red",
    Outcome.SHORT: "yellow",
    Outcome.UNANSWERED: "dim",
    Outcome.RINGING: "cyan",
    Outcome.TALKING: "bright_red",
}


def call_row(
    leg: LegDoc,
    tz: tzinfo,
    now: float,
    many_days: bool,
    compact: bool = False,
    masked: bool = False,
) -> tuple[Text, ...]:
    """A table row: time, direction, remote, ring time, talk time, result, recording; when
    ``compact``, the direction is an arrow before the remote and there is no Dir column. The
    remote is its number (``masked``: ``+48 601 *** *00``) and name, when known."""
    local = leg.ring_at.astimezone(tz)
    if compact:
        when = local.strftime("%a %H:%M" if many_days else "%H:%M:%S")
    else:
        when = local.strftime("%a %d %H:%M:%S" if many_days else "%H:%M:%S")
    model = leg.to_leg()
    answered = model.answered
    ring = leg.ring_seconds if leg.ring_seconds is not None else model.ring_seconds(now)
    talk = leg.talk_seconds if leg.talk_seconds is not None else model.talk_seconds(now)
    outcome = leg_outcome(leg)
    result = Text(RESULT_LABEL[outcome], RESULT_STYLE[outcome])
    if missed_answered_by_colleague(leg):
        result.append(f" · {COLLEAGUE_SHORT if compact else ANSWERED_BY_COLLEAGUE}", "dim")
    arrow = f"{DIRECTION_ARROWS[leg.direction]} {leg.direction.value}"
    remote = party_text(leg.remote, leg.remote_name, masked=masked) or "unknown"
    if compact:
        return (
            Text(when),
            Text(f"{arrow[0]} {remote}"),
            Text(format_duration(ring), justify="right"),
            Text(format_duration(talk) if answered else "-", justify="right"),
            result,
            Text(RECORDING_GLYPH if leg.recording else "-", justify="center"),
        )
    return (
        Text(when),
        Text(arrow),
        Text(remote),
        Text(format_duration(ring), justify="right"),
        Text(format_duration(talk) if answered else "-", justify="right"),
        result,
        Text(f"{RECORDING_GLYPH} yes" if leg.recording else "-"),
    )
