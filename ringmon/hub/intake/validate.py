"""Turning raw input (a JSONL line, a decoded JSON value) into an event, or a clear refusal."""

from __future__ import annotations

import json
from enum import StrEnum

from pydantic import ValidationError

from ringmon.model.schema import EVENT_TYPES, Event, parse_event, parse_event_obj


class RejectKind(StrEnum):
    """Why an event was refused; the keys of ``rejected.by_kind`` in ``/v1/health``."""

    MALFORMED = "malformed"
    UNKNOWN_TYPE = "unknown_type"
    INCONSISTENT = "inconsistent"
    STALE = "stale"
    FUTURE = "future"
    TOO_LARGE = "too_large"
    DUPLICATE = "duplicate"
    INTERNAL = "internal"


NESTED_TOO_DEEP = "the JSON is nested too deeply to read (an event is a flat object)"


class BadInput(ValueError):
    def __init__(self, kind: RejectKind, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def describe_validation(exc: ValidationError, limit: int = 3) -> str:
    """A one-line account of what is wrong, e.g. ``ts: Field required; nmae: not allowed``."""
    parts: list[str] = []
    for error in exc.errors()[:limit]:
        # The discriminated union puts the event type first in the location: drop it.
        loc = [str(p) for p in error["loc"] if p not in EVENT_TYPES]
        where = ".".join(loc) or "event"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field (not allowed)"
        parts.append(f"{where}: {message}")
    more = len(exc.errors()) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def parse_valid(data: str | bytes) -> Event | None:
    """The event in a JSON text that is a valid event as it stands, read in one pass
    (pydantic-core parses and validates the bytes at about the cost of ``json.loads``);
    None for anything else, whose refusal ``parse_input`` then words. Its ``seq``, if any,
    is kept: the pipeline drops it."""
    try:
        return parse_event(data)
    except (ValidationError, ValueError, RecursionError):
        return None


def parse_input(data: str | bytes | object) -> Event:
    """An event from a JSON text or an already decoded value; raises ``BadInput``.

    A ``seq`` on input is dropped before validation: sources do not number events, the hub
    does (docs/feed-protocol.md).
    """
    if isinstance(data, str | bytes | bytearray):
        try:
            value = json.loads(data)
        except RecursionError:
            raise BadInput(RejectKind.MALFORMED, NESTED_TOO_DEEP) from None
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
            raise BadInput(RejectKind.MALFORMED, f"not JSON: {exc}") from None
    else:
        value = data
    if not isinstance(value, dict):
        raise BadInput(
            RejectKind.MALFORMED, f"an event is a JSON object, not {type(value).__name__}"
        )
    kind = value.get("type")
    if kind is None:
        raise BadInput(RejectKind.MALFORMED, "the event has no 'type'")
    if not isinstance(kind, str):
        raise BadInput(RejectKind.MALFORMED, "the event's 'type' must be a string like 'call.ring'")
    if kind not in EVENT_TYPES:
        raise BadInput(
            RejectKind.UNKNOWN_TYPE,
            f"unknown event type {kind[:80]!r} (known: {', '.join(EVENT_TYPES)})",
        )
    value = {k: v for k, v in value.items() if k != "seq"}
    try:
        return parse_event_obj(value)
    except ValidationError as exc:
        raise BadInput(RejectKind.MALFORMED, f"{kind}: {describe_validation(exc)}") from None
    except RecursionError:
        raise BadInput(RejectKind.MALFORMED, f"{kind}: {NESTED_TOO_DEEP}") from None
    except (ValueError, TypeError, ArithmeticError) as exc:  # never a crash for bad input
        raise BadInput(
            RejectKind.MALFORMED, f"{kind}: a value cannot be read ({type(exc).__name__}: {exc})"
        ) from None
