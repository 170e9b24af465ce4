"""The reason and the caller reach the screen (issue 12 items 3, 4, 5): the board's row
(``⊘ dnd · Lunch``, ``← +48 601 *** *00 Hotel Baltic``), the device detail's lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.style import Style

from ringmon.model.board import build_rows
from ringmon.model.schema import (
    AccountUpsert,
    CallRing,
    DeviceStatus,
    Direction,
    EmployeeUpsert,
    QueuePause,
    Registration,
)
from ringmon.model.state import State
from ringmon.present.row_text import device_lines
from ringmon.widgets.columns import Col, layout_columns
from ringmon.widgets.row_lines import PARTY_MIN_COLUMN, RowLines

T0 = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
APP = "Vendor Desktop 3.1"


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def state() -> State:
    s = State()
    for emp, login in (("e1", "101"), ("e2", "102"), ("e3", "103")):
        s.apply(EmployeeUpsert(ts=at(0), id=emp, name=f"Agent {login}"))
        s.apply(AccountUpsert(ts=at(0), login=login, employee=emp))
    s.apply(
        DeviceStatus(
            ts=at(1), account="101", device="app", user_agent=APP, status=Registration.DND,
            dnd_capable=True, reason="Lunch",
            paused=(QueuePause(queue="sales", reason="Lunch"),),
        )
    )  # fmt: skip
    s.apply(
        DeviceStatus(
            ts=at(1), account="102", device="app", user_agent=APP, status=Registration.ONLINE,
            dnd_capable=True, paused=(QueuePause(queue="support", reason="Training"),),
        )
    )  # fmt: skip
    s.apply(DeviceStatus(ts=at(1), account="102", device="desk", status=Registration.ONLINE))
    s.apply(
        DeviceStatus(
            ts=at(2), account="102", device="desk", status=Registration.OFFLINE,
            reason="unreachable",
        )
    )  # fmt: skip
    s.apply(DeviceStatus(ts=at(1), account="103", device="app", status=Registration.ONLINE))
    s.apply(
        CallRing(
            ts=at(5), call="c1", leg="c1/103", account="103", direction=Direction.IN,
            remote="+48601234500", remote_name="Hotel Baltic",
        )
    )  # fmt: skip
    return s


def line(lines: RowLines, row: object, width: int = 160) -> str:
    return lines.row(row, at(60).timestamp(), (False, False, False, None, width, False)).text  # type: ignore[arg-type]


def test_the_row_says_the_reason_and_the_caller() -> None:
    rows = build_rows(state())
    lunch, partial, ringing = rows["e1"], rows["e2"], rows["e3"]
    assert lunch is not None and partial is not None and ringing is not None
    assert lunch.reason == "Lunch" and partial.reason is None
    assert ringing.party is not None and ringing.party.name == "Hotel Baltic"
    lines = RowLines(lambda name: Style(), lambda: Style())
    lines.layout = layout_columns(160)
    assert "⊘ dnd · Lunch" in line(lines, lunch)
    assert "← +48601234500 Hotel Baltic" in line(lines, ringing)
    lines.mask_numbers = True
    lines.clear()
    assert "← +48 601 *** *00 Hotel Baltic" in line(lines, ringing)
    assert "+48601234500" not in line(lines, ringing)


def test_a_narrow_board_shows_the_caller_in_place_of_the_devices() -> None:
    """At 80 columns the User agents cell is too narrow for both: a row in a call says who
    with; a row with no call keeps its devices."""
    rows = build_rows(state())
    ringing, lunch = rows["e3"], rows["e1"]
    lines = RowLines(lambda name: Style(), lambda: Style())
    lines.layout = layout_columns(78)
    agents = lines.layout.get(Col.AGENTS)
    assert agents is not None and agents.width < PARTY_MIN_COLUMN
    text = line(lines, ringing, 78)
    assert text[agents.x :].startswith("← +48601234500 ")
    assert "Vendor" not in text[agents.x :]
    assert "Vendor Desktop" in line(lines, lunch, 78)[agents.x :]


def test_the_device_detail_says_why_and_which_queues() -> None:
    rows = build_rows(state())
    partial = rows["e2"]
    assert partial is not None
    texts = {d.account + d.user_agent: d for d in device_lines(partial)}
    app, desk = texts["102" + APP], texts["102"]
    assert app.paused == "support (Training)" and app.reason is None
    assert desk.reason == "unreachable"
    now = at(60).timestamp()
    assert "offline (unreachable)" in desk.text(now, UTC)
    assert "paused in support (Training)" in app.text(now, UTC)
