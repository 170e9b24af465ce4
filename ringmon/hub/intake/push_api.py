"""The push API: ``POST /v1/ingest``, for systems ringmon does not speak natively.

Mounted by the hub's app with one line (``*ingest_routes(hub)`` in its route list). What it
does, in order (docs/sources/push.md has curl examples):

1. **Who**: ``Authorization: Bearer TOKEN`` of role ``source``; none or unknown: 401; any other
   role (an analyst too): 403. A ``source`` token may do nothing else (every read route
   answers it 403).
2. **Body**: one event (a JSON object), a JSON array of events, or JSONL (one event per line;
   blank lines and lines starting with ``#`` skipped), up to ``MAX_BODY`` bytes and
   ``MAX_EVENTS`` events. The body is read as it streams in and refused (413) as soon as it
   passes the cap, before any of it is parsed; it is decoded and validated in a thread, so
   a big batch never holds up the hub's other clients. A body that cannot be read (not
   UTF-8, not JSON, nested too deeply) is a 400; both are counted in ``/v1/health``.
3. **Validation of the whole batch before storing any of it**: each event is parsed with the
   hub's own intake (the model's strict schema), refused as ``future`` when dated more than
   the hub's ``max_future_skew`` ahead of its clock, then the batch is applied, in order, to a
   scratch state rebuilt from what the batch refers to in the live state: an account naming
   an unknown employee, a device of an unknown account, an answer of a leg not ringing... are
   found here, even when the problem is an earlier event of the same batch. Any failure: 422
   with ``errors: [{index, message}]`` and nothing stored.
4. **Storing**: the events go through ``Hub.accept``, the path every source's ``emit`` takes
   (apply, number, queue, broadcast). The check and the store are one step on the event loop
   with no await in between, so no other source's event can slip between them, and the
   answer's ``first_seq``/``last_seq`` are this request's own. The answer waits until
   storage holds them: a 200 means stored.

**Idempotency**: an event may carry an ``event_id`` (1-200 characters) beside its fields. It
is an envelope field of this API, removed before validation (the event schema stays strict and
never stores it). An ``event_id`` this token already pushed, or that appears twice in one
batch, is skipped and counted in ``duplicates``. The ids are stored (token name and id in
columns of their own) in the same transaction as the events, so a batch retried after a
timeout or a hub restart is not stored twice; retention forgets them with their events.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ringmon.hub.core import Hub
from ringmon.hub.intake.trial import scratch_state
from ringmon.hub.intake.validate import NESTED_TOO_DEEP, BadInput, RejectKind, parse_input
from ringmon.hub.serving.tokens import Principal
from ringmon.model.schema import (
    Event,
    dump_event,
)
from ringmon.model.state import EventRejected

log = logging.getLogger("ringmon.hub.intake.push_api")

WRITER_ROLES = frozenset({"source"})
MAX_BODY = 4 * 1024 * 1024
"""Bytes per request (4 MiB); bigger sets are sent in several requests."""
MAX_EVENTS = 5_000
"""Events per request. A batch is checked and stored in one step of the event loop (nothing
else may slip in between), which holds up every other client for its duration: this bounds
it (about 0.1 s on one core)."""
MAX_ERRORS = 1000
EVENT_ID = "event_id"
MAX_EVENT_ID = 200
_SEEN_CACHE = 200_000


class IngestError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


@dataclass(slots=True)
class _Item:
    index: int
    event: Event | None
    event_id: str | None
    error: str | None = None
    kind: str = RejectKind.MALFORMED
    dumped: str | None = None
    """The event as the hub stores it (without its seq), made in the parsing thread."""


def _principal(hub: Hub, request: Request) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise IngestError(
            401,
            "The push API needs a token of role 'source': send 'Authorization: Bearer TOKEN'. "
            "An administrator makes one with: ringmon token add NAME --role source",
        )
    principal = hub.tokens.authenticate(token) if hub.tokens is not None else None
    if principal is None:
        raise IngestError(401, "This access token is not known to the hub (or was revoked).")
    if principal.role not in WRITER_ROLES:
        raise IngestError(
            403,
            f"Access denied: your access level is '{principal.role}'; only a token of role "
            "'source' may push events (ringmon token add NAME --role source).",
        )
    return principal


def split_body(body: bytes) -> list[Any]:
    """The JSON values of a body: one object, an array, or JSONL. Raises IngestError 400."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise IngestError(400, "The body is not UTF-8 text.") from None
    stripped = text.strip()
    if not stripped:
        raise IngestError(400, "The body is empty: send an event, an array or JSONL lines.")
    try:
        value = json.loads(stripped)
    except RecursionError:
        raise IngestError(400, f"The body cannot be read: {NESTED_TOO_DEEP}.") from None
    except ValueError as exc:  # JSONDecodeError, or a number with too many digits
        if stripped.startswith("[") or "\n" not in stripped:
            raise IngestError(400, f"The body is not JSON: {exc}") from None
        value = None
    else:
        return value if isinstance(value, list) else [value]
    # JSONL: a line that is not JSON is an error of that event (its index), not of the body.
    items: list[Any] = []
    for line in stripped.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            items.append(json.loads(line))
        except RecursionError:
            items.append(_NotJson(NESTED_TOO_DEEP))
        except ValueError as exc:
            items.append(_NotJson(f"not JSON: {exc}"))
    return items


