"""The employee profile (R7-R14): a panel on the right over the live board.

Open it with ``app.push_screen(ProfileScreen(employee_id))`` (the App's ``open_profile``).
What it reads from the App is its ``ScreenContext`` (:mod:`ringmon.screens.context`); a test
may pass ``client=`` a :class:`HubClient` of its own.

It fetches the employee's 7-day history once and computes Today / Last 3 days / Last 7 days
from it with the model (:func:`ringmon.model.profile.profile_stats`, the same function as
``ringmon export``). While it is open, new events for this employee refetch the history at
most once a second, so today's numbers and timeline follow the feed.
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Collapsible, Footer, Static, Tab, Tabs

from ringmon.feed.connection import Loading
from ringmon.hub_client import HubClient, HubError
from ringmon.model.history import EmployeeHistory
from ringmon.model.history_docs import HistoryDoc, history_from_doc
from ringmon.model.period import Period, local_date
from ringmon.model.profile import day_span, device_days, profile_stats
from ringmon.model.stats import PeriodStats
from ringmon.present.status_style import legend
from ringmon.present.words import day_label
from ringmon.screens.context import ScreenContext, context_of, host_of
from ringmon.screens.model_messages import ModelChanged
from ringmon.widgets.day_charts import CallsByDay, StatusByDay
from ringmon.widgets.profile_header import ProfileHeader, header_facts
from ringmon.widgets.profile_summary import CallsTable, ProfileSummary
from ringmon.widgets.status_colours import theme_styles
from ringmon.widgets.summary import loading_text
from ringmon.widgets.timeline import Timeline, TimelineRow

NARROW = 130
"""Below this many columns the panel takes the whole screen."""
REFETCH_SECONDS = 1.0
LOADING_REFETCH_SECONDS = 5.0
"""How often the history is asked again while the hub says it is still loading past days."""
TICK_SECONDS = 5.0
"""Time moves on between events: today's last stretch and a call in progress grow."""

TAB_IDS: dict[Period, str] = {
    Period.TODAY: "period-today",
    Period.LAST_3_DAYS: "period-3d",
    Period.LAST_7_DAYS: "period-7d",
}


def tab_label(period: Period) -> Text:
    """``1 Today``: the key that selects the period is written on its tab."""
    return Text.assemble((str(period.days), "bold"), f" {period.label}")


