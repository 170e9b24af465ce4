"""Queue agents (issue 12 item 3) and why a device is offline (item 5), through the mapper.

AMI frames as Asterisk 22's app_queue sends them (``QueueMemberPause``, ``QueueMemberStatus``,
the ``QueueMember`` entries of ``QueueStatus``) go through ``AsteriskMapper`` into a real
``State``: paused in every queue -> dnd with the reason; in some -> online with the paused
queues listed; qualify failing -> offline ``unreachable``, unregistering -> ``unregistered``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ringmon.model.schema import (
    AccountUpsert,
    DeviceStatus,
    EmployeeUpsert,
    Event,
    QueuePause,
    Registration,
)
from ringmon.model.state import State
from ringmon.model.status import Status
from ringmon.model.timeline import intervals, time_in_status
from ringmon.present.clock import stretch
from ringmon.sources.asterisk.mapping import AsteriskMapper, ContactInfo, Snapshot
from ringmon.sources.asterisk.queues import QueueMemberInfo, login_of, member_of

T0 = datetime(2026, 3, 24, 8, 0, tzinfo=UTC).timestamp()
URI = "sip:101@127.0.0.1:5071"


def setup(queues: list[QueueMemberInfo], *, ami_calls: bool = False) -> tuple[State, Any]:
    state = State(record=True)
    ts = datetime.fromtimestamp(T0, UTC)
    state.apply(EmployeeUpsert(ts=ts, id="e1", name="Anna Nowak"))
    state.apply(AccountUpsert(ts=ts, login="101", number="101", employee="e1"))
    mapper = AsteriskMapper(
        account_known=lambda login: login in state.accounts, ami_calls=ami_calls
    )
    snap = Snapshot(
        endpoints={"101": ("Anna Nowak", "101")},
        contacts=[ContactInfo("101", URI, "Reachable", "MicroSIP/3.21.3")],
        queue_members=queues,
    )
    apply(state, mapper.resync(snap, T0))
    return state, mapper


def apply(state: State, events: list[Event]) -> list[Event]:
    for event in events:
        state.apply(event)
    return events


def pause(queue: str, paused: bool, reason: str = "", event: str = "QueueMemberPause") -> dict:
    return {
        "Event": event,
        "Queue": queue,
        "MemberName": "Anna",
        "Interface": "PJSIP/101",
        "StateInterface": "PJSIP/101",
        "Membership": "static",
        "Paused": "1" if paused else "0",
        "PausedReason": reason,
        "Status": "1",
    }


def statuses(events: list[Event]) -> list[tuple[str, str | None, tuple[QueuePause, ...]]]:
    return [
        (e.status.value, e.reason, e.paused or ()) for e in events if isinstance(e, DeviceStatus)
    ]


def test_paused_in_every_queue_is_dnd_with_the_reason_in_some_stays_online() -> None:
    members = [QueueMemberInfo("sales", "101"), QueueMemberInfo("support", "101")]
    state, mapper = setup(members)
    emp = state.employees["e1"]
    assert emp.status is Status.ONLINE

    # Paused in one of two queues: online, the paused queue listed.
    out = apply(state, mapper.ami(pause("sales", True, "Lunch"), T0 + 60))
    assert statuses(out) == [("online", None, (QueuePause(queue="sales", reason="Lunch"),))]
    assert emp.status is Status.ONLINE
    dev = state.devices[("101", URI)]
    assert dev.paused == (QueuePause(queue="sales", reason="Lunch"),)

    # Paused in both: dnd with the reason, the employee too.
    out = apply(state, mapper.ami(pause("support", True, "Lunch"), T0 + 120))
    assert statuses(out)[0][:2] == ("dnd", "Lunch")
    assert (emp.status, emp.reason) == (Status.DND, "Lunch")

    # The reason changes while paused (Asterisk re-pauses with another one).
    apply(state, mapper.ami(pause("sales", True, "Training"), T0 + 180))
    apply(state, mapper.ami(pause("support", True, "Training"), T0 + 180))
    assert (emp.status, emp.reason) == (Status.DND, "Training")

    # A QueueMemberStatus that repeats what is known says nothing new.
    assert mapper.ami(pause("sales", True, "Training", "QueueMemberStatus"), T0 + 200) == []

    # Unpaused in one queue: online again.
    apply(state, mapper.ami(pause("support", False), T0 + 300))
    assert (emp.status, emp.reason) == (Status.ONLINE, None)

    # The timeline says it: dnd Lunch 1 min, dnd Training 2 min; pause time counts as dnd.
    assert state.history is not None
    merged = state.history.employee["e1"]
    parts = [(i.status, i.reason, i.seconds) for i in intervals(merged, T0, T0 + 400)]
    assert parts == [
        (Status.ONLINE, None, 120.0),
        (Status.DND, "Lunch", 60.0),
        (Status.DND, "Training", 120.0),
        (Status.ONLINE, None, 100.0),
    ]
    assert time_in_status(intervals(merged, T0, T0 + 400))[Status.DND] == 180.0
    described = stretch(intervals(merged, T0, T0 + 400)[1], UTC)
    assert described == "do not disturb · Lunch 08:02-08:03"


def test_a_member_removed_from_its_last_unpaused_queue_is_paused_everywhere() -> None:
    members = [QueueMemberInfo("sales", "101", True, "Break"), QueueMemberInfo("support", "101")]
    state, mapper = setup(members)
    assert state.employees["e1"].status is Status.ONLINE
    removed = pause("support", False, event="QueueMemberRemoved")
    apply(state, mapper.ami(removed, T0 + 10))
    assert (state.employees["e1"].status, state.employees["e1"].reason) == (Status.DND, "Break")


def test_resync_reads_the_queue_status_listing() -> None:
    state, mapper = setup([QueueMemberInfo("sales", "101", True, "Lunch")], ami_calls=True)
    assert (state.employees["e1"].status, state.employees["e1"].reason) == (Status.DND, "Lunch")
    # Asterisk restarted meanwhile: the listing no longer has the pause.
    snap = Snapshot(
        endpoints={"101": ("Anna Nowak", "101")},
        contacts=[ContactInfo("101", URI, "Reachable", "MicroSIP/3.21.3")],
        queue_members=[QueueMemberInfo("sales", "101")],
    )
    apply(state, mapper.resync(snap, T0 + 30))
    assert state.employees["e1"].status is Status.ONLINE


def test_unreachable_and_unregistered_are_told_apart() -> None:
    state, mapper = setup([])
    contact = {
        "type": "ContactStatusChange",
        "endpoint": {"technology": "PJSIP", "resource": "101"},
        "contact_info": {"uri": URI, "contact_status": "Unreachable", "aor": "101"},
    }
    out = apply(state, mapper.ari(contact, T0 + 5))
    assert statuses(out) == [("offline", "unreachable", ())]
    assert state.devices[("101", URI)].reason == "unreachable"
    contact["contact_info"]["contact_status"] = "Reachable"  # type: ignore[index]
    apply(state, mapper.ari(contact, T0 + 6))
    assert state.devices[("101", URI)].reason is None
    contact["contact_info"]["contact_status"] = "Removed"  # type: ignore[index]
    out = apply(state, mapper.ari(contact, T0 + 7))
    assert statuses(out) == [("offline", "unregistered", ())]
    assert state.employees["e1"].status is Status.OFFLINE


def test_queue_member_interfaces() -> None:
    assert login_of("PJSIP/101") == "101"
    assert login_of("Local/101@from-queue/n") == "101"
    assert login_of("hint:101@ext-local") == "101"
    assert login_of("DAHDI/1") is None
    # FreePBX: a Local/ interface whose state interface is the phone.
    freepbx = {
        "Event": "QueueMember",
        "Queue": "400",
        "Location": "Local/101@from-queue/n",
        "StateInterface": "hint:101@ext-local",
        "Paused": "1",
        "PausedReason": "Lunch",
    }
    assert member_of(freepbx) == QueueMemberInfo("400", "101", True, "Lunch")
    assert member_of({"Event": "QueueMember", "Location": "PJSIP/101"}) is None


def test_a_malformed_queue_event_is_counted_not_raised() -> None:
    _, mapper = setup([])
    assert mapper.ami({"Event": "QueueMemberPause", "Queue": "sales"}, T0) == []
    assert mapper.ignored["malformed"] == 1


def test_a_paused_dnd_from_a_push_reason_is_kept_by_the_model() -> None:
    state = State()
    ts = datetime.fromtimestamp(T0, UTC)
    state.apply(EmployeeUpsert(ts=ts, id="e1", name="Anna"))
    state.apply(AccountUpsert(ts=ts, login="a", employee="e1"))
    state.apply(
        DeviceStatus(
            ts=ts,
            account="a",
            device="d",
            status=Registration.DND,
            dnd_capable=True,
            reason="Lunch",
        )
    )
    assert (state.employees["e1"].status, state.employees["e1"].reason) == (Status.DND, "Lunch")
