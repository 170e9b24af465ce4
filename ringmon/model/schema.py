"""The wire schema: every feed event, as pydantic v2 models.

An event is a JSON object with a ``type`` discriminator, a ``ts`` (when it happened, UTC,
ISO 8601 with an offset) and, once the hub has stored it, a ``seq``. The same models parse
frames from the WebSocket, lines of a JSONL file and bodies posted to the hub, so there is
exactly one definition of what a valid event is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    StringConstraints,
    TypeAdapter,
)
from pydantic_core import CoreSchema, core_schema

_from_iso_text = datetime.fromisoformat


def utc_time(value: object) -> datetime:
    """A ``ts``: an ISO 8601 time with an offset (or an aware ``datetime``), in UTC.

    Why not pydantic's ``AwareDatetime``: its datetimes carry pydantic's own tzinfo, through
    which every ``timestamp()`` is a slow round trip (about a fifth of applying an event);
    with the standard library's ``UTC`` it is cheap. And the protocol serves every time in
    UTC, so normalising where events are parsed makes that true everywhere at once.

    Called for every event parsed: the common case (a text in UTC, ``...Z``) is taken first,
    everything else by ``_utc_time``, which words every refusal.
    """
    if type(value) is str:
        try:
            moment = _from_iso_text(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time") from None
        if moment.tzinfo is UTC:
            return moment
        return _in_utc(moment, value)
    return _utc_time(value)


def _utc_time(value: object) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time") from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise ValueError("a time must be an ISO 8601 string like 2026-03-24T14:05:00Z")
    if moment.tzinfo is UTC:
        return moment
    return _in_utc(moment, value)


def _in_utc(moment: datetime, value: object) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError("a time needs its offset (Z or +01:00)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise ValueError(f"{value!r} is outside the years 1 to 9999 in UTC") from None


def utc_text(moment: datetime) -> str:
    """A time as the protocol writes it: ISO 8601 in UTC with ``Z`` (``2026-03-24T14:05:00Z``).

    What ``UtcTime`` fields are written as (by pydantic-core's serializer, for speed).
    """
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _utc_time_schema(source: object, handler: GetCoreSchemaHandler) -> CoreSchema:
    return core_schema.no_info_plain_validator_function(
        utc_time,
        # pydantic-core's own datetime serializer: the text of ``utc_text`` (a UTC time is
        # written with ``Z``) at half the cost of calling it for every event dumped.
        serialization=core_schema.simple_ser_schema("datetime"),
        json_schema_input_schema=core_schema.str_schema(),
    )


UtcTime = Annotated[datetime, GetPydanticSchema(_utc_time_schema)]
"""An aware time, normalised to UTC (``utc_time``), written with ``Z`` (as ``utc_text``)."""

Id = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(max_length=500)]


class Registration(StrEnum):
    """What a device (a SIP contact) says about itself, before any call is considered."""

    ONLINE = "online"
    DND = "dnd"
    OFFLINE = "offline"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int | None = Field(default=None, ge=1, description="Hub-assigned, strictly increasing.")
    ts: UtcTime = Field(description="When it happened (any offset; normalised to UTC).")


class EmployeeUpsert(_Event):
    """An employee appears or changes (name, department, phone numbers)."""

    type: Literal["employee.upsert"] = "employee.upsert"
    id: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    department: Text | None = None
    numbers: tuple[Text, ...] = ()


class EmployeeRemove(_Event):
    type: Literal["employee.remove"] = "employee.remove"
    id: Id


class AccountUpsert(_Event):
    """A SIP account (login) with its number, linked to an employee or to nobody."""

    type: Literal["account.upsert"] = "account.upsert"
    login: Id
    number: Text | None = None
    employee: Id | None = None


class AccountRemove(_Event):
    type: Literal["account.remove"] = "account.remove"
    login: Id


class QueuePause(BaseModel):
    """A call-center queue the device's account is paused in, and why (``Lunch``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    queue: Id
    reason: Text = ""


class DeviceStatus(_Event):
    """One registered contact (a softphone, a desk phone) of a SIP account.

    ``dnd_capable`` says whether this user agent can report do-not-disturb at all (R15): only
    the vendor's own desktop app can; a ``dnd`` status from any other device is rejected.
    ``reason`` says why the status, when the source knows: a break's reason for ``dnd``
    (``Lunch``), ``unreachable`` (stopped answering qualify) or ``unregistered`` for
    ``offline``. ``paused`` lists the queues the account is paused in (it may be online,
    paused in some queues only). Both optional, added in protocol 1 (older clients drop them).
    """

    type: Literal["device.status"] = "device.status"
    account: Id
    device: Id
    user_agent: Text = ""
    status: Registration
    dnd_capable: bool = False
    reason: Text | None = None
    paused: tuple[QueuePause, ...] | None = None


class CallRing(_Event):
    """A call leg starts ringing on an account (incoming) or is dialled from it (outgoing)."""

    type: Literal["call.ring"] = "call.ring"
    call: Id
    leg: Id
    account: Id
    device: Id | None = None
    direction: Direction
    remote: Text = ""
    remote_name: Text | None = None


class CallAnswer(_Event):
    type: Literal["call.answer"] = "call.answer"
    call: Id
    leg: Id
    device: Id | None = Field(
        default=None, description="The device that picked up, when the ring did not say."
    )


class CallEnd(_Event):
    type: Literal["call.end"] = "call.end"
    call: Id
    leg: Id
    recording: Text | None = None


Event: TypeAlias = Annotated[
    EmployeeUpsert
    | EmployeeRemove
    | AccountUpsert
    | AccountRemove
    | DeviceStatus
    | CallRing
    | CallAnswer
    | CallEnd,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_TYPES: tuple[str, ...] = (
    "employee.upsert",
    "employee.remove",
    "account.upsert",
    "account.remove",
    "device.status",
    "call.ring",
    "call.answer",
    "call.end",
)


parse_event: Callable[[str | bytes], Event] = EVENT_ADAPTER.validator.validate_json
"""Parse one JSON event; raises ``pydantic.ValidationError`` with the reason.

The compiled validator itself, called with no Python frame of ours around it: on every frame
of the feed, every line of a source and every stored event read again, the adapter's Python
wrapper cost about a tenth of parsing an event, and a function of ours around the validator
another Python call."""
parse_event_obj: Callable[[object], Event] = EVENT_ADAPTER.validator.validate_python
"""Validate one already-decoded JSON value as an event (the same, for a decoded value: there
the adapter's wrapper, its keyword checks, cost a third)."""


PROTOCOL_VERSION = 1
"""The feed protocol's version that this code speaks (docs/feed-protocol.md, "Versions"): a
client says it (``?v=1`` on the feed, ``Ringmon-Protocol: 1`` on REST), the hub answers it."""
PROTOCOL_HEADER = "Ringmon-Protocol"

_EVENT_CLASSES: tuple[type[_Event], ...] = (
    EmployeeUpsert,
    EmployeeRemove,
    AccountUpsert,
    AccountRemove,
    DeviceStatus,
    CallRing,
    CallAnswer,
    CallEnd,
)
FEED_FIELDS: dict[str, frozenset[str]] = {
    str(cls.model_fields["type"].default): frozenset(cls.model_fields) for cls in _EVENT_CLASSES
}
"""The fields of each event type this version knows, by type."""


class UnknownEventType(ValueError):
    """An event of a type this version does not know (from a newer hub)."""


def parse_feed_event(data: object) -> Event:
    """An event as the hub serves it, read leniently: fields this version does not know are
    dropped (a newer hub may send more), and a type it does not know raises
    ``UnknownEventType``; everything it knows is validated as strictly as ever.

    For what comes from a hub only: sources and the push API stay strict (``parse_event``,
    ``parse_event_obj``), where an unknown field is a typo to refuse.
    """
    if isinstance(data, dict):
        kind = data.get("type")
        fields = FEED_FIELDS.get(kind) if isinstance(kind, str) else None
        if fields is None:
            if isinstance(kind, str):
                raise UnknownEventType(f"an event of a type this version does not know: {kind!r}")
        elif not data.keys() <= fields:
            data = {key: value for key, value in data.items() if key in fields}
    return parse_event_obj(data)


def dump_event(event: Event) -> str:
    """The event as one compact JSON line (UTC timestamps, no nulls left out)."""
    if event.__dict__["ts"].tzinfo is not UTC:  # a copy given another zone (copies skip
        event = event.model_copy(update={"ts": utc_time(event.ts)})  # validation)
    return event.model_dump_json(exclude_none=True)


def with_seq_ts(event: Event, seq: int | None, ts: datetime) -> Event:
    """A copy of ``event`` carrying the hub's ``seq`` and its effective ``ts``."""
    return event.model_copy(update={"seq": seq, "ts": utc_time(ts)})  # a copy skips validation
