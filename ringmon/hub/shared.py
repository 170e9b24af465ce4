"""The state and settings the hub's rooms share (pipeline, store, supervisor, health): one
``__init__`` for ``Hub``, so that every room sees the same declared attributes."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ringmon.hub.clock import Clock, HubClock
from ringmon.hub.intake.ledger import Ledger
from ringmon.hub.serving.fanout import Subscriber
from ringmon.hub.serving.limits import MAX_FUTURE_SKEW, RETENTION_DAYS
from ringmon.hub.serving.tokens import TokenStore
from ringmon.hub.storage.database import Storage, WriteBatch
from ringmon.model.state import State
from ringmon.model.wire import SnapshotDoc
from ringmon.sources.base import Source, SourceHealth

if TYPE_CHECKING:
    from ringmon.hub.intake.backlog import BacklogRange, BacklogRow
    from ringmon.hub.log.cluster import ClusterLog

DAY = 86_400.0


@dataclass(slots=True)
class Counters:
    events: int = 0
    clamped: int = 0
    rejected_kind: Counter[str] = field(default_factory=Counter)
    rejected_source: Counter[str] = field(default_factory=Counter)
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=10))


class HubShared:
    """The hub's settings and the state its rooms share."""

    def __init__(
        self,
        folder: Path,
        *,
        tz_name: str = "UTC",
        speed: float = 1.0,
        clock: Clock | None = None,
        retention_days: float = RETENTION_DAYS,
        heartbeat: float = 2.0,
        flush_interval: float = 0.05,
        queue_bytes: int = 8 * 2**20,
        max_pending: int = 50_000,
        prune_interval: float = 3600.0,
        source_backoff: float = 1.0,
        checkpoint_every: int = 100_000,
        snapshot_interval: float = 3600.0,
        catch_up_wait: float = 60.0,
        max_future_skew: float = MAX_FUTURE_SKEW,
    ) -> None:
        if retention_days <= 0:
            raise ValueError("retention must be positive")
        if not max_future_skew >= 0:
            raise ValueError("the future skew must be zero or more")
        self.max_future_skew = max_future_skew
        self.folder = folder
        self.tz_name = tz_name
        self.tz = ZoneInfo(tz_name)
        self.speed = clock.speed if clock is not None else speed
        self._clock_given = clock
        self.clock: Clock = clock if clock is not None else HubClock(speed)
        self.retention = retention_days * DAY
        self.heartbeat = heartbeat
        self.flush_interval = flush_interval
        self.queue_bytes = queue_bytes
        self.max_pending = max_pending
        self.prune_interval = prune_interval
        self.source_backoff = source_backoff
        self.checkpoint_every = checkpoint_every
        if not snapshot_interval >= 0:
            raise ValueError("the snapshot interval must be zero (none) or more")
        self.snapshot_interval = snapshot_interval
        self._next_snapshot_at = 0.0
        self._last_snapshot_wall = -math.inf
        self._backlog_at = -math.inf  # when a source last handed a full run (a backlog)
        self._backlog_loading = False  # a backlog taken in bulk commits itself (backfill.py)
        # A history loaded in bulk (backfill.py): the next seq kept for it, the last one,
        # and while it loads (its first time, its end, how far it is).
        self._history_next = 0
        self._history_upto = 0
        self._history_span: tuple[float, float, float] | None = None
        # Its window and source (stored with its progress), and a load a stop cut short:
        # (source, the local midnight it goes on from) (backfill.py).
        self._history_window: tuple[float, float] = (0.0, 0.0)
        self._history_source = ""
        self._history_resume: tuple[str, float] | None = None
        # Today's backlog served before it is stored, while it is stored (events wait for
        # ``_range_done``), and one a stop cut short (backlog.py).
        self._range: BacklogRange | None = None
        self._range_done = asyncio.Event()
        self._range_done.set()
        self._backlog_resume: BacklogRow | None = None
        self.catch_up_wait = catch_up_wait
        self.storage_error: str | None = None
        self._since_checkpoint = 0
        self.state = State(self.tz)
        self.storage: Storage | None = None
        self.tokens: TokenStore | None = None
        # The shared event log (``--log nats://...``, hub/log/); None: this hub's own SQLite.
        self.cluster: ClusterLog | None = None
        self.counters = Counters()
        self.sources: list[Source] = []
        self.source_status: dict[str, SourceHealth] = {}
        self.subscribers: set[Subscriber] = set()
        self.base_seq = 0
        self.flushed_seq = 0
        self._seq = 0
        self._pending = WriteBatch()
        self._flush_lock = asyncio.Lock()
        self._prune_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._source_tasks: list[asyncio.Task[None]] = []
        self._last_yield = 0.0
        self._base_cache: tuple[int, SnapshotDoc | None] = (-1, None)
        # The last snapshot made: (seq, the time it shows, its JSON) (core.committed_snapshot).
        self._last_snapshot: tuple[int, float, str] | None = None
        # Ingest bookkeeping: which stored events built an account / a device, so that when an
        # account changes hands its new owner's history gets them too; call-log rows.
        self.ledger = Ledger()
        self._stopping = False
        # Sources still replaying history -> the time of their first event (None before it).
        self.catching_up: dict[str, float | None] = {}
        self._first_ts_wanted = False
        self._caught_up = asyncio.Event()
        self._caught_up.set()
        self._snapshot_served = asyncio.Event()  # a snapshot was made for a client (core.py)
        self._started_at = time.monotonic()
