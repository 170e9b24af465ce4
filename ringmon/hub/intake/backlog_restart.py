# mypy: disable-error-code="misc"
"""Today's backlog served before it is stored, after a stop that cut its storing short (a room
of ``Hub``; backlog.py serves and stores it).

A hub stopped while it stored the range (SIGKILL and power loss included) has committed a
prefix of it, each transaction with how far the range got (the ``meta`` row ``hub:backlog``:
the next seq, and how many of the source's events that took). At opening the hub notes it
(``resume_backlog_at_open``); its source, started again, asks for it (``backlog_to_resume``),
makes the range again from its key (the same settings, the same events) and hands it over
(``resume_backlog``): the hub skips what is stored and stores the rest into the live state
with the seqs it had, while other events wait at the door. What a client saw at the range's
last seq is then what storage holds. If the source's settings changed, or an event came in
first, the range's unstored seqs stay unused (seq is increasing, not contiguous).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ringmon.hub.intake.backlog import BACKLOG_KEY, BacklogRange, BacklogRow
from ringmon.hub.shared import HubShared
from ringmon.hub.storage.database import Storage
from ringmon.model.schema import Event

if TYPE_CHECKING:
    from ringmon.hub.core import Hub

log = logging.getLogger("ringmon.hub")


class BacklogRestart(HubShared):
    """Finishing a range served before a stop, after it."""

    def resume_backlog_at_open(self: Hub, storage: Storage) -> None:
        """At opening: a range a stop cut short, to be finished by its source."""
        raw = storage.meta(BACKLOG_KEY)
        if raw is None:
            return
        try:
            resume = BacklogRow.model_validate_json(raw)
        except ValidationError:
            return
        if resume.done or resume.next > resume.last:
            return
        self._backlog_resume = resume
        log.info(
            "today's backlog was served but a stop cut its storing short at seq %d: its "
            "source stores the rest (to seq %d)",
            resume.next,
            resume.last,
        )

    def backlog_to_resume(self: Hub, source: str, prefix: str) -> tuple[str, int] | None:
        """For ``source``: the key of the range a stop cut short (what it was made from, as
        ``serve_backlog`` was told; it starts with ``prefix``: the source's settings) and how
        many of the source's events it is made of, to make it again and hand them to
        ``resume_backlog``; None if there is none to finish (or the
        settings changed, or events came in since the restart: its seqs stay unused)."""
        resume = self._backlog_resume
        if resume is None or resume.source != source:
            return None
        came_in = self._seq != resume.next - 1 or self._pending.events
        if not resume.key.startswith(prefix) or came_in:
            log.warning(
                "today's backlog served before a stop cannot be finished (the source's "
                "settings changed, or events came in first): seqs %d to %d stay unused",
                resume.next,
                resume.last,
            )
            self._backlog_resume = None
            self._seq = max(self._seq, resume.last)
            self.flushed_seq = max(self.flushed_seq, resume.last)
            return None
        return resume.key, resume.items

    async def resume_backlog(self: Hub, events: Iterable[Event], *, source: str) -> int:
        """Store the rest of a range a stop cut short (``events``: the whole range made
        again, from its first event) with the seqs it had, into the live state; events wait
        at the door meanwhile. Returns how many of ``events`` it took."""
        resume = self._backlog_resume
        if resume is None or resume.source != source:
            return 0
        self._backlog_resume = None
        rng = self._range = BacklogRange(source, resume.key, resume.first, resume.last)
        rng.items = resume.items
        # How much of it is stored, for ``/v1/health`` and the heartbeat (``loading``): up to
        # the live state's time, which is where storage got.
        rng.start, rng.end, rng.stored_until = resume.start, resume.end, self.state.clock
        self._range_done.clear()
        stream = iter(events)
        await self._store_range(
            lambda: stream, self.state, self.ledger, skip=resume.taken, next_seq=resume.next
        )
        self.state.seq = self._seq
        return resume.items
