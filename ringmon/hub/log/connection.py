"""Connecting to NATS and making sure the stream, the buckets and the object store exist and
can be used.

JetStream in a cluster answers only once its meta leader is elected (seconds on a loaded
machine, longer after a node was killed), and a stream (a key-value bucket and the object
store are streams too) takes writes only once its own leader is elected, a moment after it
was created: until then a write gets no answer (``NoStreamResponseError``). So each start-up
step, the creation of each stream and the wait for its leader, and the first uses of them
(``Connected.ready``), is tried again (``ringmon.retry``'s waits) until ``connect_timeout``
after the start; past it the hub stops with a sentence saying what NATS did not do."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, ObjectStoreConfig, StorageType, StreamConfig
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from ringmon.hub.log import BASES, LEASES, STREAM, SUBJECT, TOKENS, LogSettings
from ringmon.retry import Backoff

log = logging.getLogger("ringmon.hub.log")

T = TypeVar("T")
DUPLICATE_WINDOW = 120.0
"""JetStream's ``Nats-Msg-Id`` window (s): a publish retried within it is stored once."""
RETRYABLE = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.ServerError,
    nats.js.errors.NoStreamResponseError,
    nats.errors.ConnectionClosedError,
    nats.errors.NoServersError,
    OSError,
)


START_RETRY = Backoff(first=0.2, cap=2.0)
"""The waits between two tries of a start-up step."""


class LogUnavailable(RuntimeError):
    """NATS JetStream could not be reached or readied in time; the message says why."""


class NoLeader(Exception):
    """A stream exists but has no leader yet: it cannot take writes."""

    def __init__(self, stream: str) -> None:
        super().__init__(f"the stream {stream} has no leader yet")


WAITED_FOR = (*RETRYABLE, NoLeader)


@dataclass(slots=True)
class Start:
    """The start-up steps' common deadline (``connect_timeout`` after the start)."""

    settings: LogSettings
    deadline: float

    async def ready(self, what: str, step: Callable[[], Awaitable[T]]) -> T:
        """``step()``'s result, tried again while NATS is not ready, until the deadline;
        then ``LogUnavailable`` saying what could not be done and why."""

        def waiting(exc: Exception, wait: float) -> None:
            log.info("NATS JetStream not ready to %s (%s); again in %.1f s", what, exc, wait)

        left = self.deadline - time.monotonic()
        try:
            return await START_RETRY.within(left, step, on=WAITED_FOR, waiting=waiting)
        except WAITED_FOR as exc:
            raise LogUnavailable(
                f"NATS JetStream at {','.join(self.settings.servers)} was not ready in "
                f"{self.settings.connect_timeout:g} s (the hub's connect timeout): could not "
                f"{what} ({exc or type(exc).__name__})"
            ) from exc


@dataclass(slots=True)
class Connected:
    nc: Client
    js: JetStreamContext
    leases: KeyValue
    tokens: KeyValue
    bases: ObjectStore
    replicas: int
    start: Start

    async def ready(self, what: str, step: Callable[[], Awaitable[T]]) -> T:
        return await self.start.ready(what, step)


async def led(js: JetStreamContext, stream: str) -> None:
    """Until ``stream`` has a leader (it takes writes); ``NoLeader`` while it has none."""
    info = await js.stream_info(stream)
    if info.cluster is not None and not info.cluster.leader:
        raise NoLeader(stream)


async def connect(settings: LogSettings, retention: float, name: str) -> Connected:
    start = Start(settings, time.monotonic() + settings.connect_timeout)

    async def opened() -> Client:
        return await nats.connect(
            list(settings.servers),
            name=name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=5,
            allow_reconnect=True,
        )

    nc = await start.ready("connect", opened)
    js = nc.jetstream(timeout=10.0)
    known = {f"{u.hostname}:{u.port}" for u in nc.servers} | set(settings.servers)
    replicas = settings.replicas or (3 if len(known) >= 3 else 1)

    async def stream() -> None:
        config = StreamConfig(
            name=STREAM,
            subjects=[SUBJECT],
            max_age=retention,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW,
            storage=StorageType.FILE,
        )
        try:
            info = await js.stream_info(STREAM)
        except nats.js.errors.NotFoundError:
            await js.add_stream(config)
            return
        if info.config.max_age != retention:
            await js.update_stream(config)

    async def bucket(name: str, ttl: float | None, history: int) -> KeyValue:
        try:
            return await js.key_value(name)
        except nats.js.errors.BucketNotFoundError:
            return await js.create_key_value(
                KeyValueConfig(bucket=name, ttl=ttl, history=history, replicas=replicas)
            )

    async def objects() -> ObjectStore:
        try:
            return await js.object_store(BASES)
        except nats.js.errors.NotFoundError:
            return await js.create_object_store(
                BASES, config=ObjectStoreConfig(bucket=BASES, replicas=replicas)
            )

    try:
        await start.ready(f"create the stream {STREAM}", stream)
        leases = await start.ready(
            f"create the bucket {LEASES}", lambda: bucket(LEASES, settings.lease_ttl, 1)
        )
        tokens = await start.ready(f"create the bucket {TOKENS}", lambda: bucket(TOKENS, None, 1))
        bases = await start.ready(f"create the object store {BASES}", objects)
        # A stream just created takes writes once its leader is elected: wait for each
        # (a bucket's stream is KV_<bucket>, the object store's OBJ_<bucket>).
        for name in (STREAM, f"KV_{LEASES}", f"KV_{TOKENS}", f"OBJ_{BASES}"):
            await start.ready(f"use the stream {name} (no leader elected)", partial(led, js, name))
    except BaseException:
        await nc.close()
        raise
    return Connected(nc, js, leases, tokens, bases, replicas, start)
