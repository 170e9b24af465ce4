"""The board's feed and figures: the feed banner and the stale look when the feed is late or
lost, what the table says when it is empty and why, the summary (R2) and the time limits."""

from __future__ import annotations

from ringmon.feed.connection import Connection, Link
from ringmon.model.board import Summary
from ringmon.screens.board.base import BoardBase
from ringmon.screens.model_messages import ConnectionChanged
from ringmon.widgets.summary import (
    FeedBanner,
    SummaryBar,
    WallStatus,
    WallSummary,
    feed_state,
    silent_after,
)


class BoardFeed(BoardBase):
    """A part of ``BoardScreen`` (what the parts share: ``BoardBase``)."""

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self._update_feed(message.connection)
        self._watch_for_silence(message.connection)

    def _watch_for_silence(self, connection: Connection) -> None:
        """Look at the feed again the moment it would turn silent (no frame for a while),
        rather than up to a tick later."""
        if self._silence_timer is not None:
            self._silence_timer.stop()
            self._silence_timer = None
        heard = connection.last_frame_at or connection.last_event_at
        if connection.link is not Link.CONNECTED or heard is None or not self.ready:
            return
        hub_time = self.host.hub_time
        speed = hub_time.speed if hub_time.speed > 0 else 1.0
        left = (heard - hub_time.now()) / speed + silent_after(connection) + 0.05
        if left > 0:
            self._silence_timer = self.set_timer(
                left, lambda: self._update_feed(self.host.connection), name="board-silence"
            )

    def _update_feed(self, connection: Connection) -> None:
        if not self.ready:
            return
        hub_time = self.host.hub_time
        feed = feed_state(connection, hub_time.now(), hub_time.speed, self.host.tz)
        changed = feed != self.feed
        self.feed = feed
        if changed:
            self._set_empty_text()
            self._dialog_follows()  # its note on why there are no data yet
        if changed:
            self.query_one(FeedBanner).show(feed)
            self.table.stale = feed.stale
            if self.wall:
                self.wall_tiles.stale = feed.stale
            self._show_summary()

    def no_data_reason(self) -> str | None:
        """Why the board has no rows yet (connecting, the hub loading its history, the feed
        down), or None: it has its data (which may be no employee at all)."""
        if self.board.rows or self.feed is None:
            return None
        if self.feed.level == "wait":
            return self.feed.waiting
        if self.feed.stale:
            return "No data: the feed is down."
        return None

    def _set_empty_text(self) -> None:
        """What the table says when it has no row to show, and why."""
        if self.board.rows:
            self.table.empty_text = (
                "No employee matches the filters: escape removes the last one, ctrl+u all."
            )
        else:
            self.table.empty_text = self.no_data_reason() or "No employees."

    def _check_limits(self, now: float, employees: frozenset[str] | None = None) -> None:
        """Which rows are past a time limit: all of them (the tick: time itself crosses
        limits), or after a batch only the ``employees`` it touched (no pass over 10,000
        rows per batch)."""
        if not self.thresholds.enabled:
            return
        if employees is None:
            over = frozenset(self.board.over_limit(self.thresholds, now))
        else:
            rows, limits = self.board.rows, self.thresholds
            now_over = {e for e in employees if (r := rows.get(e)) and limits.over(r, now)}
            over = (self.over - employees) | now_over
        crossed = over - self.over
        self.table.set_over(over)
        self.over = over
        if crossed and self.bell:
            self.app.bell()

    def summary(self) -> Summary:
        now = self.now()
        today = self.host.state.today(now)
        return self.board.summary(today.calls, today.missed, len(self.over))

    def _show_summary(self) -> None:
        if self.feed is None:
            return
        summary = self.summary()
        if self.wall:
            self.query_one(WallSummary).show(summary)
            self.query_one(WallStatus).show(self.now(), self.host.tz, self.feed)
        else:
            self.query_one(SummaryBar).show(summary, self.feed)
