"""The board's pure logic (ringmon/model/board.py): rows, filters, sorting, the incremental
board, the summary, thresholds, user-agent condensing and the device detail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from board_data import APP, MICROSIP, NOW, TZ, YEALINK, ZOIPER, at, board_events, board_state
from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon import config
from ringmon.model.board import (
    NO_DEPARTMENT,
    RINGING,
    Board,
    ChipKind,
    DeviceView,
    Filters,
    Row,
    Sort,
    SortColumn,
    TimeLimits,
    build_row,
    build_rows,
)
from ringmon.model.schema import (
    AccountUpsert,
    CallAnswer,
    CallRing,
    DeviceStatus,
    EmployeeRemove,
    EmployeeUpsert,
)
from ringmon.model.state import State
from ringmon.model.status import Status
from ringmon.present.glyphs import GLYPHS
from ringmon.present.row_text import agent_name, condense_agents, device_lines, devices_text


def row(
    emp: str,
    name: str = "",
    status: Status = Status.ONLINE,
    since: float = 0.0,
    department: str | None = "Sales",
    ringing_since: float | None = None,
    devices: tuple[DeviceView, ...] = (),
) -> Row:
    name = name or f"Name {emp}"
    return Row(emp, name, department, status, since, ringing_since, devices, name.casefold())


def dev(
    ua: str, status: Status = Status.ONLINE, ringing: bool = False, since: float = 0.0
) -> DeviceView:
    return DeviceView("acc", "d", ua, status, since, ringing, False)


# -- rows from the state --------------------------------------------------------------------


def two_device_state() -> State:
    state = State(TZ)
    state.apply_all(
        [
            EmployeeUpsert(ts=at("07:00"), id="e1", name="Anna Nowak", department="Sales"),
            AccountUpsert(ts=at("07:00"), login="A", employee="e1"),
            AccountUpsert(ts=at("07:00"), login="B", employee="e1"),
            DeviceStatus(
                ts=at("08:00"), account="A", device="a1", user_agent=MICROSIP, status="online"
            ),
            DeviceStatus(
                ts=at("08:30"),
                account="B",
                device="b1",
                user_agent=APP,
                status="dnd",
                dnd_capable=True,
            ),
        ]
    )
    return state


def test_row_carries_the_merged_status_and_each_device() -> None:
    state = two_device_state()
    r = build_row(state, "e1")
    assert r is not None
    assert (r.name, r.department, r.status) == ("Anna Nowak", "Sales", Status.ONLINE)
    assert r.since == at("08:00").timestamp()
    by_agent = {d.user_agent: d for d in r.devices}
    assert by_agent[MICROSIP].status is Status.ONLINE and by_agent[MICROSIP].decides
    assert by_agent[APP].status is Status.DND and not by_agent[APP].decides
    assert not r.ringing


def test_ringing_device_and_talking_device_decides() -> None:
    state = two_device_state()
    state.apply(
        CallRing(ts=at("09:00"), call="c1", leg="c1/A", account="A", device="a1", direction="in")
    )
    r = build_row(state, "e1")
    assert r is not None and r.ringing and r.ringing_since == at("09:00").timestamp()
    assert [d.user_agent for d in r.devices if d.ringing] == [MICROSIP]
    state.apply(CallAnswer(ts=at("09:00:07"), call="c1", leg="c1/A"))
    r = build_row(state, "e1")
    assert r is not None and not r.ringing and r.status is Status.TALKING
    assert [d.user_agent for d in r.devices if d.decides] == [MICROSIP]


def test_a_ring_without_a_device_rings_every_registered_device_of_the_account() -> None:
    state = two_device_state()
    state.apply(CallRing(ts=at("09:00"), call="c1", leg="c1/B", account="B", direction="in"))
    r = build_row(state, "e1")
    assert r is not None and r.ringing
    assert [d.user_agent for d in r.devices if d.ringing] == [APP]


def test_removed_employee_maps_to_none() -> None:
    state = two_device_state()
    state.apply(EmployeeRemove(ts=at("10:00"), id="e1"))
    assert build_rows(state, ["e1"]) == {"e1": None}


# -- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ua", "name"),
    [
        (MICROSIP, "MicroSIP"),
        (ZOIPER, "Zoiper"),
        (APP, "Vendor Desktop"),
        (YEALINK, "Yealink SIP-T46S"),
        ("Linphone/5.2.0 (belle-sip/5.2.0)", "Linphone"),
        ("Z 5.6.6 v2.10.20.2", "Z 5.6.6"),
        ("", "?"),
    ],
)
def test_agent_name(ua: str, name: str) -> None:
    assert agent_name(ua) == name


def test_condense_agents_fits_and_keeps_every_glyph_while_it_can() -> None:
    devices = (dev(MICROSIP, ringing=True), dev(APP, Status.DND), dev(YEALINK, Status.OFFLINE))

    def text(width: int) -> str:
        return "".join(p.text for p in condense_agents(devices, width))

    assert text(80) == f"♪{MICROSIP} ⊘{APP} ·{YEALINK}"
    assert text(44) == "♪MicroSIP ⊘Vendor Desktop ·Yealink SIP-T46S"
    for width in range(1, 60):
        assert len(text(width)) <= width
    assert text(20).count("…") and [g for g in text(20) if g in "♪⊘·"] == ["♪", "⊘", "·"]
    assert text(12).endswith("+2")


def test_condense_puts_ringing_then_priority_first() -> None:
    devices = (dev("Off/1", Status.OFFLINE), dev("On/1"), dev("Talk/1", Status.TALKING))
    pieces = [p for p in condense_agents(devices, 80) if p.status is not None]
    assert [p.status for p in pieces] == [Status.TALKING, Status.ONLINE, Status.OFFLINE]
    assert condense_agents((), 10) == [] and condense_agents(devices, 0) == []


def test_device_detail_lines_and_tooltip_text() -> None:
    state = two_device_state()
    r = build_row(state, "e1")
    assert r is not None
    lines = device_lines(r)
    assert [(d.user_agent, d.account, d.status, d.decides) for d in lines] == [
        (MICROSIP, "A", Status.ONLINE, True),
        (APP, "B", Status.DND, False),
    ]
    text = devices_text(r, at("09:00").timestamp(), TZ)
    assert text.splitlines() == [
        "Anna Nowak: online (the highest of its devices)",
        f"○ {MICROSIP} · A · online since 08:00:00 (1:00:00)  ← decides the status",
        f"⊘ {APP} · B · do not disturb since 08:30:00 (30:00)",
    ]


# -- filters ----------------------------------------------------------------------------------


ROWS = [
    row("e1", "Anna Nowak", Status.TALKING, 10, "Sales"),
    row("e2", "Piotr Nowicki", Status.OFFLINE, 20, "Sales"),
    row("e3", "Ewa Mazur", Status.OFFLINE, 30, "Support"),
    row("e4", "Jan Kowalski", Status.ONLINE, 40, None, ringing_since=35),
    row("e5", "Anna Mazur", Status.DND, 50, "Billing"),
]


def shown(filters: Filters) -> list[str]:
    return [r.id for r in ROWS if filters.matches(r)]


def test_filters_combine_with_and_values_with_or() -> None:
    f = Filters().with_chip(ChipKind.DEPARTMENT, {"Sales"}).with_chip(ChipKind.STATUS, {"offline"})
    assert shown(f) == ["e2"]
    f = f.with_chip(ChipKind.DEPARTMENT, {"Sales", "Support"})
    assert shown(f) == ["e2", "e3"]
    assert shown(Filters().with_name("  ANNA ")) == ["e1", "e5"]
    assert shown(Filters().with_name("anna").with_chip(ChipKind.STATUS, {"dnd"})) == ["e5"]
    assert shown(Filters().with_chip(ChipKind.DEPARTMENT, {NO_DEPARTMENT})) == ["e4"]
    assert shown(Filters().with_chip(ChipKind.STATUS, {RINGING})) == ["e4"]
    assert shown(Filters().with_chip(ChipKind.STATUS, {"dnd", RINGING})) == ["e4", "e5"]


def test_escape_removes_the_last_chip_and_a_reset_chip_becomes_last() -> None:
    f = Filters().with_chip(ChipKind.STATUS, {"offline"}).with_name("a")
    f = f.with_chip(ChipKind.DEPARTMENT, {"Sales"})
    assert [c.kind for c in f.chips] == [ChipKind.STATUS, ChipKind.NAME, ChipKind.DEPARTMENT]
    f = f.with_chip(ChipKind.STATUS, {"online"})
    assert [c.kind for c in f.chips] == [ChipKind.NAME, ChipKind.DEPARTMENT, ChipKind.STATUS]
    # Typing keeps the name chip where it is.
    assert [c.kind for c in f.with_name("an").chips] == [c.kind for c in f.chips]
    assert [c.kind for c in f.without_last().chips] == [ChipKind.NAME, ChipKind.DEPARTMENT]
    assert not f.with_name("").with_chip(ChipKind.DEPARTMENT, ()).with_chip(ChipKind.STATUS, ())
    assert not Filters().without_last()


def test_funnel_counts_each_chip_after_the_ones_before() -> None:
    f = Filters().with_chip(ChipKind.DEPARTMENT, {"Sales", "Support"})
    f = f.with_chip(ChipKind.STATUS, {"offline"}).with_name("nowicki")
    assert f.funnel(ROWS) == [3, 2, 1]
    assert [c.label for c in f.chips] == [
        "dept: Sales, Support",
        "status: offline",
        "/nowicki",
    ]


# -- sorting and the incremental board ----------------------------------------------------------


def test_default_sort_is_status_priority_then_longest_in_status() -> None:
    board = Board()
    board.reset(ROWS)
    assert [r.id for r in board] == ["e1", "e4", "e5", "e2", "e3"]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        (Sort(SortColumn.EMPLOYEE), ["e5", "e1", "e3", "e4", "e2"]),
        (Sort(SortColumn.EMPLOYEE, reverse=True), ["e2", "e4", "e3", "e1", "e5"]),
        (Sort(SortColumn.DEPARTMENT), ["e5", "e1", "e2", "e3", "e4"]),
        (Sort(SortColumn.IN_STATUS), ["e1", "e2", "e3", "e4", "e5"]),
        (Sort(SortColumn.STATUS, reverse=True), ["e3", "e2", "e5", "e4", "e1"]),
    ],
)
def test_sort_orders(sort: Sort, order: list[str]) -> None:
    board = Board(sort)
    board.reset(ROWS)
    assert [r.id for r in board] == order
    assert [board.index_of(i) for i in order] == list(range(len(order)))


def test_sort_cycle_and_header_clicks() -> None:
    s = Sort()
    seen = [s.column]
    for _ in range(4):
        s = s.next()
        seen.append(s.column)
    assert seen == [
        SortColumn.STATUS,
        SortColumn.EMPLOYEE,
        SortColumn.DEPARTMENT,
        SortColumn.IN_STATUS,
        SortColumn.STATUS,
    ]
    assert Sort().by(SortColumn.STATUS) == Sort(SortColumn.STATUS, reverse=True)
    assert Sort(SortColumn.STATUS, True).by(SortColumn.EMPLOYEE) == Sort(SortColumn.EMPLOYEE)


def test_update_moves_rows_and_keeps_counts() -> None:
    board = Board(filters=Filters().with_chip(ChipKind.STATUS, {"offline", "online"}))
    board.reset(ROWS)
    assert [r.id for r in board] == ["e4", "e2", "e3"]
    change = board.update({"e3": row("e3", "Ewa Mazur", Status.ONLINE, 60, "Support"), "e5": None})
    assert [r.id for r in board] == ["e4", "e3", "e2"]
    assert change.moved and change.first_index == 1
    assert board.index_of("e5") is None and "e5" not in board.rows
    assert board.counts() == {Status.TALKING: 1, Status.ONLINE: 2, Status.DND: 0, Status.OFFLINE: 1}
    assert board.ringing_count == 1
    assert board.summary(7, 2, 0).total == 4


def test_board_departments_counts_per_status() -> None:
    board = Board()
    board.reset(ROWS)
    assert board.departments() == {
        "Sales": {"talking": 1, "offline": 1},
        "Support": {"offline": 1},
        "": {"online": 1, RINGING: 1},
        "Billing": {"dnd": 1},
    }


rows_strategy = st.lists(
    st.tuples(
        st.integers(0, 30),  # employee
        st.sampled_from(list(Status)),
        st.integers(0, 5),  # since
        st.sampled_from(["Sales", "Support", None]),
        st.booleans(),  # ringing
        st.booleans(),  # removed
    ),
    max_size=60,
)


@given(
    batches=st.lists(rows_strategy, max_size=6),
    sort=st.builds(Sort, st.sampled_from(list(SortColumn)), st.booleans()),
    status_filter=st.sets(st.sampled_from(["talking", "online", "dnd", "offline", RINGING])),
)
def test_incremental_board_equals_a_full_sort(
    batches: list[list[tuple[int, Status, int, str | None, bool, bool]]],
    sort: Sort,
    status_filter: set[str],
) -> None:
    filters = Filters().with_chip(ChipKind.STATUS, status_filter)
    board = Board(sort, filters)
    truth: dict[str, Row] = {}
    board.reset([])
    for batch in batches:
        change: dict[str, Row | None] = {}
        for emp, status, since, dept, ringing, removed in batch:
            emp_id = f"e{emp}"
            if removed:
                change[emp_id] = None
                truth.pop(emp_id, None)
            else:
                r = row(emp_id, f"N{emp % 7}", status, since, dept, 1.0 if ringing else None)
                change[emp_id] = r
                truth[emp_id] = r
        board.update(change)
        expected = sorted(
            (r for r in truth.values() if filters.matches(r)), key=sort.key, reverse=sort.reverse
        )
        assert [r.id for r in board] == [r.id for r in expected]
        counts = {s: sum(1 for r in truth.values() if r.status is s) for s in Status}
        assert board.counts() == counts
        assert board.ringing_count == sum(1 for r in truth.values() if r.ringing)


@settings(max_examples=150, deadline=None)
@given(
    start=rows_strategy,
    batches=st.lists(rows_strategy, max_size=5),
    sort=st.builds(Sort, st.sampled_from(list(SortColumn)), st.booleans()),
    status_filter=st.sets(st.sampled_from(["talking", "online", "dnd", "offline", RINGING])),
)
def test_a_held_order_keeps_rows_in_place_and_letting_go_sorts_them(
    start: list[tuple[int, Status, int, str | None, bool, bool]],
    batches: list[list[tuple[int, Status, int, str | None, bool, bool]]],
    sort: Sort,
    status_filter: set[str],
) -> None:
    def rows_of(
        batch: list[tuple[int, Status, int, str | None, bool, bool]],
    ) -> dict[str, Row | None]:
        return {
            f"e{emp}": None
            if removed
            else row(f"e{emp}", f"N{emp % 7}", status, since, dept, 1.0 if ringing else None)
            for emp, status, since, dept, ringing, removed in batch
        }

    filters = Filters().with_chip(ChipKind.STATUS, status_filter)
    board = Board(sort, filters)
    board.reset(r for r in rows_of(start).values() if r is not None)
    board.hold(True)
    for batch in batches:
        before = [r.id for r in board]
        board.update(rows_of(batch))
        after = [r.id for r in board]
        # Rows shown before and after keep their order among themselves.
        kept = set(before) & set(after)
        assert [i for i in before if i in kept] == [i for i in after if i in kept]
        assert all(board.index_of(i) == after.index(i) for i in after)
    board.hold(False)
    expected = sorted(
        (r for r in board.rows.values() if filters.matches(r)), key=sort.key, reverse=sort.reverse
    )
    assert [r.id for r in board] == [r.id for r in expected]
    assert board.out_of_place == 0


# -- thresholds and summary -----------------------------------------------------------------


def test_thresholds_off_by_default_and_per_status() -> None:
    assert not TimeLimits().enabled
    th = TimeLimits.from_config({"dnd": 900, "ringing": timedelta(seconds=20), "talking": None})
    assert th.enabled and th.dnd == 900 and th.ringing == 20 and th.talking is None
    assert th.over(row("a", status=Status.DND, since=0), 901)
    assert not th.over(row("a", status=Status.DND, since=0), 900)
    assert not th.over(row("a", status=Status.TALKING, since=0), 10_000)
    assert th.over(row("a", ringing_since=100), 121)
    assert not th.over(row("a", ringing_since=100), 119)
    settings = config.Thresholds.model_validate({"talking": "20m"})
    assert TimeLimits.from_config(settings.model_dump()).talking == 1200.0
    with pytest.raises(ValueError, match="'talkng' is not a status"):
        TimeLimits.from_config({"talkng": 1200})
    board = Board()
    board.reset([row("a", status=Status.DND, since=0), row("b", status=Status.DND, since=500)])
    assert board.over_limit(th, 1000) == {"a"}
    assert board.over_limit(TimeLimits(), 1000) == set()


def test_the_fixed_call_center_summary() -> None:
    state = board_state()
    board = Board()
    board.reset(r for r in build_rows(state).values() if r is not None)
    today = state.today(NOW)
    summary = board.summary(today.calls, today.missed)
    assert summary.total == len(state.employees) == 30
    assert (summary.talking, summary.online, summary.dnd, summary.offline) == (4, 15, 4, 7)
    assert summary.ringing == sum(state.ringing(e) for e in state.employees) == 5
    assert (summary.calls_today, summary.missed_today) == (48, 11)
    assert len(board_events()) > 100


def test_glyphs_are_distinct_without_colour() -> None:
    assert len(set(GLYPHS.values())) == len(GLYPHS) == 4


def test_unchanged_rows_and_devices_are_reused() -> None:
    state = two_device_state()
    first = build_row(state, "e1")
    assert first is not None
    # Nothing changed: the very same row (the board then has nothing to do).
    assert build_row(state, "e1", previous=first) is first
    # One device changes: a new row, the other device's view is reused.
    state.apply(
        DeviceStatus(
            ts=at("09:00"),
            account="B",
            device="b1",
            user_agent=APP,
            status="online",
            dnd_capable=True,
        )
    )
    second = build_row(state, "e1", previous=first)
    assert second is not None and second is not first
    micro = next(d for d in second.devices if d.user_agent == MICROSIP)
    assert micro is next(d for d in first.devices if d.user_agent == MICROSIP)
    assert build_rows(state, ["e1"], {"e1": second}) == {"e1": second}
