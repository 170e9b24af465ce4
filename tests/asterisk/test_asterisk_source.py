"""AsteriskSource and its clients against a scripted ARI (HTTP + WebSocket) and AMI.

The real Asterisk is in tests/e2e/test_asterisk_e2e.py; here the point is the I/O layer:
resync on connect, user agents looked up over ARI, AMI events, a malformed frame counted,
the reconnect and resync after the PBX drops the connection, ``/v1/health``'s error text;
and the same through AMI alone (``ari=off``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from ringmon.model.schema import AccountUpsert, EmployeeUpsert, Event
from ringmon.model.state import EventRejected, State
from ringmon.sources.asterisk.ami import AmiClient, AmiError
from ringmon.sources.asterisk.config import AsteriskConfig
from ringmon.sources.asterisk.source import AsteriskSource

T0 = datetime.fromtimestamp(0, UTC)


class FakeSink:
    """The hub as a source sees it: a State it applies to, and a source cursor."""

    def __init__(self) -> None:
        self.state = State(record=True)
        self.state.apply(EmployeeUpsert(ts=T0, id="e1", name="Anna Nowak"))
        self.state.apply(AccountUpsert(ts=T0, login="101", number="101", employee="e1"))
        self.events: list[Event] = []
        self.rejected: list[str] = []
        self.cursors: dict[str, str] = {}

    def now(self) -> float:
        return time.time()

    async def sleep_until(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))

    def last_ts(self) -> float | None:
        return None

    async def emit(self, event: Event, *, source: str) -> bool:
        try:
            self.state.apply(event)
        except EventRejected as exc:
            self.rejected.append(str(exc))
            return False
        self.events.append(event)
        return True

    def source_cursor(self, name: str) -> str | None:
        return self.cursors.get(name)

    def set_source_cursor(self, name: str, value: str) -> None:
        self.cursors[name] = value


class FakePbx:
    """ARI on one port (REST answers + the event WebSocket), AMI on another."""

    def __init__(self) -> None:
        self.contacts = [
            {"Endpoint": "101", "Uri": "sip:101@10.0.0.5:5060", "Status": "Reachable",
             "UserAgent": "MicroSIP/3.21.3"},
        ]  # fmt: skip
        self.user_agents = {"sip:101@10.0.0.6:5062": "Zoiper rv2.10.20"}
        self.endpoints = [{"ObjectName": "101"}, {"ObjectName": "200"}]
        self.channels: list[dict[str, str]] = []
        self.ws: ServerConnection | None = None
        self.ws_connected = asyncio.Event()
        self.ami_writers: list[asyncio.StreamWriter] = []
        self.requests: list[str] = []
        self.ari_port = self.ami_port = 0

    async def start(self) -> AsyncIterator[None]:
        ari = await serve(self._ws, "127.0.0.1", 0, process_request=self._http)
        ami = await asyncio.start_server(self._ami, "127.0.0.1", 0)
        self.ari_port = ari.sockets[0].getsockname()[1]
        self.ami_port = ami.sockets[0].getsockname()[1]
        try:
            yield
        finally:
            ari.close()
            ami.close()
            for w in self.ami_writers:
                w.close()

    def _http(self, conn: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request.path)
        if request.headers.get("Authorization") != "Basic cmluZ21vbjpwdw==":  # ringmon:pw
            return conn.respond(HTTPStatus.UNAUTHORIZED, "{}")
        path = request.path
        if path.startswith("/ari/events"):
            return None
        if path == "/ari/endpoints":
            body: Any = [
                {"technology": "PJSIP", "resource": r, "state": "online", "channel_ids": []}
                for r in ("101", "200")
            ]
        elif path == "/ari/channels":
            body = []
        elif path.startswith("/ari/asterisk/config/dynamic/res_pjsip/endpoint/200"):
            body = [{"attribute": "callerid", "value": '"Front Desk" <200>'}]
        elif path.startswith("/ari/asterisk/config/dynamic/res_pjsip/contact/"):
            body = [{"attribute": "user_agent", "value": ua} for ua in self.user_agents.values()]
        else:
            return conn.respond(HTTPStatus.NOT_FOUND, '{"message": "no"}')
        return conn.respond(HTTPStatus.OK, json.dumps(body))

    async def _ws(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.ws_connected.set()
        await ws.wait_closed()

    async def _ami(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.ami_writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        msg: dict[str, str] = {}
        while raw := await reader.readline():
            line = raw.decode().rstrip("\r\n")
            if line:
                key, _, value = line.partition(": ")
                msg[key] = value
            elif msg:
                await self._answer(msg, writer)
                msg = {}

    async def _answer(self, msg: dict[str, str], writer: asyncio.StreamWriter) -> None:
        aid, action = msg.get("ActionID", ""), msg.get("Action", "")
        lists = {
            "PJSIPShowContacts": ("ContactList", self.contacts),
            "DeviceStateList": ("DeviceStateChange", []),
            "PresenceStateList": ("PresenceStateChange", []),
            "CoreShowChannels": ("CoreShowChannel", self.channels),
            "PJSIPShowEndpoints": ("EndpointList", self.endpoints),
            "PJSIPShowEndpoint": (
                "EndpointDetail",
                [{"ObjectName": "200", "Callerid": '"Front Desk" <200>'}]
                if msg.get("Endpoint") == "200"
                else [],
            ),
        }
        if action == "Login" and msg.get("Secret") != "sec":
            send(writer, {"Response": "Error", "ActionID": aid, "Message": "Authentication failed"})
        elif action in lists:
            event, items = lists[action]
            send(writer, {"Response": "Success", "ActionID": aid, "EventList": "start"})
            for item in items:
                send(writer, {"Event": event, "ActionID": aid, **item})
            send(writer, {"Event": event + "Complete", "ActionID": aid, "EventList": "Complete"})
        else:
            send(writer, {"Response": "Success", "ActionID": aid, "Message": "ok"})
        await writer.drain()

    def ami_event(self, event: dict[str, str]) -> None:
        for w in self.ami_writers:
            if not w.is_closing():
                send(w, event)


def send(writer: asyncio.StreamWriter, msg: dict[str, str]) -> None:
    writer.write(("".join(f"{k}: {v}\r\n" for k, v in msg.items()) + "\r\n").encode())


async def until(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


def statuses(sink: FakeSink) -> dict[str, tuple[str, str]]:
    return {d.device: (d.status.value, d.user_agent) for d in sink.state.devices.values()}


async def test_source_resyncs_maps_and_reconnects() -> None:
    pbx = FakePbx()
    starting = pbx.start()
    await starting.__anext__()
    try:
        config = AsteriskConfig(
            ari_url=f"http://127.0.0.1:{pbx.ari_port}",
            ami_host="127.0.0.1",
            ami_port=pbx.ami_port,
            ari_password="pw",
            ami_secret="sec",
        )
        source = AsteriskSource(config)
        sink = FakeSink()
        task = asyncio.create_task(source.run(sink))
        # connect + resync: the registered phone, with its user agent from AMI
        await until(lambda: source.counts["resyncs"] == 1)
        assert statuses(sink) == {"sip:101@10.0.0.5:5060": ("online", "MicroSIP/3.21.3")}
        assert sink.state.employees["asterisk:200"].name == "Front Desk"
        assert source.error is None
        # a new contact registers: its user agent comes from ARI's dynamic config
        await pbx.ws_connected.wait()
        assert pbx.ws is not None
        await pbx.ws.send(
            json.dumps(
                {
                    "type": "ContactStatusChange",
                    "endpoint": {"technology": "PJSIP", "resource": "101"},
                    "contact_info": {"uri": "sip:101@10.0.0.6:5062", "aor": "101",
                                     "contact_status": "NonQualified"},
                }
            )
        )  # fmt: skip
        await until(lambda: "sip:101@10.0.0.6:5062" in statuses(sink))
        assert statuses(sink)["sip:101@10.0.0.6:5062"] == ("online", "Zoiper rv2.10.20")
        assert any("contact/101%3B%40" in p for p in pbx.requests)
        # presence dnd over AMI
        pbx.ami_event(
            {"Event": "PresenceStateChange", "Presentity": "CustomPresence:101", "Status": "dnd"}
        )
        await until(lambda: sink.state.employees["e1"].status.value == "dnd")
        # a frame that is not JSON is counted, not fatal
        await pbx.ws.send("{not json")
        await until(lambda: source.mapper is not None and source.mapper.ignored["malformed"])
        # the PBX drops the connection; meanwhile the first phone unregisters
        pbx.ws_connected.clear()
        pbx.contacts = []
        await pbx.ws.close()
        await until(lambda: source.error is not None)
        assert "retrying" in (source.error or "")
        await until(lambda: source.counts["resyncs"] == 2)
        assert source.error is None
        assert statuses(sink)["sip:101@10.0.0.5:5060"] == ("offline", "MicroSIP/3.21.3")
        assert sink.rejected == []
        saved = json.loads(sink.cursors[source.name])
        assert [d[1] for d in saved["devices"]] == []  # the old contact gone, the new one too
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await starting.aclose()


def _channel(name: str, uid: str, state: str, **extra: str) -> dict[str, str]:
    return {
        "Channel": name,
        "ChannelStateDesc": state,
        "Uniqueid": uid,
        "Linkedid": "c.0",
        "CallerIDNum": "200",
        "ConnectedLineNum": "<unknown>",
        "Exten": "101",
        **extra,
    }


async def test_ami_only_source_resyncs_from_ami_actions_maps_and_reconnects() -> None:
    pbx = FakePbx()
    starting = pbx.start()
    await starting.__anext__()
    try:
        # At connect, 200 is calling 101, whose phone rings (Asterisk rang it: AppDial).
        pbx.channels = [
            _channel("PJSIP/200-00000000", "c.0", "Ring", Application="Dial"),
            _channel("PJSIP/101-00000001", "c.1", "Ringing", Application="AppDial",
                     ConnectedLineNum="200"),
        ]  # fmt: skip
        config = AsteriskConfig(
            ari=False, ami_host="127.0.0.1", ami_port=pbx.ami_port, ami_secret="sec"
        )
        source = AsteriskSource(config)
        assert source.name == f"asterisk:ami@127.0.0.1:{pbx.ami_port}"
        sink = FakeSink()
        task = asyncio.create_task(source.run(sink))
        await until(lambda: source.counts["resyncs"] == 1)
        assert source.health.state == "running"
        assert statuses(sink) == {"sip:101@10.0.0.5:5060": ("online", "MicroSIP/3.21.3")}
        assert sink.state.employees["asterisk:200"].name == "Front Desk"  # PJSIPShowEndpoint
        (leg,) = [leg for leg in sink.state.legs.values() if leg.account == "101"]
        assert (leg.direction.value, leg.remote, leg.answer_at) == ("in", "200", None)
        # the call ends: AMI Hangup of both channels
        for ch in reversed(pbx.channels):
            pbx.ami_event({"Event": "Hangup", **ch, "Cause": "16"})
        await until(lambda: not sink.state.legs)
        # a contact registers: ContactStatus carries no User-Agent, PJSIPShowContacts has it
        pbx.contacts.append(
            {"Endpoint": "101", "Uri": "sip:101@10.0.0.6:5062", "Status": "NonQualified",
             "UserAgent": "Zoiper rv2.10.20"}
        )  # fmt: skip
        pbx.ami_event(
            {"Event": "ContactStatus", "URI": "sip:101@10.0.0.6:5062",
             "ContactStatus": "NonQualified", "AOR": "101", "EndpointName": "101"}
        )  # fmt: skip
        await until(lambda: "sip:101@10.0.0.6:5062" in statuses(sink))
        assert statuses(sink)["sip:101@10.0.0.6:5062"] == ("online", "Zoiper rv2.10.20")
        # the PBX drops AMI; meanwhile the first phone unregisters
        pbx.contacts = pbx.contacts[1:]
        pbx.channels = []
        for w in pbx.ami_writers:
            w.close()
        await until(lambda: source.health.state == "unreachable")
        assert "AMI" in (source.health.detail or "") and "retrying" in (source.error or "")
        await until(lambda: source.counts["resyncs"] == 2)
        assert source.health.state == "running"
        assert statuses(sink)["sip:101@10.0.0.5:5060"] == ("offline", "MicroSIP/3.21.3")
        assert statuses(sink)["sip:101@10.0.0.6:5062"] == ("online", "Zoiper rv2.10.20")
        assert pbx.requests == []  # no ARI at all
        assert sink.rejected == []
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await starting.aclose()


async def test_ami_client_login_lists_and_refusals() -> None:
    pbx = FakePbx()
    starting = pbx.start()
    await starting.__anext__()
    try:
        with pytest.raises(AmiError, match="refused"):
            await AmiClient.connect("127.0.0.1", pbx.ami_port, "ringmon", "wrong")
        ami = await AmiClient.connect("127.0.0.1", pbx.ami_port, "ringmon", "sec")
        contacts = await ami.collect("PJSIPShowContacts")
        assert [c["UserAgent"] for c in contacts] == ["MicroSIP/3.21.3"]
        assert await ami.collect("DeviceStateList") == []
        with pytest.raises(ValueError, match="line break"):
            await ami.action("Setvar", Variable="x\r\nAction: Originate")
        for w in pbx.ami_writers:
            w.close()
        with pytest.raises(AmiError):
            async for _ in ami.events():
                pass
        await ami.close()
    finally:
        await starting.aclose()
