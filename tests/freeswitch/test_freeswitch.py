"""The FreeSWITCH source on hand-written Event Socket frames (no live FreeSWITCH here): the
pure mapping, and the source against a fake Event Socket server on loopback."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from ringmon.model.calls import Outcome
from ringmon.model.schema import AccountUpsert, EmployeeUpsert, Event
from ringmon.model.state import EventRejected, State
from ringmon.model.status import Status
from ringmon.sources.freeswitch import FreeswitchMapper, SpecError, parse_spec
from ringmon.sources.freeswitch.esl import Message, parse_event

T0 = 1_774_339_200.0  # 2026-03-24 08:00 UTC
PHONE_A = "sip:1000@192.0.2.50:5060;transport=udp"
PHONE_B = "sip:1000@192.0.2.51:5062"


def body(headers: dict[str, str]) -> bytes:
    """An event-plain body, values URL-encoded as FreeSWITCH sends them."""
    return "".join(f"{k}: {quote(v, safe='')}\n" for k, v in headers.items()).encode() + b"\n"


def frame(headers: dict[str, str]) -> bytes:
    payload = body(headers)
    return f"Content-Length: {len(payload)}\nContent-Type: text/event-plain\n\n".encode() + payload


def at(seconds: float) -> str:
    return str(int((T0 + seconds) * 1e6))


def register(
    contact: str, ua: str, seconds: float, port: str, expires: str = "3600"
) -> dict[str, str]:
    return {
        "Event-Name": "CUSTOM",
        "Event-Subclass": "sofia::register",
        "Event-Date-Timestamp": at(seconds),
        "profile-name": "internal",
        "from-user": "1000",
        "from-host": "192.0.2.10",
        "contact": f'"1000" <{contact}>',
        "call-id": f"reg-{port}",
        "status": "Registered(UDP)",
        "expires": expires,
        "network-ip": contact.split("@")[1].split(":")[0],
        "network-port": port,
        "username": "1000",
        "user-agent": ua,
    }


def channel(
    name: str, uuid: str, seconds: float, req_uri: str = "", **extra: str
) -> dict[str, str]:
    headers = {
        "Event-Name": name,
        "Event-Date-Timestamp": at(seconds),
        "Unique-ID": uuid,
        "Channel-Call-UUID": "a-leg-1",
        "Call-Direction": "outbound",
        "variable_dialed_user": "1000",
        "Caller-Caller-ID-Number": "+48601000200",
        "Caller-Caller-ID-Name": "Hotel Baltic",
        "Caller-Destination-Number": "1000",
    }
    if req_uri:
        headers["variable_sip_req_uri"] = req_uri
    headers.update(extra)
    return headers


def session() -> list[dict[str, str]]:
    """Two phones of account 1000; a call from outside rings both for 7 s, B answers, talks
    60 s; then a 4 s call nobody answers; then A unregisters and B's registration expires."""
    expire_b = register(PHONE_B, "Yealink SIP-T46U", 0, "5062")
    expire_b.update({"Event-Subclass": "sofia::expire", "Event-Date-Timestamp": at(600)})
    del expire_b["from-user"]
    expire_b["user"] = "1000"
    unregister_a = register(PHONE_A, "Zoiper rv2.10", 500, "5060", expires="0")
    unregister_a["Event-Subclass"] = "sofia::unregister"
    return [
        register(PHONE_A, "Zoiper rv2.10", 0, "5060"),
        register(PHONE_B, "Yealink SIP-T46U", 1, "5062"),
        register(PHONE_A, "Zoiper rv2.10", 30, "5060"),  # a refresh: nothing new
        {"Event-Name": "PRESENCE_IN", "Event-Date-Timestamp": at(31), "from": "1000@x"},
        # The A leg from the gateway: no account on it.
        {
            **channel("CHANNEL_CREATE", "a-leg-1", 100),
            "Call-Direction": "inbound",
            "Caller-Username": "gateway",
            "variable_dialed_user": "",
        },
        channel("CHANNEL_CREATE", "b1", 100, "1000@192.0.2.50:5060"),
        channel("CHANNEL_CREATE", "b2", 100.01, "1000@192.0.2.51:5062"),
        channel("CHANNEL_ANSWER", "b2", 107, "1000@192.0.2.51:5062"),
        channel("CHANNEL_HANGUP_COMPLETE", "b1", 107.02, "1000@192.0.2.50:5060"),
        channel("CHANNEL_HANGUP_COMPLETE", "b2", 167, "1000@192.0.2.51:5062"),
        {**channel("CHANNEL_CREATE", "c1", 200), "Channel-Call-UUID": "a-leg-2"},
        {**channel("CHANNEL_HANGUP_COMPLETE", "c1", 204), "Channel-Call-UUID": "a-leg-2"},
        unregister_a,
        expire_b,
    ]


