"""Source ``asterisk``: a live Asterisk PBX, read through ARI and AMI.

One session = the ARI event WebSocket + an AMI login. On every session start (the first one and
after every reconnect) the source reads the whole picture again (endpoints and channels from
ARI; contacts with their user agents, device and presence states and queue members from AMI;
``pbx_snapshot.py``) and emits what differs from what it reported before, so the hub is right
even when events were missed while it was away: a device that unregistered meanwhile goes
offline, a call that ended meanwhile ends. Between resyncs it maps ARI (and a few AMI) events
as they come (``mapping.py``). What it reported and the legs it left open are saved with the
hub's events (the source cursor), so a restarted hub also ends what ended while it was down.

When either connection breaks, both are closed and the session starts again after a pause
that doubles from 0.5 s up to 10 s (back to 0.5 s after a session that lasted 30 s), the
hub's one retry policy (``ringmon.retry``). This is not
websockets' own reconnect loop: a reconnect here covers two connections and a resync, and
websockets' pause grows to 90 s, too long for a wall screen watching a PBX restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections import Counter
from typing import IO, Any

import websockets

from ringmon.model.schema import Event
from ringmon.model.state import State
from ringmon.retry import Backoff, Lost
from ringmon.sources.asterisk.ami import AmiClient, AmiError
from ringmon.sources.asterisk.ami_frames import AMI_CHANNEL_EVENTS
from ringmon.sources.asterisk.ari import AriClient, AriError, AriNotReady, decode_frame
from ringmon.sources.asterisk.config import AsteriskConfig
from ringmon.sources.asterisk.mapping import RECORDING_PREFIX, AsteriskMapper, ContactInfo
from ringmon.sources.asterisk.pbx_snapshot import contacts_of, read_ami_snapshot, read_snapshot
from ringmon.sources.asterisk.queues import QUEUE_EVENTS
from ringmon.sources.base import Sink, SourceHealth, account_known, live_state

log = logging.getLogger("ringmon.hub.asterisk")

RETRY_FIRST = 0.5
RETRY_MAX = 10.0
HEALTHY_AFTER = 30.0
TICK = 1.0
AMI_EVENTS = ("PresenceStateChange", "DeviceStateChange", *sorted(QUEUE_EVENTS))
AMI_CLASSES = "call,agent"
"""The event classes read beside ARI: ``DeviceStateChange`` and ``PresenceStateChange`` are
``call``, app_queue's member events ``agent``."""
AMI_ONLY_EVENTS = (*AMI_EVENTS, *sorted(AMI_CHANNEL_EVENTS - {"VarSet", "Newexten"}))
AMI_ONLY_FILTERS = (
    *(f"Event: {e}" for e in AMI_ONLY_EVENTS),
    "Variable: MIXMONITOR_FILENAME",
    "Application: Dial",
)
"""What AMI sends in AMI-only mode (``Filter`` actions): those events (the channel events the
mapper reads), the ``VarSet`` of the recording's file name and the ``Newexten`` of a
``Dial()`` step (its targets)."""
AMI_ONLY_CLASSES = "system,call,dialplan,agent"
"""The event classes AMI-only mode logs in for: ``ContactStatus`` is ``system``, the channel
events ``call``, ``VarSet`` and ``Newexten`` ``dialplan``, queue members ``agent``."""

_Item = tuple[str, object, float]


class SessionLost(Exception):
    """One of the two connections closed."""


