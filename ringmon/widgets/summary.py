"""The summary panel (R2) and the feed banner: what is true right now, and how fresh it is.

``SummaryBar`` is two lines (status counts; today's calls and the feed's state). The wall
screen uses ``WallSummary``: the same figures in large digits, and ``WallStatus``: the time and
the feed's state, readable across a room. ``FeedBanner`` appears only when the feed is stale or
broken, or the hub says a source is down or it is loading its history, and says since when,
so a frozen table never looks normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import tzinfo

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.renderables.digits import Digits as DigitsRenderable
from textual.widgets import Digits, Static

from ringmon.feed.connection import Connection, Link, Loading, SourceHealth
from ringmon.feed.hubs import hub_label
from ringmon.model.board import Summary
from ringmon.model.status import Status
from ringmon.present.clock import clock
from ringmon.present.durations import format_age
from ringmon.present.glyphs import GLYPHS, RINGING_GLYPH
from ringmon.present.status_style import RINGING_VAR, STATUS_VARS
from ringmon.widgets.changed_cells import ChangedCells

SILENT_AFTER_SECONDS = 5.0
"""No frame at all (event, batch or heartbeat) for this long (real seconds): the feed is silent.
The hub sends a heartbeat every 2 s; one that is seen to send them more slowly (an older hub)
gets 1.5 of its intervals before it counts as silent."""

SOURCE_KINDS = {
    "asterisk": "Asterisk",
    "kamailio": "Kamailio",
    "freeswitch": "FreeSWITCH",
    "file": "File",
    "sim": "Simulator",
    "push": "Push API",
}


@dataclass(frozen=True, slots=True)
class FeedState:
    """The feed's health, as the summary and the banner word it."""

    level: str  # "ok", "wait", "degraded", "stale", "down", "refused"
    short: str
    banner: str
    stale: bool = False
    """Whatever the table shows may be out of date: the rows are dimmed."""
    waiting: str = "Connecting to the hub…"
    """What an empty table says while there is no data yet."""


def silent_after(conn: Connection) -> float:
    """Real seconds without a frame after which the feed counts as silent."""
    every = conn.heartbeat_every
    return SILENT_AFTER_SECONDS if every is None else max(SILENT_AFTER_SECONDS, 1.5 * every)


def loading_text(loading: Loading | None) -> str:
    """``loading history: 3 of 8 days`` (as far as the hub says)."""
    if loading is None or loading.loading_days is None:
        return "loading history"
    done = int(loading.loaded_days or 0)
    return f"loading history: {done} of {max(done, math.ceil(loading.loading_days))} days"


def source_label(name: str, *, short: bool = False) -> str:
    """``asterisk:pbx1:8088`` -> ``Asterisk pbx1:8088`` (``Asterisk`` when ``short``)."""
    kind, _, where = name.partition(":")
    label = SOURCE_KINDS.get(kind, kind)
    return f"{label} {where}" if where and not short else label


def _source_down(source: SourceHealth, tz: tzinfo) -> str:
    since = "" if source.since is None else f" since {clock(source.since, tz)}"
    detail = f" ({source.detail})" if source.detail else ""
    return f"{source_label(source.name)} {source.state}{since}{detail}"


