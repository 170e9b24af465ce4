"""Connecting to NATS and making sure the stream, the buckets and the object store exist.

JetStream in a cluster answers only once its meta leader is elected (seconds on a loaded
machine, longer after a node was killed): every step is retried until ``connect_timeout``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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

log = logging.getLogger("ringmon.hub.log")

T = TypeVar("T")
DUPLICATE_WINDOW = 120.0
"""JetStream's ``Nats-Msg-Id`` window (s): a publish retried within it is stored once."""
RETRYABLE = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.ServerError,
    nats.errors.ConnectionClosedError,
    nats.errors.NoServersError,
    OSError,
)


class LogUnavailable(RuntimeError):
    """NATS JetStream could not be reached or readied in time; the message says why."""


@dataclass(slots=True)
class Connected:
    nc: Client
    js: JetStreamContext
    leases: KeyValue
    tokens: KeyValue
    bases: ObjectStore
    replicas: int


async def _retry(what: str, step: Callable[[], Awaitable[T]], deadline: float) -> T:
    wait = 0.2
    while True:
        try:
            return await step()
        except RETRYABLE as exc:
            if time.monotonic() >= deadline:
                raise LogUnavailable(f"NATS JetStream: cannot {what}: {exc!r}") from exc
            log.info("NATS JetStream not ready to %s (%r); trying again", what, exc)
        await asyncio.sleep(wait)
        wait = min(wait * 2, 2.0)


async def connect(settings: LogSettings, retention: float, name: str) -> Connected:
    deadline = time.monotonic() + settings.connect_timeout

    async def opened() -> Client:
        return await nats.connect(
            list(settings.servers),
            name=name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=5,
            allow_reconnect=True,
        )

    nc = await _retry("connect", opened, deadline)
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
        await _retry("create the stream", stream, deadline)
        leases = await _retry(
            "create the lease bucket", lambda: bucket(LEASES, settings.lease_ttl, 1), deadline
        )
        tokens = await _retry("create the token bucket", lambda: bucket(TOKENS, None, 1), deadline)
        bases = await _retry("create the base store", objects, deadline)
    except BaseException:
        await nc.close()
        raise
    return Connected(nc, js, leases, tokens, bases, replicas)
