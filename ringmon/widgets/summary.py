"""The summary panel (R2) and the feed banner: what is true right now, and how fresh it is.

``SummaryBar`` is two lines (status counts; today's calls and the feed's state). The wall
screen uses ``WallSummary``: the same figures in large digits. ``FeedBanner`` appears only when
the feed is stale or broken and says since when, so a frozen table never looks normal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Digits, Static

from ringmon.feed.connection import Connection, Link
from ringmon.model.board import GLYPHS, RINGING_GLYPH, Summary
from ringmon.model.status import Status

STALE_AFTER_SECONDS = 15.0
"""No event nor heartbeat for this long (real seconds) and the feed counts as stale."""

STATUS_VARS = {
    Status.TALKING: "$primary",
    Status.ONLINE: "$success",
    Status.DND: "$error",
    Status.OFFLINE: "$text-muted",
}


def format_age(seconds: float) -> str:
    """A short human age: ``4 s``, ``3 min``, ``2 h 05 min``."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h {s // 60 % 60:02d} min"


def clock(at: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%H:%M:%S")


@dataclass(frozen=True, slots=True)
class FeedState:
    """The feed's health, as the summary and the banner word it."""

    level: str  # "ok", "wait", "stale", "down", "refused"
    short: str
    banner: str

    @property
    def stale(self) -> bool:
        """Whatever the table shows may be out of date."""
        return self.level in ("stale", "down", "refused")


def feed_state(conn: Connection, now: float, speed: float, tz: tzinfo) -> FeedState:
    """Words for the connection at hub time ``now``; ages are in real seconds."""
    speed = speed if speed > 0 else 1.0
    last = conn.last_event_at
    age = None if last is None else (now - last) / speed
    last_text = "no event yet" if age is None else f"last event {format_age(age)} ago"
    if conn.link is Link.REFUSED:
        why = conn.message or "the hub refused access"
        return FeedState("refused", f"✖ refused: {why}", f"✖ Access refused: {why}")
    if conn.link is Link.CONNECTING:
        return FeedState("wait", "… connecting", "")
    if conn.link is Link.RECONNECTING:
        since = clock(conn.since, tz)
        lost = format_age((now - conn.since) / speed)
        tries = f", attempt {conn.attempts}" if conn.attempts else ""
        data = f"data as of {clock(last, tz)}" if last is not None else "no data"
        why = f" ({conn.message})" if conn.message else ""
        return FeedState(
            "down",
            f"⚠ reconnecting since {since}",
            f"⚠ Feed lost{why}: reconnecting since {since} ({lost}{tries}); "
            f"{data}: statuses below may be out of date",
        )
    if age is not None and age > STALE_AFTER_SECONDS:
        return FeedState(
            "stale",
            f"⚠ {last_text}",
            f"⚠ Feed silent since {clock(last or now, tz)} ({format_age(age)}): "
            "statuses below may be out of date",
        )
    return FeedState("ok", f"● live · {last_text}", "")


def _count(glyph: str, label: str, value: int, var: str) -> str:
    return f"[{var}]{glyph} {label}[/] [b]{value:,}[/b]"


def summary_markup(summary: Summary, feed: FeedState, wide: bool) -> tuple[str, str]:
    """The two lines of the summary bar, as Textual markup."""
    ringing = _count(RINGING_GLYPH, "ringing", summary.ringing, "$warning")
    parts = [
        _count(GLYPHS[Status.TALKING], "talking", summary.talking, STATUS_VARS[Status.TALKING]),
        ringing,
        _count(GLYPHS[Status.ONLINE], "online", summary.online, STATUS_VARS[Status.ONLINE]),
        _count(GLYPHS[Status.DND], "dnd", summary.dnd, STATUS_VARS[Status.DND]),
        _count(GLYPHS[Status.OFFLINE], "offline", summary.offline, STATUS_VARS[Status.OFFLINE]),
    ]
    sep = "   " if wide else "  "
    first = sep.join(parts)
    today = f"Today: [b]{summary.calls_today:,}[/b] calls, [b]{summary.missed_today:,}[/b] missed"
    over = f"  [$error]! over limit [b]{summary.over_limit:,}[/b][/]" if summary.over_limit else ""
    feed_var = {"ok": "$success", "wait": "$text-muted"}.get(feed.level, "$warning")
    second = f"{today}{over}  [{feed_var}]{Content(feed.short).markup}[/]"
    return first, second


class SummaryBar(Static):
    """Two lines on top of the board: counts per status, today's calls, the feed.

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
            # Always two lines: no layout needed, only a repaint of this widget.
            self.refresh()

    def render(self) -> Content:
        if self._shown is None:
            return Content("")
        width = self.content_size.width
        first, second = summary_markup(*self._shown, self.size.width >= 120)
        lines = [Content.from_markup(first), Content.from_markup(second)]
        if lines[0].cell_length > width:
            lines[0] = Content.from_markup(compact_counts(self._shown[0]))
        # One line each, never wrapped: a wrapped first line would push the second out.
        return Content("\n").join(line.truncate(width, ellipsis=True) for line in lines)


def compact_counts(summary: Summary) -> str:
    """The status counts by glyph only (``● 3 ♪ 1 ○ 11 ⊘ 2 · 23``), for a narrow terminal."""
    counts = (
        (GLYPHS[Status.TALKING], summary.talking, STATUS_VARS[Status.TALKING]),
        (RINGING_GLYPH, summary.ringing, "$warning"),
        (GLYPHS[Status.ONLINE], summary.online, STATUS_VARS[Status.ONLINE]),
        (GLYPHS[Status.DND], summary.dnd, STATUS_VARS[Status.DND]),
        (GLYPHS[Status.OFFLINE], summary.offline, STATUS_VARS[Status.OFFLINE]),
    )
    return "  ".join(f"[{var}]{glyph}[/] [b]{value:,}[/b]" for glyph, value, var in counts)


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
    """

    def __init__(self, label: str, short: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.short = short
        self.border_title = label

    def compose(self) -> ComposeResult:
        yield Digits("0")

    _value: int | None = None

    def set_value(self, value: int) -> None:
        if value != self._value:
            self._value = value
            self.query_one(Digits).update(f"{value:,}".replace(",", " "))

    def on_resize(self) -> None:
        # Narrow tiles (an 80-column wall) get the short label.
        room = self.size.width - 6  # corners, rules and the spaces around a border title
        self.border_title = self.label if len(self.label) <= room else self.short


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