def feed_state(conn: Connection, now: float, speed: float, tz: tzinfo) -> FeedState:
    """Words for the connection at hub time ``now``; ages are in real seconds."""
    speed = speed if speed > 0 else 1.0
    last = conn.last_event_at
    age = None if last is None else (now - last) / speed
    last_text = "no event yet" if age is None else f"last event {format_age(age)} ago"
    if conn.link is Link.REFUSED:
        why = conn.message or "the hub refused access"
        return FeedState("refused", f"✖ refused: {why}", f"✖ Access refused: {why}", True)
    if conn.link is Link.REPLAY:
        if conn.message:  # the moment is on its way (ringmon/replay)
            return FeedState("wait", "◷ replay loading…", "", waiting=conn.message)
        return FeedState("ok", f"◷ replay · {last_text}", "")
    loading = loading_text(conn.loading) if conn.loading is not None else None
    if conn.link is Link.CONNECTING:
        if loading is not None:
            return FeedState("wait", f"… {loading}", "", waiting=f"The hub is {loading}…")
        return FeedState("wait", "… connecting", "")
    data = f"data as of {clock(last, tz, seconds=True)}" if last is not None else "no data"
    if conn.link is Link.RECONNECTING:
        since = clock(conn.since, tz, seconds=True)
        if loading is not None:
            return FeedState(
                "stale",
                f"… hub {loading}",
                f"… Reconnecting since {since}: the hub is {loading}; {data}: statuses below "
                "may be out of date",
                True,
            )
        lost = format_age((now - conn.since) / speed)
        tries = f", attempt {conn.attempts}" if conn.attempts else ""
        why = f" ({conn.message})" if conn.message else ""
        return FeedState(
            "down",
            f"⚠ reconnecting since {since}",
            f"⚠ Feed lost{why}: reconnecting since {since} ({lost}{tries}); "
            f"{data}: statuses below may be out of date",
            True,
        )
    heard = conn.last_frame_at if conn.last_frame_at is not None else last
    quiet = None if heard is None else (now - heard) / speed
    if quiet is not None and quiet > silent_after(conn):
        return FeedState(
            "stale",
            f"⚠ feed silent {format_age(quiet)}",
            f"⚠ Feed silent since {clock(heard or now, tz, seconds=True)} ({format_age(quiet)}): "
            "statuses below may be out of date",
            True,
        )
    if conn.hub_status == "starting" and loading is not None:
        return FeedState(
            "stale",
            f"… hub {loading}",
            f"… The hub is {loading}: statuses below may be out of date",
            True,
        )
    down = [s for s in conn.sources if s.down]
    if down:
        every = len(down) == len(conn.sources)
        what = "; ".join(_source_down(s, tz) for s in down)
        short = (
            f"{source_label(down[0].name, short=True)} {down[0].state}"
            if len(down) == 1
            else f"{len(down)} sources down"
        )
        return FeedState(
            "degraded",
            f"⚠ {short} · {last_text}",
            f"⚠ {what}: statuses may be out of date",
            every,
        )
    if conn.hub_status == "degraded":
        return FeedState(
            "degraded",
            f"⚠ hub degraded · {last_text}",
            "⚠ The hub reports a problem (see its /v1/health): statuses may be out of date",
        )
    # With several hubs (``--url URL1,URL2``), which one the board is on.
    on = f" on {hub_label(conn.hub)}" if conn.hubs > 1 and conn.hub else ""
    return FeedState("ok", f"● live{on} · {last_text}", "")


Part = str | tuple[str, str]
"""Text, or (text, style): a piece of a summary line (``Content.assemble``; no markup is
parsed: Textual's parser took milliseconds a line, on every batch of a busy feed)."""


def _count(glyph: str, label: str, value: int, var: str) -> list[Part]:
    return [(f"{glyph} {label}", var), " ", (f"{value:,}", "bold")]


def summary_contents(summary: Summary, feed: FeedState, wide: bool) -> tuple[Content, Content]:
    """The two lines of the summary bar."""
    counts = (
        _count(GLYPHS[Status.TALKING], "talking", summary.talking, STATUS_VARS[Status.TALKING]),
        _count(RINGING_GLYPH, "ringing", summary.ringing, RINGING_VAR),
        _count(GLYPHS[Status.ONLINE], "online", summary.online, STATUS_VARS[Status.ONLINE]),
        _count(GLYPHS[Status.DND], "dnd", summary.dnd, STATUS_VARS[Status.DND]),
        _count(GLYPHS[Status.OFFLINE], "offline", summary.offline, STATUS_VARS[Status.OFFLINE]),
    )
    sep = "   " if wide else "  "
    first: list[Part] = []
    for count in counts:
        first += [sep, *count] if first else count
    second: list[Part] = [
        "Today: ",
        (f"{summary.calls_today:,}", "bold"),
        " calls, ",
        (f"{summary.missed_today:,}", "bold"),
        " missed",
    ]
    if summary.over_limit:
        second += ["  ", ("! over limit ", "$error"), (f"{summary.over_limit:,}", "$error bold")]
    feed_var = {"ok": "$success", "wait": "$text-muted"}.get(feed.level, "$warning")
    second += ["  ", (feed.short, feed_var)]
    return Content.assemble(*first), Content.assemble(*second)


