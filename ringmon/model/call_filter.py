"""Which calls the call log shows: its result and direction filters (R11, R12).

"Answered" here is the statistics' own: a leg someone picked up (``CallLeg.answered``), ended
or still talking, so that the call log's "answered" filter lists exactly the calls the profile
counts as handled.
"""

from __future__ import annotations

from ringmon.model.calls import Outcome
from ringmon.model.wire import LegDoc

RESULT_FILTERS: tuple[str, ...] = ("all", "answered", "missed", "short", "unanswered")
DIRECTION_FILTERS: tuple[str, ...] = ("all", "in", "out")


def leg_outcome(leg: LegDoc) -> Outcome:
    """The hub's outcome of the leg, or the model's when the hub gave none."""
    return leg.outcome if leg.outcome is not None else leg.to_leg().outcome()


def missed_answered_by_colleague(leg: LegDoc) -> bool:
    """A missed call (R11) of this employee that another employee answered (a hunt group, a
    queue): the profile's "N of them answered by a colleague" counts exactly these
    (``CallStats.missed_answered_by_colleague``; the flag is ``mark_answered_by_colleague``'s)."""
    return leg.answered_by_colleague and leg_outcome(leg) is Outcome.MISSED


def shows(leg: LegDoc, result: str, direction: str) -> bool:
    """Whether the call log shows ``leg`` with these filters (``result`` one of
    ``RESULT_FILTERS``, ``direction`` one of ``DIRECTION_FILTERS``)."""
    if result not in RESULT_FILTERS or direction not in DIRECTION_FILTERS:
        raise ValueError(f"unknown call filter: result {result!r}, direction {direction!r}")
    if direction != "all" and leg.direction.value != direction:
        return False
    if result == "all":
        return True
    if result == "answered":
        return leg.to_leg().answered
    return leg_outcome(leg).value == result
