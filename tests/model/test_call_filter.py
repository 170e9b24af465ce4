"""The call log's filters are the model's: "answered" lists exactly the legs the statistics
count as handled (it used to be the call log's own reading of the outcome), "missed" exactly
the missed ones (R11), and the directions split the calls in two."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.model.call_filter import DIRECTION_FILTERS, RESULT_FILTERS, shows
from ringmon.model.calls import CallLeg
from ringmon.model.schema import Direction
from ringmon.model.stats import period_stats
from ringmon.model.wire import LegDoc

DAY = date(2026, 3, 24)
START = datetime(2026, 3, 24, 8, 0, tzinfo=UTC).timestamp()
NOW = START + 10 * 3600


@st.composite
def legs(draw: st.DrawFn) -> list[CallLeg]:
    out = []
    for n in range(draw(st.integers(0, 12))):
        ring = START + draw(st.floats(0, 8 * 3600))
        rang = draw(st.floats(0, 30))
        answered = draw(st.booleans())
        ended = draw(st.booleans())
        talk = draw(st.floats(0, 600))
        answer_at = ring + rang if answered else None
        end_at = None
        if ended:
            end_at = (answer_at + talk) if answer_at is not None else ring + rang
        out.append(
            CallLeg(
                call=f"c{n}",
                leg=f"l{n}",
                account="1001",
                device="d1",
                employee="e1",
                direction=draw(st.sampled_from(list(Direction))),
                remote="+48",
                ring_at=ring,
                answer_at=answer_at,
                end_at=end_at,
            )
        )
    return out


@settings(max_examples=100)
@given(legs())
def test_answered_and_missed_are_the_statistics_own(calls: list[CallLeg]) -> None:
    stats = period_stats([], calls, [DAY], UTC, NOW).calls
    docs = [LegDoc.of(leg, NOW) for leg in calls]
    assert sum(shows(d, "answered", "all") for d in docs) == stats.handled
    assert sum(shows(d, "answered", "in") for d in docs) == stats.incoming
    assert sum(shows(d, "answered", "out") for d in docs) == stats.outgoing
    assert sum(shows(d, "missed", "all") for d in docs) == stats.missed
    assert sum(shows(d, "short", "all") for d in docs) == stats.short_unanswered
    assert sum(shows(d, "unanswered", "all") for d in docs) == stats.outgoing_unanswered
    shown_in = sum(shows(d, "all", "in") for d in docs)
    assert shown_in + sum(shows(d, "all", "out") for d in docs) == len(docs)


def test_an_unknown_filter_is_refused() -> None:
    leg = LegDoc.of(CallLeg("c", "l", "1001", None, "e1", Direction.IN, "", START), NOW)
    assert RESULT_FILTERS[0] == DIRECTION_FILTERS[0] == "all"
    with pytest.raises(ValueError, match="unknown call filter"):
        shows(leg, "answred", "all")
