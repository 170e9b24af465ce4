"""``SimSource``: the built-in simulator as a hub source, and ``simulate`` for tests/benchmarks.

On ``run(sink)``:

- an empty hub (``sink.last_ts()`` is None) gets the whole staff upserted at the local
  midnight ``backfill_days`` before today, then every event from there up to the hub's now,
  as fast as the hub takes them (history screens have data at once). A hub that takes a
  history in bulk (``HistorySink``, hub/intake/backfill.py) gets today from its midnight up to now
  as one backlog (``load_backlog``), then the past days after it, numbered before today;
- a hub with stored events resumes strictly after the newest one (a restart of the hub on its
  own data: the stream continues where it stopped, nothing is repeated); when that is older
  than the backfill window, the stream is entered afresh at the window's start instead;
- then live: each next event waits for the hub's clock (``sink.sleep_until``) and is emitted;
  the first time the next event is in the future, the source tells the sink it has caught up
  (``caught_up`` in sources/base.py): the hub serves no snapshot before that.

The source never reads the wall clock: only ``sink.now()`` and ``sink.sleep_until``, so it
follows the hub's ``--speed``. Days are calendar days in the call centre's time zone: the one
given to the constructor, else the sink's ``tz`` attribute if it has one, else the machine's.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringmon.model.schema import Event
from ringmon.sources.base import HistorySink, Sink, caught_up
from ringmon.sources.sim.day_plan import local_time
from ringmon.sources.sim.recording import synth_recording
from ringmon.sources.sim.roster import Roster, build_roster
from ringmon.sources.sim.stream import day_start, local_date, timed_events, window_events
from ringmon.sources.sim.worker import WORKER_FROM, worker_window, zone_name

log = logging.getLogger("ringmon.hub.sim")

SOURCE_NAME = "sim"
YIELD_EVERY = 500
EVENTS_PER_PERSON_DAY = 1_000
"""An upper bound of the events one employee makes in a day (about 100 on a weekday): the
seqs kept for the past days are this many per employee and day."""
"""During the backfill, let the event loop breathe after this many events."""


def resolve_tz(tz: tzinfo | str | None) -> tzinfo:
    """A tzinfo from a zone, a zone name, or None (the machine's zone, UTC if unknown)."""
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str) and tz:
        return ZoneInfo(tz)
    return machine_tz()