def directory_state() -> State:
    state = State(record=True)
    ts = datetime.fromtimestamp(T0 - 60, UTC)
    state.apply(EmployeeUpsert(ts=ts, id="e1", name="Anna Nowak"))
    state.apply(AccountUpsert(ts=ts, login="1000", employee="e1"))
    return state


def test_session_maps_to_events_the_state_accepts() -> None:
    state = directory_state()
    mapper = FreeswitchMapper(known_account=lambda login: login in state.accounts)
    events: list[Event] = []
    for headers in session():
        for event in mapper.feed(parse_event(body(headers)), arrival=0.0):
            state.apply(event)  # EventRejected fails the test
            events.append(event)
    statuses = [
        (e.device, e.status.value, e.user_agent) for e in events if e.type == "device.status"
    ]  # type: ignore[union-attr]
    assert statuses == [
        (PHONE_A, "online", "Zoiper rv2.10"),
        (PHONE_B, "online", "Yealink SIP-T46U"),
        (PHONE_A, "offline", "Zoiper rv2.10"),
        (PHONE_B, "offline", "Yealink SIP-T46U"),
    ]
    assert state.history is not None
    first, second = state.history.calls
    assert (first.outcome(), first.device, first.remote, first.remote_name) == (
        Outcome.ANSWERED,
        PHONE_B,
        "+48601000200",
        "Hotel Baltic",
    )
    assert first.ring_seconds() == pytest.approx(7.0) and first.talk_seconds() == pytest.approx(
        60.0
    )
    assert second.outcome() is Outcome.SHORT and second.ring_seconds() == pytest.approx(4.0)
    assert first.leg == "a-leg-1/in/1000"  # both ringing channels of the account: one leg
    assert all(not d.dnd_capable for d in state.devices.values())  # R15
    assert state.employees["e1"].status is Status.OFFLINE
    assert mapper.ignored == 2  # PRESENCE_IN, and the gateway's channel


def test_resync_takes_vanished_registrations_offline_and_ends_lost_channels() -> None:
    state = directory_state()
    mapper = FreeswitchMapper()
    for headers in session()[:7]:  # both phones registered, both channels ringing
        for event in mapper.feed(parse_event(body(headers)), arrival=0.0):
            state.apply(event)
    assert state.legs
    rows = [
        {
            "reg_user": "1000",
            "url": f"sofia/internal/{PHONE_B}",
            "network_ip": "192.0.2.51",
            "network_port": "5062",
        }
    ]
    for event in mapper.resync(rows, [], T0 + 110):
        state.apply(event)
    assert not state.legs
    assert {d.device: d.status for d in state.devices.values()} == {
        PHONE_A: Status.OFFLINE,
        PHONE_B: Status.ONLINE,
    }


def test_unknown_accounts_are_added_or_skipped() -> None:
    first = register(PHONE_A, "Zoiper", 0, "5060")
    state = State()
    mapper = FreeswitchMapper(known_account=lambda login: login in state.accounts)
    events = mapper.feed(parse_event(body(first)), 0.0)
    assert isinstance(events[0], AccountUpsert) and events[0].employee is None
    skipping = FreeswitchMapper(known_account=lambda login: False, add_unknown=False)
    assert skipping.feed(parse_event(body(first)), 0.0) == []


