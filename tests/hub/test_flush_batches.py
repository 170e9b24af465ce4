"""When the flush task cuts a batch (hub/storage/store.py ``batch_due``): live events every
``flush_interval``; a backlog (a source handing full runs of lines) in batches of up to
``BACKLOG_BATCH`` events or ``BACKLOG_FLUSH_INTERVAL``, and at once when the backlog pauses or
ends, so that its last events are not kept waiting."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.hub.storage.store import (
    BACKLOG_BATCH,
    BACKLOG_FLUSH_INTERVAL,
    BACKLOG_PAUSE,
    batch_due,
)

LIVE = 10 * BACKLOG_PAUSE  # no full run for a while: live events


def test_live_events_are_cut_every_flush_interval() -> None:
    assert not batch_due(0.04, LIVE, 3, 0.05)
    assert batch_due(0.05, LIVE, 3, 0.05)
    assert batch_due(0.2, LIVE, 0, 0.05)


def test_a_backlogs_batch_grows_until_its_size_or_its_longest_wait() -> None:
    assert not batch_due(0.5, 0.0, BACKLOG_BATCH - 1, 0.05)
    assert batch_due(0.5, 0.0, BACKLOG_BATCH, 0.05)
    assert batch_due(BACKLOG_FLUSH_INTERVAL, 0.0, 1, 0.05)


def test_the_end_of_a_backlog_is_cut_at_once() -> None:
    """The file's last run came: no full run for ``BACKLOG_PAUSE``, the rest goes now."""
    assert batch_due(0.1, BACKLOG_PAUSE, 499, 0.05)


@settings(deadline=None, max_examples=200)
@given(
    since_cut=st.floats(0, 10),
    since_full_run=st.floats(0, 10),
    pending=st.integers(0, 100_000),
    interval=st.floats(0.001, 1.0),
)
def test_no_batch_waits_longer_than_the_longest_wait(
    since_cut: float, since_full_run: float, pending: int, interval: float
) -> None:
    """Whatever the source does, a batch is cut within ``BACKLOG_FLUSH_INTERVAL`` (or the
    hub's own interval, if longer), and a backlog's never holds more than ``BACKLOG_BATCH``
    events when it is looked at."""
    in_backlog = since_full_run < BACKLOG_PAUSE
    if since_cut >= max(interval, BACKLOG_FLUSH_INTERVAL) or (
        in_backlog and pending >= BACKLOG_BATCH
    ):
        assert batch_due(since_cut, since_full_run, pending, interval)