def machine_tz() -> tzinfo:
    """The machine's IANA zone ($TZ, else /etc/localtime), UTC when it cannot be told."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _epoch(value: float | datetime) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone")
        return value.timestamp()
    return float(value)


def simulate(
    employees: int,
    seed: int,
    start: float | datetime,
    end: float | datetime | None = None,
    tz: tzinfo | str | None = "UTC",
) -> Iterator[Event]:
    """The events a fresh hub gets from ``SimSource`` for the window ``[start, end)``.

    The staff is upserted at ``start``; devices already registered at ``start`` report their
    status at ``start``; calls that began before ``start`` are left out. With ``start`` at a
    local midnight this is exactly what ``SimSource.run`` emits on an empty hub.
    ``end=None`` is endless.
    """
    zone = resolve_tz(tz)
    stop = math.inf if end is None else _epoch(end)
    for _, event in timed_events(
        build_roster(employees, seed), seed, zone, start=_epoch(start), end=stop
    ):
        yield event


class SimSource:
    """A believable call centre, deterministic under ``seed`` (see the package docstring)."""

    name = SOURCE_NAME
    backfills = True

    def __init__(
        self,
        employees: int = 40,
        seed: int = 1,
        backfill_days: int = 7,
        tz: tzinfo | str | None = None,
        worker: bool | None = None,
    ) -> None:
        """``worker``: make the stream in a worker process (worker.py); by default for a
        roster of ``WORKER_FROM`` people or more."""
        if backfill_days < 0:
            raise ValueError("backfill_days must not be negative")
        self.employees = employees
        self.seed = seed
        self.backfill_days = backfill_days
        self._tz = tz
        self._roster: Roster | None = None
        self.worker = employees >= WORKER_FROM if worker is None else worker
        self.emitted = 0
        self.rejected = 0

    @property
    def roster(self) -> Roster:
        if self._roster is None:
            self._roster = build_roster(self.employees, self.seed)
        return self._roster

    def tz_for(self, sink: Sink) -> tzinfo:
        if self._tz is not None:
            return resolve_tz(self._tz)
        sink_tz = getattr(sink, "tz", None)
        if isinstance(sink_tz, tzinfo | str) and sink_tz:
            return resolve_tz(sink_tz)
        return machine_tz()

    def backfill_start(self, now: float, tz: tzinfo) -> float:
        """The local midnight ``backfill_days`` before the day holding ``now``."""
        return local_time(local_date(now, tz) - timedelta(days=self.backfill_days), 0, tz)

    def events(
        self, now: float, last_ts: float | None, tz: tzinfo
    ) -> Iterator[tuple[float, Event]]:
        """What ``run`` emits, as (time, event), for a hub at ``now`` holding ``last_ts``."""
        start = self.backfill_start(now, tz)
        if last_ts is None:
            return self.stream(tz, start=start)
        if last_ts >= start:
            return self.stream(tz, after=last_ts, now=now)
        # Stored data older than the window: enter afresh, and say every device's status
        # (offline ones too) so that nothing stale stays registered.
        return self.stream(tz, start=start, condense_offline=True)

    def stream(
        self,
        tz: tzinfo,
        *,
        start: float | None = None,
        after: float | None = None,
        end: float = math.inf,
        condense_offline: bool = False,
        now: float | None = None,
    ) -> Iterator[tuple[float, Event]]:
        """``timed_events`` of this roster: made in a worker process (``self.worker``, and a
        zone it can name), else here. Close it (or drop it) to stop its worker."""
        name = zone_name(tz) if self.worker else None
        if name is None:
            return timed_events(
                self.roster,
                self.seed,
                tz,
                start=start,
                after=after,
                end=end,
                condense_offline=condense_offline,
                now=now,
            )
        window = worker_window(
            self.employees,
            self.seed,
            name,
            start=start,
            after=after,
            end=end,
            condense_offline=condense_offline,
            now=now,
        )
        return _closing(
            window_events(self.roster, window, start=start, after=after, end=end, now=now),
            window,
        )

    def history_window(self, sink: Sink, now: float, tz: tzinfo) -> tuple[float, float] | None:
        """On an empty hub that can load history in bulk (``reserve_history``,
        hub/intake/backfill.py): the past days' window (from the backfill's start to today's local
        midnight), once its seqs are reserved; None otherwise (everything goes through ``emit``)."""
        if not isinstance(sink, HistorySink) or sink.last_ts() is not None:
            return None
        if self.backfill_days == 0:
            return None
        start, midnight = self.backfill_start(now, tz), day_start(now, tz)
        days = round((midnight - start) / 86_400)
        bound = days * (len(self.roster.employees) * EVENTS_PER_PERSON_DAY + 1000)
        if midnight <= start or not sink.reserve_history(
            bound, start=start, end=midnight, source=SOURCE_NAME
        ):
            return None
        return start, midnight

    async def run(self, sink: Sink) -> None:
        tz = self.tz_for(sink)
        now = sink.now()
        history = self.history_window(sink, now, tz)
        resume = (
            sink.history_to_resume(SOURCE_NAME)
            if history is None and isinstance(sink, HistorySink)
            else None
        )
        # Where the stream is entered afresh on an empty hub: (start, condense_offline).
        fresh: tuple[float, bool] | None = None
        unfinished = self._unfinished_backlog(sink, tz)
        if unfinished is not None:
            # Today's backlog was served, then a stop cut its storing short: the same stream
            # again, the hub stores what it lacks of the range with the seqs it had.
            stream = self.stream(tz, start=unfinished[0], condense_offline=unfinished[1])
        elif history is None:
            stream = self.events(now, sink.last_ts(), tz)
            if sink.last_ts() is None:
                fresh = (self.backfill_start(now, tz), False)
        else:
            # Today from its midnight (no call is in progress then), every device saying how
            # it stands: the same state the past days lead to; they are loaded once today is
            # served.
            stream = self.stream(tz, start=history[1], condense_offline=True)
            fresh = (history[1], True)
        made = stream  # closed at the end: a worker's stream stops its process
        loader: asyncio.Task[None] | None = None
        burst = 0
        live = False
        try:
            if isinstance(sink, HistorySink):
                # Up to now the stream is a backlog: taken in bulk, made in a worker thread
                # (hub/intake/backfill.py; from a worker process's frames for a big roster,
                # worker.py); the first event after now is kept for the live loop.
                if unfinished is not None:
                    range_events = _events(itertools.islice(stream, unfinished[2]))
                    resume = sink.resume_backlog  # type: ignore[attr-defined]
                    self.emitted += await resume(range_events, source=self.name)
                backlog = _UpToNow(stream, sink.now)
                taken = None
                if fresh is not None and hasattr(sink, "serve_backlog"):
                    # Served before it is stored: the hub stores it from the same stream
                    # made again (hub/intake/backlog.py).
                    start, condense = fresh
                    taken = await sink.serve_backlog(
                        backlog,
                        lambda: _events(self.stream(tz, start=start, condense_offline=condense)),
                        source=self.name,
                        key=f"{self._backlog_prefix(tz)}{start!r}/{int(condense)}",
                    )
                    if taken is not None:
                        # Today up to now is in the live state: first rows now, whether or
                        # not the next event is due yet (it waits until the range is stored).
                        caught_up(sink, SOURCE_NAME)
                if taken is None:
                    taken = await sink.load_backlog(backlog, source=self.name)
                self.emitted += taken
                self.rejected += backlog.count - taken
                stream = itertools.chain(backlog.held, stream)
            # The stream's first event means every team's plan for the day (seconds at
            # 10,000 employees): made in a worker thread, so that the hub answers meanwhile.
            first = await asyncio.to_thread(next, stream, None)
            if first is None:
                return
            for at, event in itertools.chain((first,), stream):
                if at > sink.now():
                    if not live:
                        live = True
                        caught_up(sink, SOURCE_NAME)
                        if history is not None:
                            loader = asyncio.create_task(self._load_history(sink, tz, *history))
                        elif resume is not None:
                            # The past days a stop cut short, from the midnight they go on
                            # from (hub/intake/backfill.py), every device saying how it stands.
                            loader = asyncio.create_task(
                                self._load_history(sink, tz, *resume, condensed=True)
                            )
                    await sink.sleep_until(at)
                    burst = 0
                if await sink.emit(event, source=SOURCE_NAME):
                    self.emitted += 1
                else:
                    self.rejected += 1
                burst += 1
                if burst >= YIELD_EVERY:
                    burst = 0
                    await asyncio.sleep(0)
        finally:
            _close(made)
            if loader is not None and not loader.done():
                loader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loader
            if (history or resume) is not None and isinstance(sink, HistorySink):
                sink.drop_history()  # loaded, or it will not be

    def _backlog_prefix(self, tz: tzinfo) -> str:
        """What a served backlog's key starts with: this source's settings."""
        return f"{self.employees}/{self.seed}/{zone_name(tz) or tz}/"

    def _unfinished_backlog(self, sink: Sink, tz: tzinfo) -> tuple[float, bool, int] | None:
        """(start, condense_offline, events) of today's backlog that a stop of the hub cut
        short while it stored it (hub/intake/backlog.py), if made with these settings."""
        ask = getattr(sink, "backlog_to_resume", None)
        if ask is None:
            return None
        prefix = self._backlog_prefix(tz)
        found = ask(self.name, prefix)
        if found is None:
            return None
        key, items = found
        start, condense = key.removeprefix(prefix).split("/")
        return float(start), condense == "1", int(items)

    async def _load_history(
        self, sink: Sink, tz: tzinfo, start: float, end: float, *, condensed: bool = False
    ) -> None:
        timed = self.stream(tz, start=start, end=end, condense_offline=condensed)
        events = (event for _, event in timed)
        try:
            await sink.load_history(events, source=SOURCE_NAME, start=start, end=end)  # type: ignore[attr-defined]
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("loading the simulator's past days failed")
        finally:
            _close(timed)

    def recording(self, ref: str) -> bytes | None:
        """The WAV bytes of a ``sim:`` recording reference; None for anyone else's."""
        return synth_recording(ref)