class AsteriskSource:
    def __init__(self, config: AsteriskConfig) -> None:
        self.config = config
        self.name = config.name
        self.error: str | None = None
        self.health = SourceHealth()
        self.mapper: AsteriskMapper | None = None
        self.counts: Counter[str] = Counter()
        """frames and resyncs seen, for logs and tests."""
        self._tap: IO[str] | None = None
        self._lost_level = logging.WARNING
        """How loud the next "retrying" line is (INFO while Asterisk boots)."""
        if config.warning:
            log.warning("%s: %s", self.name, config.warning)
        httpx_log = logging.getLogger("httpx")
        if httpx_log.level == logging.NOTSET:
            httpx_log.setLevel(logging.WARNING)  # not a line per ARI request in the hub's log

    # -- the Source protocol --------------------------------------------------------------

    async def run(self, sink: Sink) -> None:
        state = live_state(sink)
        mapper = self.mapper
        if mapper is None:
            mapper = self.mapper = self._new_mapper(sink, state)
        await Backoff(RETRY_FIRST, RETRY_MAX).keep_trying(
            lambda: self._attempt(sink, mapper), waiting=self._waiting
        )

    async def _attempt(self, sink: Sink, mapper: AsteriskMapper) -> None:
        """One session, until it ends: always ``Lost`` (after running when it lasted)."""
        started = time.monotonic()
        self._lost_level = logging.WARNING
        self.health.connecting(
            f"connecting to ARI at {self.config.ari_url}"
            if self.config.ari
            else f"connecting to AMI at {self.config.ami_host}:{self.config.ami_port}"
        )
        try:
            await self._session(sink, mapper)
            reason = "the session ended"
        except (AriError, AmiError, SessionLost, OSError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            if isinstance(exc, AriNotReady):
                self._lost_level = logging.INFO  # Asterisk is still booting
        except websockets.ConnectionClosed as exc:
            reason = f"the ARI event stream closed ({exc})"
        raise Lost(reason, after_running=time.monotonic() - started > HEALTHY_AFTER)

    def _waiting(self, lost: Lost, seconds: float) -> None:
        self.error = f"{lost.reason}; retrying in {seconds:.1f} s"
        self.health.unreachable(self.error)
        log.log(self._lost_level, "%s: %s", self.name, self.error)
        if self.mapper is not None and self.mapper.ignored:
            log.info("%s: frames ignored so far: %s", self.name, dict(self.mapper.ignored))

    def recording(self, ref: str) -> bytes | None:
        """The WAV that MixMonitor wrote, read from ``recordings=`` (the PBX's file system as
        the hub sees it); None when it is not this source's or not there."""
        root = self.config.recordings_root
        if root is None or not ref.startswith(RECORDING_PREFIX):
            return None
        name = ref.removeprefix(RECORDING_PREFIX)
        if not name.lower().endswith(".wav"):
            return None
        if not name.startswith("/"):
            name = "/var/spool/asterisk/monitor/" + name
        base = root.resolve()
        path = (base / name.lstrip("/")).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return None
        return path.read_bytes()

    # -- one session ----------------------------------------------------------------------

    def _new_mapper(self, sink: Sink, state: State | None) -> AsteriskMapper:
        mapper = AsteriskMapper(
            account_known=account_known(sink),
            unknown_endpoints=self.config.unknown_endpoints,
            dnd=self.config.dnd,
            ignore=self.config.ignore,
            ami_calls=not self.config.ari,
        )
        getter = getattr(sink, "source_cursor", None)
        saved = getter(self.name) if getter is not None else None
        if saved:
            try:
                picture = json.loads(saved)
            except ValueError:
                picture = None
            mapper.restore(
                picture,
                device_exists=(lambda a, d: (a, d) in state.devices) if state else None,
                leg_exists=(lambda leg: leg in state.legs) if state else None,
            )
        return mapper

    def _record(self, kind: str, data: object, at: float) -> None:
        """Append one received frame (or snapshot) to the tap file, when there is one."""
        if self.config.tap is None:
            return
        if self._tap is None:
            self._tap = self.config.tap.open("a", encoding="utf-8", buffering=1)
        self._tap.write(json.dumps({"src": kind, "t": at, "frame": data}) + "\n")

    async def _session(self, sink: Sink, mapper: AsteriskMapper) -> None:
        cfg = self.config
        if not cfg.ari:
            ami = await AmiClient.connect(
                cfg.ami_host, cfg.ami_port, cfg.ami_user, cfg.ami_secret, events=AMI_ONLY_CLASSES
            )
            try:
                await self._serve(sink, mapper, None, None, ami)
            finally:
                await ami.close()
            return
        ari = AriClient(cfg.ari_url, cfg.ari_user, cfg.ari_password, cfg.app)
        try:
            async with ari.event_stream() as ws:
                ami = await AmiClient.connect(
                    cfg.ami_host, cfg.ami_port, cfg.ami_user, cfg.ami_secret, events=AMI_CLASSES
                )
                try:
                    await self._serve(sink, mapper, ari, ws, ami)
                finally:
                    await ami.close()
        finally:
            await ari.aclose()

    async def _serve(
        self,
        sink: Sink,
        mapper: AsteriskMapper,
        ari: AriClient | None,
        ws: Any,
        ami: AmiClient,
    ) -> None:
        filters = AMI_ONLY_FILTERS if ari is None else tuple(f"Event: {e}" for e in AMI_EVENTS)
        for text in filters:
            with contextlib.suppress(AmiError, TimeoutError):
                await ami.action("Filter", Operation="Add", Filter=text)
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        readers = [asyncio.create_task(self._read_ami(ami, sink, queue), name="asterisk-ami")]
        if ws is not None:
            readers.append(
                asyncio.create_task(self._read_ari(ws, sink, queue), name="asterisk-ari")
            )
        try:
            if ari is None:
                snap = await read_ami_snapshot(ami, mapper)
            else:
                snap = await read_snapshot(ari, ami, mapper)
            at = sink.now()
            self._record("snapshot", dataclasses.asdict(snap), at)
            await self._emit(sink, mapper, mapper.resync(snap, at))
            self.counts["resyncs"] += 1
            self.error = None
            self.health.running()
            log.info(
                "%s: connected; %d endpoints, %d contacts, %d channels, %d queue members",
                self.name,
                len(snap.endpoints),
                len(snap.contacts),
                len(snap.channels),
                len(snap.queue_members),
            )
            while True:
                try:
                    async with asyncio.timeout(TICK):
                        kind, frame, at = await queue.get()
                except TimeoutError:
                    await self._emit(sink, mapper, mapper.tick(sink.now()))
                    continue
                if kind == "closed":
                    raise SessionLost(str(frame))
                self.counts[kind] += 1
                self._record(kind, frame, at)
                if kind == "ari" and ari is not None:
                    if mapper.needs_user_agent(frame):
                        await self._learn_user_agent(ari, mapper, frame)
                    events = mapper.ari(frame, at)
                else:
                    if mapper.ami_needs_user_agent(frame):
                        await self._ami_user_agents(ami, mapper)
                    events = mapper.ami(frame, at)
                await self._emit(sink, mapper, events + mapper.tick(at))
        finally:
            for task in readers:
                task.cancel()
            for task in readers:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _read_ari(self, ws: Any, sink: Sink, queue: asyncio.Queue[_Item]) -> None:
        try:
            async for data in ws:
                queue.put_nowait(("ari", decode_frame(data), sink.now()))
            reason = "the ARI event stream closed"
        except websockets.ConnectionClosed as exc:
            reason = f"the ARI event stream closed ({exc})"
        queue.put_nowait(("closed", reason, sink.now()))

    async def _read_ami(self, ami: AmiClient, sink: Sink, queue: asyncio.Queue[_Item]) -> None:
        try:
            async for msg in ami.events():
                queue.put_nowait(("ami", msg, sink.now()))
            reason = "the AMI connection closed"
        except AmiError as exc:
            reason = str(exc)
        queue.put_nowait(("closed", reason, sink.now()))

    async def _learn_user_agent(
        self, ari: AriClient, mapper: AsteriskMapper, frame: object
    ) -> None:
        assert isinstance(frame, dict)
        info = frame.get("contact_info") or {}
        endpoint = (frame.get("endpoint") or {}).get("resource", "")
        uri, aor = str(info.get("uri", "")), str(info.get("aor") or endpoint)
        try:
            agent = await ari.contact_user_agent(aor, uri)
        except AriError as exc:
            log.debug("%s: no user agent for %s: %s", self.name, uri, exc)
            return
        contact = ContactInfo(str(endpoint), uri, "", agent)
        self._record("user_agent", dataclasses.asdict(contact), 0.0)
        mapper.learn_contacts([contact])

    async def _ami_user_agents(self, ami: AmiClient, mapper: AsteriskMapper) -> None:
        """AMI-only: a contact whose user agent its ContactStatus event did not say."""
        contacts = contacts_of(await ami.collect("PJSIPShowContacts"))
        for contact in contacts:
            self._record("user_agent", dataclasses.asdict(contact), 0.0)
        mapper.learn_contacts(contacts)

    async def _emit(self, sink: Sink, mapper: AsteriskMapper, events: list[Event]) -> None:
        if not events:
            return
        for event in events:
            if not await sink.emit(event, source=self.name):
                self.counts["rejected"] += 1
        setter = getattr(sink, "set_source_cursor", None)
        if setter is not None:
            setter(self.name, json.dumps(mapper.picture(), separators=(",", ":")))
