"""The source against a real Kamailio: resync over JSON-RPC on start, reconnect and resync
after Kamailio restarts (it forgets registrations and calls: usrloc db_mode 0)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import kamailio_lab as labkit
import pytest

from ringmon.model.schema import AccountUpsert, EmployeeUpsert, Event
from ringmon.model.state import EventRejected, State
from ringmon.model.status import Status
from ringmon.sources.kamailio import parse_spec

pytestmark = pytest.mark.e2e


class MemorySink:
    """The hub's Sink on a bare State: every rejection is kept, for the test to fail on."""

    def __init__(self) -> None:
        self.state = State(record=True)
        self.rejected: list[tuple[Event, str]] = []
        at = datetime.now(UTC)
        self.state.apply(EmployeeUpsert(ts=at, id="e1", name="Anna Nowak"))
        self.state.apply(AccountUpsert(ts=at, login="sip101", employee="e1"))

    def now(self) -> float:
        return max(time.time(), self.state.clock)

    def last_ts(self) -> float | None:
        return self.state.clock or None

    async def sleep_until(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))

    async def emit(self, event: Event, *, source: str) -> bool:
        try:
            self.state.apply(event)
        except EventRejected as exc:
            self.rejected.append((event, exc.reason))
            return False
        return True


async def until(what: str, predicate: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


async def test_resync_on_start_and_after_kamailio_restarts(tmp_path: Path) -> None:
    labkit.require_tools()
    kamailio = labkit.Kamailio(tmp_path)
    phone = labkit.SippPhone(kamailio, "SIPp-Phone/3.6")
    sink = MemorySink()
    source = parse_spec(kamailio.spec)
    source.retry = (0.2, 0.5)
    task: asyncio.Task[None] | None = None
    caller: subprocess.Popen[bytes] | None = None
    try:
        kamailio.start()
        phone.start()
        # Registered before the source starts: only the resync (ul.dump) can tell.
        await asyncio.to_thread(phone.register, "sip101", 60)
        task = asyncio.create_task(source.run(sink))
        await until("the phone online", lambda: sink.state.employees["e1"].status is Status.ONLINE)
        (device,) = sink.state.devices.values()
        assert device.user_agent == "SIPp-Phone/3.6"

        # A call in progress when Kamailio goes away.
        # (Its BYE will go to a Kamailio that no longer knows the call: sipp will fail.)
        caller = labkit.start_call(kamailio, "sip101", "+48600100200", answer=True, ms=8000)
        await until(
            "the call answered", lambda: sink.state.employees["e1"].status is Status.TALKING
        )
        kamailio.stop()
        await until("the source to notice", lambda: not source.connected)
        kamailio.start()  # same ports; it remembers neither the phone nor the call
        await until("the reconnect and its resync", lambda: source.resyncs >= 2)
        await until(
            "the phone offline", lambda: sink.state.employees["e1"].status is Status.OFFLINE
        )
        assert not sink.state.legs
        await asyncio.to_thread(phone.register, "sip101", 60)
        await until("the phone back", lambda: sink.state.employees["e1"].status is Status.ONLINE)
        assert sink.rejected == []
        assert sink.state.history is not None
        (leg,) = sink.state.history.calls
        assert leg.answered and leg.end_at is not None
    finally:
        if caller is not None:
            labkit.stop_process(caller)
        if task is not None:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        phone.stop()
        kamailio.stop()