def _events(timed: Iterator[tuple[float, Event]]) -> Iterator[Event]:
    """The events of a timed stream (closing it closes the stream: its worker)."""
    try:
        for _, event in timed:
            yield event
    finally:
        _close(timed)


class _UpToNow:
    """The events of a stream up to ``now()`` (the clock runs on while they are taken: read
    again whenever an event is past what it said), counted; the first one after it is kept
    in ``held``."""

    def __init__(self, stream: Iterator[tuple[float, Event]], now: Callable[[], float]) -> None:
        self.stream = stream
        self.now = now
        self.held: list[tuple[float, Event]] = []
        self.count = 0

    def __iter__(self) -> Iterator[Event]:
        now = self.now
        seen = now()  # the clock never goes back: read again only past what it said
        for at, event in self.stream:
            if at > seen:
                seen = now()
                if at > seen:
                    self.held.append((at, event))
                    return
            self.count += 1
            yield event


def _closing(
    events: Iterator[tuple[float, Event]], window: Iterator[object]
) -> Iterator[tuple[float, Event]]:
    """``events``, closing ``window`` (its worker) when it ends or is closed."""
    try:
        yield from events
    finally:
        _close(window)


def _close(stream: object) -> None:
    """Close a generator (a worker's stream stops its process); anything else is left."""
    close = getattr(stream, "close", None)
    if callable(close):
        # Still running in a worker thread (a chunk being made): it is closed when dropped.
        with contextlib.suppress(ValueError):
            close()