class ProfileScreen(ModalScreen[None]):
    """One employee: header, period tabs, summary, calls by day, statuses by day, timeline."""

    DEFAULT_CSS = """
    ProfileScreen {
        align: right top;
        background: $background 35%;
    }
    ProfileScreen #panel {
        width: 62%;
        min-width: 84;
        height: 100%;
        background: $surface;
        border-left: thick $primary;
    }
    ProfileScreen.-narrow #panel {
        width: 100%;
        min-width: 0;
        border-left: none;
    }
    ProfileScreen #body {
        height: 1fr;
        padding: 0 0;
    }
    ProfileScreen .section {
        text-style: bold;
        color: $text-accent;
        padding: 0 1;
        margin-top: 1;
    }
    ProfileScreen .hint {
        color: $text-muted;
        padding: 0 1;
    }
    ProfileScreen #notice {
        padding: 0 1;
        color: $text-warning;
        display: none;
    }
    ProfileScreen #notice.-shown {
        display: block;
    }
    ProfileScreen #notice.-error {
        color: $text-error;
    }
    ProfileScreen CallsByDay, ProfileScreen StatusByDay, ProfileScreen Timeline {
        padding: 0 1;
    }
    ProfileScreen Collapsible {
        padding: 0;
        margin: 0;
        border-top: none;
    }
    ProfileScreen Collapsible Contents {
        padding: 0;
    }
    ProfileScreen Tabs {
        margin: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="profile.close"),
        Binding("question_mark", "help", "Help", key_display="?", id="profile.help"),
        Binding("q", "app.quit", "Quit", show=False, id="profile.quit"),
        Binding("colon", "app.command_palette", "Palette", show=False, id="profile.palette"),
        Binding("1", "period('today')", "Today", show=False, id="profile.period.1"),
        Binding("3", "period('3d')", "3 days", show=False, id="profile.period.3"),
        Binding("7", "period('7d')", "7 days", show=False, id="profile.period.7"),
        Binding("d", "details", "Details", id="profile.details"),
        Binding("t", "timeline", "Timeline", id="profile.timeline"),
        Binding("v", "devices", "Per device", show=False, id="profile.devices"),
        Binding("c", "call_log", "Call log", id="profile.call_log"),
        Binding("r", "reload", "Reload", show=False, id="profile.reload"),
    ]

    def __init__(
        self,
        employee_id: str,
        *,
        period: Period = Period.TODAY,
        details: bool = False,
        client: HubClient | None = None,
    ) -> None:
        super().__init__()
        self.employee_id = employee_id
        self.period = period
        self.details = details
        self.show_devices = False
        self.doc: HistoryDoc | None = None
        self.history: EmployeeHistory | None = None
        self.stats: PeriodStats | None = None
        self._client = client
        self._own_client = client is None
        self._refetch: Timer | None = None
        self._stale = False

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            yield ProfileHeader(id="header")
            yield Tabs(
                *(Tab(tab_label(p), id=TAB_IDS[p]) for p in Period),
                active=TAB_IDS[self.period],
                id="periods",
            )
            with VerticalScroll(id="body"):
                yield Static("Loading history...", id="notice", classes="-shown", markup=False)
                yield Static("Summary", classes="section")
                yield ProfileSummary(id="summary")
                yield Static("Calls by day", classes="section")
                yield Static("", id="calls-note", classes="hint")
                yield CallsByDay(id="calls-by-day")
                with Collapsible(
                    title="Details: calls per day", collapsed=not self.details, id="calls-details"
                ):
                    yield CallsTable(id="calls-table")
                yield Static("Time in statuses by day", classes="section")
                yield Static(legend(theme_styles(self.app)), classes="hint", id="legend")
                yield StatusByDay(self.tz, id="status-by-day")
                with Collapsible(
                    title="Details: timeline per day",
                    collapsed=not self.details,
                    id="timeline-details",
                ):
                    yield Static("", id="timeline-note", classes="hint")
                    yield Timeline(self.tz, id="timeline")
            yield Footer()

    def on_mount(self) -> None:
        self._narrow(self.app.size.width)
        self._show_header()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.query_one("#calls-note", Static).update(
            "c: call log of this period (browse, download and play recordings)"
        )
        self.set_interval(TICK_SECONDS, self._tick)
        self._load()

    def on_resize(self, event: Resize) -> None:
        self._narrow(event.size.width)

    def _narrow(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    async def on_unmount(self) -> None:
        if self._own_client and self._client is not None:
            await self._client.aclose()

    # -- data --------------------------------------------------------------------------------

    @property
    def context(self) -> ScreenContext:
        return context_of(self.app)

    @property
    def tz(self) -> tzinfo:
        return self.context.tz

    def now(self) -> float:
        return self.context.now()

    def client(self) -> HubClient:
        if self._client is None:
            self._client = self.context.hub_client()
        return self._client

    @work(exclusive=True, group="profile-history")
    async def _load(self) -> None:
        try:
            doc = await self.client().history(
                self.employee_id, Period.LAST_7_DAYS.value, at=host_of(self.app).replay_moment()
            )
        except HubError as exc:
            self._notice(f"Could not load the history: {exc}. Press r to retry.", True)
            return
        self.doc = doc
        self.history = history_from_doc(doc)
        self._notice(self._loading_note(doc))
        if doc.loading is not None and self._refetch is None:
            self._refetch = self.set_timer(LOADING_REFETCH_SECONDS, self._refetch_now)
        self._show_header()
        self._recompute()

    def _loading_note(self, doc: HistoryDoc) -> str:
        """What the profile says while the hub still loads past days it shows (they would
        read as days without a call, offline all day)."""
        loading = doc.loading
        if loading is None:
            return ""
        until = local_date(loading.until.timestamp(), self.tz)
        hub = loading_text(Loading(loading.loaded_days, loading.loading_days))
        return f"Not complete yet: the hub is {hub}; the days before {day_label(until)} fill in."

    def _notice(self, text: str, error: bool = False) -> None:
        notice = self.query_one("#notice", Static)
        notice.update(text)
        notice.set_class(bool(text), "-shown")
        notice.set_class(error, "-error")

    def _recompute(self) -> None:
        """Every section from the fetched history, for the selected period."""
        if self.history is None:
            return
        tz, now = self.tz, self.now()
        stats = profile_stats(self.history, self.period, tz, now)
        self.stats = stats
        self.query_one(StatusByDay).tz = tz
        self.query_one(Timeline).tz = tz
        self.query_one(ProfileSummary).show(stats)
        self.query_one(CallsByDay).set_days(stats.days)
        self.query_one(CallsTable).show(stats)
        self.query_one(StatusByDay).set_days(stats.days)
        self.query_one(Timeline).set_rows(self._timeline_rows(stats, tz, now))
        calls = stats.calls
        any_call = calls.handled + calls.missed + calls.short_unanswered
        note = "c: call log of this period (browse, download and play recordings)"
        if not any_call + calls.outgoing_unanswered:
            note = "No calls in this period.  c: call log"
        self.query_one("#calls-note", Static).update(note)
        self.query_one("#timeline-note", Static).update(self._timeline_note())

    def _timeline_note(self) -> str:
        if self.history is None:
            return ""
        if not self.history.merged and not any(self.history.devices.values()):
            return "No status recorded in the last 7 days: offline throughout."
        keys = "←/→ step stretch by stretch · ↑/↓ day · v per device"
        return keys + (" (shown)" if self.show_devices else "")

    def _timeline_rows(self, stats: PeriodStats, tz: tzinfo, now: float) -> list[TimelineRow]:
        assert self.history is not None
        rows: list[TimelineRow] = []
        for day in stats.days:
            start, end = day_span(day.day, tz)
            label = day_label(day.day)
            rows.append(TimelineRow(day.day, label, label, start, end, list(day.timeline)))
            if self.show_devices:
                rows.extend(self._device_rows(day.day, label, start, end, tz, now))
        return rows

    def _device_rows(
        self, day: date, label: str, start: float, end: float, tz: tzinfo, now: float
    ) -> list[TimelineRow]:
        assert self.history is not None
        rows = []
        for dev in device_days(self.history, day, tz, now):
            agent = f" ({dev.user_agent})" if dev.user_agent else ""
            rows.append(
                TimelineRow(
                    day,
                    f" └{dev.name}",
                    f"{label} · {dev.name}{agent}",
                    start,
                    end,
                    dev.timeline,
                    device=dev.name,
                )
            )
        return rows

    def _theme_changed(self, theme: object) -> None:
        """What was drawn once (legend, header, summary) takes the new theme's colours."""
        self.query_one("#legend", Static).update(legend(theme_styles(self.app)))
        self._show_header()
        self.query_one(ProfileSummary).redraw()

    def _show_header(self) -> None:
        facts = header_facts(self.employee_id, self.context.state, self.doc)
        self.query_one(ProfileHeader).show(facts, self.tz)

    def _tick(self) -> None:
        # Time moves on even without events: today's last stretch grows up to "now".
        self._show_header()
        self._recompute()

    # -- live --------------------------------------------------------------------------------

    def on_model_changed(self, message: ModelChanged) -> None:
        if not message.reset and self.employee_id not in message.employees:
            return
        self._show_header()
        if self._refetch is None:
            self._refetch = self.set_timer(REFETCH_SECONDS, self._refetch_now)

    def _refetch_now(self) -> None:
        self._refetch = None
        self._load()

    # -- actions -----------------------------------------------------------------------------

    def action_help(self) -> None:
        from ringmon.screens.help import toggle_help

        toggle_help(self.app)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_period(self, value: str) -> None:
        self._set_period(Period(value))
        self.query_one(Tabs).active = TAB_IDS[self.period]

    def _set_period(self, period: Period) -> None:
        if period != self.period:
            self.period = period
            self._recompute()

    @on(Tabs.TabActivated, "#periods")
    def _tab(self, event: Tabs.TabActivated) -> None:
        for period, tab_id in TAB_IDS.items():
            if event.tab.id == tab_id:
                self._set_period(period)

    def action_details(self) -> None:
        panels = list(self.query(Collapsible))
        expand = any(p.collapsed for p in panels)
        for panel in panels:
            panel.collapsed = not expand
        self.details = expand

    def action_timeline(self) -> None:
        """Open the timeline and put the keyboard cursor on it (the hover's twin)."""
        self.query_one("#timeline-details", Collapsible).collapsed = False
        timeline = self.query_one(Timeline)
        self.call_after_refresh(timeline.focus)
        self.call_after_refresh(timeline.scroll_visible, animate=False)

    def action_devices(self) -> None:
        self.show_devices = not self.show_devices
        if self.show_devices:
            self.query_one("#timeline-details", Collapsible).collapsed = False
        self._recompute()

    def action_reload(self) -> None:
        self._notice("Loading history...")
        self._load()

    def action_call_log(self) -> None:
        from ringmon.screens.call_log import CallLogScreen

        name = self.doc.employee.name if self.doc is not None else self.employee_id
        days = self.stats.days if self.stats is not None else []
        first = days[0].day if days else None
        last = days[-1].day if days else None
        client = self.client()
        self.app.push_screen(
            CallLogScreen(
                self.employee_id,
                name,
                self.period,
                first=first,
                last=last,
                client=client,
                player=self.context.settings.player,
                at=host_of(self.app).replay_moment(),
            )
        )