def test_spec() -> None:
    source = parse_spec("freeswitch:127.0.0.1:8021,unknown=skip")
    assert (source.host, source.port, source.add_unknown) == ("127.0.0.1", 8021, False)
    with pytest.raises(SpecError):
        parse_spec("freeswitch:nohost")
    with pytest.raises(SpecError):
        parse_spec("freeswitch:127.0.0.1:8021,password=secret")  # never in argv


class MemorySink:
    def __init__(self) -> None:
        self.state = directory_state()
        self.rejected: list[str] = []

    def now(self) -> float:
        return max(T0 + 50, self.state.clock)  # the frames' time, not the machine's

    def last_ts(self) -> float | None:
        return None

    async def sleep_until(self, at: float) -> None:
        await asyncio.sleep(0)

    async def emit(self, event: Event, *, source: str) -> bool:
        try:
            self.state.apply(event)
        except EventRejected as exc:
            self.rejected.append(exc.reason)
            return False
        return True


async def test_source_against_a_fake_event_socket() -> None:
    """Auth, subscription, resync by api commands (with an event arriving in between), then
    the event stream, then a disconnect notice and a reconnect."""
    commands: list[str] = []
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1

        async def reply(content_type: str, payload: bytes = b"", text: str = "") -> None:
            head = f"Content-Type: {content_type}\n"
            if text:
                head += f"Reply-Text: {text}\n"
            if payload:
                head += f"Content-Length: {len(payload)}\n"
            writer.write(head.encode() + b"\n" + payload)
            await writer.drain()

        await reply("auth/request")
        while True:
            try:
                command = (await reader.readuntil(b"\n\n")).decode().strip()
            except asyncio.IncompleteReadError:
                return
            commands.append(command.split(" ", 1)[0] + " " + command.split(" ", 2)[1])
            if command.startswith("auth"):
                ok = command == "auth s3cret"
                await reply("command/reply", text="+OK accepted" if ok else "-ERR invalid")
            elif command.startswith("event"):
                await reply("command/reply", text="+OK event listener enabled plain")
            elif command == "api show registrations as json":
                # An event between the command and its reply must not be lost.
                writer.write(frame(register(PHONE_A, "Zoiper rv2.10", 0, "5060")))
                rows = {
                    "row_count": 1,
                    "rows": [
                        {
                            "reg_user": "1000",
                            "url": f"sofia/internal/{PHONE_B}",
                            "network_ip": "192.0.2.51",
                            "network_port": "5062",
                        }
                    ],
                }
                await reply("api/response", json.dumps(rows).encode())
            elif command == "api show channels as json":
                await reply("api/response", b'{"row_count":0}')
                if connections == 1:
                    for headers in session()[5:10]:
                        writer.write(frame(headers))
                    writer.write(b"Content-Type: text/disconnect-notice\nContent-Length: 0\n\n")
                    await writer.drain()
                    writer.close()
                    return

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sink = MemorySink()
    source = parse_spec(f"freeswitch:127.0.0.1:{port}")
    source.password = "s3cret"
    source.retry = (0.05, 0.1)
    task = asyncio.create_task(source.run(sink))
    try:
        deadline = time.monotonic() + 10
        while source.resyncs < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert source.resyncs >= 2 and connections >= 2
        assert commands[:5] == ["auth s3cret", "event plain", "api show", "api show", "auth s3cret"]
        assert sink.rejected == []
        assert sink.state.history is not None
        (leg,) = sink.state.history.calls
        assert leg.outcome() is Outcome.ANSWERED and leg.device == PHONE_B
        devices = {d.device: (d.user_agent, d.status) for d in sink.state.devices.values()}
        assert devices[PHONE_A] == ("Zoiper rv2.10", Status.ONLINE)
        assert devices[PHONE_B][1] is Status.ONLINE
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        server.close()
        await server.wait_closed()


def test_message_framing() -> None:
    headers = {"Event-Name": "CUSTOM", "Event-Subclass": "sofia::register", "user-agent": "a b:c"}
    event = parse_event(body(headers))
    assert (event.name, event.get("user-agent")) == ("sofia::register", "a b:c")
    assert Message({"Content-Type": "api/response"}).content_type == "api/response"