def compact_counts(summary: Summary) -> Content:
    """The status counts by glyph only (``● 3 ♪ 1 ○ 11 ⊘ 2 · 23``), for a narrow terminal."""
    counts = (
        (GLYPHS[Status.TALKING], summary.talking, STATUS_VARS[Status.TALKING]),
        (RINGING_GLYPH, summary.ringing, RINGING_VAR),
        (GLYPHS[Status.ONLINE], summary.online, STATUS_VARS[Status.ONLINE]),
        (GLYPHS[Status.DND], summary.dnd, STATUS_VARS[Status.DND]),
        (GLYPHS[Status.OFFLINE], summary.offline, STATUS_VARS[Status.OFFLINE]),
    )
    parts: list[Part] = []
    for glyph, value, var in counts:
        parts += [*(["  "] if parts else []), (glyph, var), " ", (f"{value:,}", "bold")]
    return Content.assemble(*parts)


class SummaryBar(ChangedCells):
    """Two lines on top of the board: counts per status, today's calls, the feed. A change
    repaints only the cells that differ ("last event 1 s ago" becoming "2 s ago": a cell).

    The spacing follows the bar's width, so the text is made when the bar is painted, at the
    width it is painted at: the first ``show`` comes before the first layout (width 0), and a
    bar worded then would keep its narrow spacing until the next change or tick."""

    DEFAULT_CSS = """
    SummaryBar {
        height: 2;
        padding: 0 1;
        background: $boost;
    }
    """

    _shown: tuple[Summary, FeedState] | None = None

    def show(self, summary: Summary, feed: FeedState) -> None:
        shown = (summary, feed)
        if shown != self._shown:
            self._shown = shown
            self.contents_changed()

    def contents(self, width: int) -> list[Content]:
        if self._shown is None:
            return []
        lines = list(summary_contents(*self._shown, self.size.width >= 120))
        if lines[0].cell_length > width:
            lines[0] = compact_counts(self._shown[0])
        # One line each, never wrapped: a wrapped first line would push the second out.
        return [line.truncate(width, ellipsis=True) for line in lines]


class FeedBanner(Static):
    """A full-width warning while the feed is stale or broken; hidden otherwise."""

    DEFAULT_CSS = """
    FeedBanner {
        height: auto;
        padding: 0 1;
        background: $warning 30%;
        color: $foreground;
        text-style: bold;
        display: none;
    }
    FeedBanner.-shown { display: block; }
    FeedBanner.-refused { background: $error 40%; }
    """

    def show(self, feed: FeedState) -> None:
        self.set_class(bool(feed.banner), "-shown")
        self.set_class(feed.level == "refused", "-refused")
        if feed.banner:
            self.update(Content(feed.banner))