@dataclass(frozen=True, slots=True)
class _NotJson:
    reason: str


_JSON_TYPES = {str: "a string", bool: "true or false", int: "a number", float: "a number"}


def _parse(index: int, value: Any) -> _Item:
    if isinstance(value, _NotJson):
        return _Item(index, None, None, value.reason)
    if not isinstance(value, dict):
        # Said here in JSON's words; a string must not reach parse_input, which would read
        # it as JSON text: a double-encoded event would be taken.
        what = "null" if value is None else _JSON_TYPES.get(type(value), "an array")
        return _Item(index, None, None, f"an event is a JSON object, not {what}")
    event_id: str | None = None
    if EVENT_ID in value:
        raw_id = value[EVENT_ID]
        if not isinstance(raw_id, str) or not 0 < len(raw_id.strip()) <= MAX_EVENT_ID:
            return _Item(index, None, None, f"{EVENT_ID} must be a string of 1 to 200 characters")
        event_id = raw_id.strip()
        value = {k: v for k, v in value.items() if k != EVENT_ID}
    try:
        event = parse_input(value)
        return _Item(index, event, event_id, dumped=dump_event(event))
    except BadInput as exc:
        return _Item(index, None, event_id, exc.reason, exc.kind)


async def _read_body(request: Request) -> bytes:
    """The body, read as it comes and refused (413) as soon as it passes ``MAX_BODY``."""
    too_big = (
        f"The body is over {MAX_BODY // (1024 * 1024)} MiB, the most one request may carry: "
        f"send the events in several requests (at most {MAX_EVENTS} events each)."
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise IngestError(413, too_big)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise IngestError(413, too_big)
    return bytes(body)


def _parse_body(body: bytes) -> list[_Item]:
    """The events of a body, each parsed or with its error (runs in a thread)."""
    values = split_body(body)
    if len(values) > MAX_EVENTS:
        raise IngestError(
            413,
            f"{len(values)} events in one request; at most {MAX_EVENTS}: send them in several.",
        )
    return [_parse(i, v) for i, v in enumerate(values)]


class Ingest:
    """The endpoint, with its memory of event ids recently seen (backed by storage)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def _remember(self, key: tuple[str, str]) -> None:
        self._seen[key] = None
        self._seen.move_to_end(key)
        while len(self._seen) > _SEEN_CACHE:
            self._seen.popitem(last=False)

    async def handle(self, request: Request) -> Response:
        try:
            return await self._handle(request)
        except IngestError as exc:
            return JSONResponse({"error": exc.message, **exc.extra}, status_code=exc.status)

    async def _handle(self, request: Request) -> Response:
        hub = self.hub
        principal = _principal(hub, request)
        source = f"ingest:{principal.name}"
        try:
            body = await _read_body(request)
            # Decoding and validating a big batch takes a while: not on the event loop.
            items = await asyncio.to_thread(_parse_body, body)
        except IngestError as exc:
            kind = RejectKind.TOO_LARGE if exc.status == 413 else RejectKind.MALFORMED
            hub.reject(kind, f"body: {exc.message}", source)
            raise
        started = time.perf_counter()
        ids = [item.event_id for item in items if item.event and item.event_id is not None]
        storage = hub.storage
        if storage is None:
            raise IngestError(503, "The hub is shutting down: send the events again shortly.")
        stored_ids = (
            await asyncio.to_thread(storage.known_event_ids, principal.name, ids) if ids else set()
        )
        if hub.range_loading:
            await hub.range_stored()  # today's backlog is being stored (hub/intake/backlog.py)
        # From here to the last ``hub.accept``: no await. Nothing else changes the hub's state
        # in between, so what was checked is what is stored, and the seqs are this batch's.
        return await self._check_and_store(items, stored_ids, principal.name, source, started)

    async def _check_and_store(
        self,
        items: list[_Item],
        stored_ids: set[str],
        who: str,
        source: str,
        started: float,
    ) -> Response:
        hub = self.hub
        # Idempotency: drop events whose id this token already pushed (or repeats in the batch).
        duplicates = 0
        batch_keys: set[tuple[str, str]] = set()
        todo: list[_Item] = []
        for item in items:
            if item.event is not None and item.event_id is not None:
                key = (who, item.event_id)
                if key in batch_keys or key in self._seen or item.event_id in stored_ids:
                    duplicates += 1
                    continue
                batch_keys.add(key)
            todo.append(item)

        # Check the whole batch before storing anything: its time, then on a scratch state.
        for item in todo:
            if item.event is not None:
                future = hub.too_far_ahead(item.event)
                if future is not None:
                    item.error, item.kind = future, RejectKind.FUTURE
        if len(todo) > 1:
            scratch = scratch_state(hub.state, [item.event for item in todo if item.event])
            for item in todo:
                if item.event is None or item.error:
                    continue
                try:
                    scratch.apply(item.event)
                except EventRejected as exc:
                    item.error, item.kind = f"{item.event.type}: {exc.reason}", exc.kind
                except Exception as exc:  # a bug in the model must not be a 500
                    log.exception("event %d of a push from %s broke the model", item.index, who)
                    item.error, item.kind = f"{item.event.type}: {exc!r}", RejectKind.INTERNAL
        errors = [item for item in todo if item.error]
        if errors:
            return self._refuse(errors, len(items), source)

        if hub.cluster is not None:
            return await self._publish(todo, duplicates, who, source)
        first_seq = hub.seq + 1
        for position, item in enumerate(todo):
            assert item.event is not None
            where = f"event {item.index}"
            if not hub.accept(item.event, source=source, where=where, dumped=item.dumped):
                # A lone event (a batch was checked whole): nothing of this request stored.
                recent = hub.counters.recent[-1] if hub.counters.recent else "rejected"
                raise IngestError(
                    422,
                    "The event was refused; nothing was stored."
                    if position == 0
                    else f"Event {item.index} was refused; the {position} before it were stored.",
                    errors=[{"index": item.index, "message": recent.removeprefix(source + ": ")}],
                    accepted=position,
                )
            if item.event_id is not None:
                key = (who, item.event_id)
                hub.remember_event_id(who, item.event_id, hub.seq)
                self._remember(key)
        last_seq = hub.seq
        applied = time.perf_counter() - started
        await hub.wait_flushed(last_seq)
        stored = len(todo)
        if stored >= 1000:
            log.info(
                "ingest from %s: %d events checked and applied in %.3f s, stored in %.3f s",
                who,
                stored,
                applied,
                time.perf_counter() - started,
            )
        return JSONResponse(
            {
                "accepted": stored,
                "duplicates": duplicates,
                "first_seq": first_seq if stored else None,
                "last_seq": last_seq if stored else None,
            }
        )

    async def _publish(self, todo: list[_Item], duplicates: int, who: str, source: str) -> Response:
        """On the shared log (hub/log/): the checked batch goes out as one message, whole,
        with its event ids; every hub applies it (or refuses it whole) the same way, and the
        answer is what this hub made of it, once stored."""
        cluster = self.hub.cluster
        assert cluster is not None
        lines = [item.dumped or dump_event(item.event) for item in todo if item.event]
        ids = [item.event_id for item in todo if item.event]
        if not lines:  # every event a duplicate this hub knows: nothing to publish
            body = {"accepted": 0, "duplicates": duplicates, "first_seq": None, "last_seq": None}
            return JSONResponse(body)
        try:
            outcome = await cluster.push(lines, ids, who, source)
        except Exception as exc:
            log.warning("push from %s could not go through the shared log: %r", who, exc)
            raise IngestError(
                503,
                "The hub could not publish the events to its shared log (NATS); nothing of "
                "this batch is known to be stored: send it again shortly (its event ids keep "
                "it from being stored twice).",
            ) from None
        for item in todo:
            if item.event_id is not None:
                self._remember((who, item.event_id))
        if outcome.errors:
            raise IngestError(
                422,
                "The batch was refused when applied (the state changed since it was checked); "
                "nothing of it was stored.",
                errors=outcome.errors,
                accepted=0,
            )
        return JSONResponse(
            {
                "accepted": outcome.accepted,
                "duplicates": duplicates + outcome.duplicates,
                "first_seq": outcome.first_seq,
                "last_seq": outcome.last_seq,
            }
        )

    def _refuse(self, errors: list[_Item], total: int, source: str) -> Response:
        for item in errors:
            self.hub.reject(item.kind, f"event {item.index}: {item.error}", source)
        listed = [{"index": item.index, "message": item.error} for item in errors[:MAX_ERRORS]]
        return JSONResponse(
            {
                "error": (
                    f"{len(errors)} of {total} events are invalid; nothing of this batch was "
                    "stored. Fix them and send the batch again."
                ),
                "errors": listed,
                "more_errors": max(0, len(errors) - MAX_ERRORS),
                "accepted": 0,
            },
            status_code=422,
        )


def ingest_routes(hub: Hub) -> list[Route]:
    """The push API's routes, for the hub's app: ``routes=[..., *ingest_routes(hub)]``."""
    return [Route("/v1/ingest", Ingest(hub).handle, methods=["POST"])]
