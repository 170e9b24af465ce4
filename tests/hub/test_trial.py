"""The push API's trial state (``hub/trial.scratch_state``) holds whom and which legs each
event of the batch touches by the model's one rule (``model.touched``, as the feed and the
ledger read it), and a batch tried on it is taken or refused as on the live state."""

from __future__ import annotations

import copy
from zoneinfo import ZoneInfo

from hub_helpers import account, answer, end, ring, team

from ringmon.hub.intake.trial import scratch_state
from ringmon.model.schema import Event
from ringmon.model.state import EventRejected, State
from ringmon.model.touched import touched


def _live() -> State:
    """A leg rings for e1 on sip101, then sip101 passes to e2 while it rings: the leg stays
    e1's (who owned the account when it rang), the account is e2's now."""
    state = State(ZoneInfo("UTC"))
    for event in [*team(), ring(600, "a/sip101", "sip101", "c1"), account(605, "sip101", "e2")]:
        state.apply(event)
    return state


def _outcomes(state: State, batch: list[Event]) -> list[str]:
    out: list[str] = []
    for event in batch:
        try:
            state.apply(event)
            out.append("taken")
        except EventRejected as exc:
            out.append(f"{exc.kind}: {exc.reason}")
    return out


def test_the_scratch_state_holds_everyone_the_model_says_a_batch_touches() -> None:
    live = _live()
    batch: list[Event] = [answer(610, "a/sip101"), end(620, "a/sip101")]
    scratch = scratch_state(live, batch)
    for event in batch:
        found = touched(live, event)
        assert set(found.employees) <= set(scratch.employees), event.type
        assert {leg.leg for leg in found.legs} <= set(scratch.legs), event.type
    # e1 is touched (the leg is theirs) though e1 no longer owns the account.
    assert "e1" in scratch.employees


def test_a_batch_is_taken_or_refused_on_the_scratch_as_on_the_live_state() -> None:
    live = _live()
    batch: list[Event] = [
        answer(610, "a/sip101"),
        answer(611, "a/sip101"),  # already answered
        end(620, "a/sip101"),
        end(621, "a/sip101"),  # not in progress any more
        ring(630, "b/sip201", "sip201", "c1"),
        ring(631, "c/sip201", "sip201", "nope"),  # unknown device
        account(640, "sip201", "e9"),  # unknown employee
    ]
    assert _outcomes(scratch_state(live, batch), batch) == _outcomes(copy.deepcopy(live), batch)