class WallTile(Static):
    """One figure of the wall summary: a label on the border, the number in large digits."""

    DEFAULT_CSS = """
    WallTile {
        width: 1fr;
        height: 5;
        border: round $panel-lighten-2;
        border-title-align: center;
        padding: 0;
        content-align: center middle;
    }
    WallTile Digits { width: auto; }
    WallTile .-plain { display: none; width: 1fr; height: 3; content-align: center middle; }
    """

    def __init__(self, label: str, short: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.short = short
        self.border_title = label

    def compose(self) -> ComposeResult:
        yield Digits("0")
        yield Static("0", classes="-plain", markup=False)

    _value: int | None = None

    def set_value(self, value: int) -> None:
        if value != self._value:
            self._value = value
            text = f"{value:,}".replace(",", " ")
            self.query_one(Digits).update(text)
            self.query_one(".-plain", Static).update(text)
            self._fit_digits()

    def on_resize(self) -> None:
        # Narrow tiles (an 80-column wall) get the short label.
        room = self.size.width - 6  # corners, rules and the spaces around a border title
        self.border_title = self.label if len(self.label) <= room else self.short
        self._fit_digits()

    def _fit_digits(self) -> None:
        """Large digits when the number fits the tile, else plain ones: never a cut number."""
        digits = self.query_one(Digits)
        fits = DigitsRenderable.get_width(digits.value) <= self.content_size.width
        if digits.display != fits:
            digits.display = fits
            self.query_one(".-plain", Static).display = not fits


class WallSummary(Horizontal):
    """The wall screen's summary: every figure in digits readable across a room."""

    DEFAULT_CSS = """
    WallSummary { height: 5; }
    WallSummary #wall-talking Digits { color: $primary; }
    WallSummary #wall-ringing Digits { color: $warning; }
    WallSummary #wall-online Digits { color: $success; }
    WallSummary #wall-dnd Digits { color: $error; }
    WallSummary #wall-offline Digits { color: $text-muted; }
    WallSummary #wall-missed-today Digits { color: $warning; }
    """

    TILES = (
        ("talking", f"{GLYPHS[Status.TALKING]} talking", f"{GLYPHS[Status.TALKING]}talk"),
        ("ringing", f"{RINGING_GLYPH} ringing", f"{RINGING_GLYPH}ring"),
        ("online", f"{GLYPHS[Status.ONLINE]} online", f"{GLYPHS[Status.ONLINE]}on"),
        ("dnd", f"{GLYPHS[Status.DND]} dnd", f"{GLYPHS[Status.DND]}dnd"),
        ("offline", f"{GLYPHS[Status.OFFLINE]} offline", f"{GLYPHS[Status.OFFLINE]}off"),
        ("calls_today", "calls today", "calls"),
        ("missed_today", "missed today", "miss"),
    )

    def compose(self) -> ComposeResult:
        for key, label, short in self.TILES:
            yield WallTile(label, short, id=f"wall-{key.replace('_', '-')}")

    def show(self, summary: Summary) -> None:
        for key, _label, _short in self.TILES:
            self.query_one(f"#wall-{key.replace('_', '-')}", WallTile).set_value(
                getattr(summary, key)
            )


class WallStatus(Horizontal):
    """The wall screen's clock (the hub's time, in large digits) and the feed's freshness,
    so that a frozen screen is seen across the room for what it is."""

    DEFAULT_CSS = """
    WallStatus { height: 3; padding: 0 1; }
    WallStatus Digits { width: auto; }
    WallStatus #wall-feed {
        width: 1fr;
        height: 3;
        padding: 0 2;
        content-align: left middle;
        text-style: bold;
        color: $success;
    }
    WallStatus.-wait #wall-feed { color: $text-muted; }
    WallStatus.-warn #wall-feed { color: $warning; }
    WallStatus.-refused #wall-feed { color: $error; }
    """

    _shown: tuple[str, FeedState] | None = None

    def compose(self) -> ComposeResult:
        yield Digits("", id="wall-clock")
        yield Static("", id="wall-feed", markup=False)

    def show(self, now: float, tz: tzinfo, feed: FeedState) -> None:
        shown = (clock(now, tz, seconds=True), feed)
        if shown == self._shown:
            return
        self._shown = shown
        self.query_one(Digits).update(shown[0])
        self.query_one("#wall-feed", Static).update(feed.short)
        self.set_class(feed.level == "wait", "-wait")
        self.set_class(feed.level not in ("ok", "wait", "refused"), "-warn")
        self.set_class(feed.level == "refused", "-refused")
