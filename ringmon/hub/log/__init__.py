"""Where the hub's event log lives: its own SQLite file (the default) or a NATS JetStream
stream shared by several hubs (``ringmon hub --log nats://HOST:PORT[,HOST:PORT...]``).

The two logs behind the hub's one pipeline:

- **SQLite** (no ``--log``): an event is checked, applied and numbered where it enters
  (pipeline.py) and stored in ``events`` (store.py, storage.py). Nothing here is imported and
  ``nats`` is never loaded.
- **JetStream** (``--log nats://...``, ``ClusterLog`` in cluster.py): an event is checked where
  it enters (parsing, the ``future`` check against the receiving hub's clock; a push batch on
  a scratch state too) and **published**, not applied: a source's events in messages of up
  to 5,000 (one per flush tick), a push batch as one message, whole. Every hub, the publisher
  included, consumes the stream in stream order and applies each message with the same model
  code (``Hub.take_logged`` with the seq given; applying never reads a clock), so all hubs hold
  the same state and give each event the same ``seq`` (message.py: stream sequence x 10,000 +
  the event's place in its message). The hub's SQLite file is then its **index**: the events
  it applied, for history queries and the feed's replay, with the last stream sequence applied
  (meta ``log:stream_seq``) in the same transaction; a hub whose index is missing rebuilds it
  from the stream (and the newest base snapshot, bases.py). Sources run once for the cluster,
  under a lease (lease.py); tokens are shared (tokens.py).

Names on the NATS side (docs/scale-out.md): the stream ``RINGMON_EVENTS`` on the subject
``ringmon.events`` (max age = ``--retention-days``), the key-value buckets ``ringmon_leases``
(source leases) and ``ringmon_tokens``, and the object store ``ringmon_base`` (base snapshots).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ringmon.hub.core import Hub
    from ringmon.hub.log.cluster import ClusterLog

STREAM = "RINGMON_EVENTS"
SUBJECT = "ringmon.events"
LEASES = "ringmon_leases"
TOKENS = "ringmon_tokens"
BASES = "ringmon_base"
LEASE_TTL = 10.0
"""Default of ``LogSettings.lease_ttl`` (s)."""
STALL_CHECK = 5.0
"""Default of ``LogSettings.stall_check`` (s)."""

STOP_WAIT = 5.0
"""How long (s) a stopping hub waits for its log tasks to end once cancelled."""


class LogUrlError(ValueError):
    """A ``--log`` that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class LogSettings:
    servers: tuple[str, ...]
    replicas: int | None = None
    """Copies of the stream and buckets; None: 3 when NATS names at least 3 servers, else 1."""
    lease_ttl: float = LEASE_TTL
    """A source lease's life (s): refreshed every third of it; a dead holder's sources move
    after at most this long."""
    stall_check: float = STALL_CHECK
    """Seconds without a message after which the hub asks the stream how far it goes: behind
    it, the consumer has stalled and is made anew from the last applied + 1 (apply.py)."""
    base_every: float = 600.0
    """Wall seconds between base snapshots published (by the holder of the ``base`` lease)."""
    connect_timeout: float = 60.0
    """How long start waits for JetStream to be ready (a cluster elects its leader first)."""


def parse_log_url(text: str) -> tuple[str, ...]:
    """``nats://HOST:PORT[,HOST:PORT...]`` -> the servers as ``nats://HOST:PORT`` each."""
    text = text.strip()
    if not text.startswith("nats://"):
        raise LogUrlError(
            f"--log {text!r}: the shared log is given as nats://HOST:PORT[,HOST:PORT...] "
            "(without --log the hub keeps its events in its own SQLite file)"
        )
    servers: list[str] = []
    for part in text.removeprefix("nats://").split(","):
        part = part.strip().removeprefix("nats://")
        if not part:
            raise LogUrlError(f"--log {text!r}: an empty server in the list")
        parts = urlsplit(f"nats://{part}")
        try:
            port = parts.port
        except ValueError:
            raise LogUrlError(f"--log {text!r}: {part!r} has no valid port") from None
        if not parts.hostname or parts.path or parts.query:
            raise LogUrlError(f"--log {text!r}: {part!r} is not HOST:PORT")
        servers.append(f"nats://{part}" if port else f"nats://{part}:4222")
    return tuple(servers)


def attach(hub: Hub, settings: LogSettings) -> ClusterLog:
    """Give ``hub`` the shared log (imports ``nats`` only now)."""
    from ringmon.hub.log.cluster import ClusterLog

    log = ClusterLog(hub, settings)
    hub.cluster = log
    return log
