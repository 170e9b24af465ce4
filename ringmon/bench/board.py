"""``python -m ringmon.bench board``: the live board under load, headless, beside a baseline.

10,000 employees (1-3 SIP accounts each, 1-2 devices per account) and a stream of 1,000
events/s (device flips, calls ringing, answered, ended, missed; ``ringmon.bench.board_streams``)
for ``--seconds``, through the same path as the real client: JSON frames are decoded and
validated (``parse_event_obj``), the touched employees computed, the events applied to the
``State`` and handed to the App's ``feed_events``.

The same load runs on a bare Line-API board (the baseline, ``ringmon.bench.board_apps``: the
model's sorted rows, one style, no coalescing) and on ringmon's board (``BoardScreen`` behind
the App's ``UpdatePacer``), in one process, in ``--rounds`` alternating runs of each (bare,
board, bare, board...), so that a change of the machine's load falls on both alike. For each it
prints:
- event-to-screen latency: from the moment an event is applied to the end of the first frame
  composed after the board took it in (p50, p99, max), and the ratio of the two p99s;
- frame time: how long each frame takes to compose and render (p50, p99, max), and the CPU
  time of the frame itself (``time.thread_time``), which a loaded machine does not stretch;
- the take-in: the CPU time the board spends taking a batch in (rows built, sorted, summary,
  changed lines compared), per batch and per event;
- the process's CPU time per event and its share of one core (event generation, JSON,
  validation and apply included: the same for both), and the load average.

Targets (issue 11): board latency p99 <= 50 ms, frame p99 <= 30 ms, RSS <= 150 MB, with no more
CPU than the baseline. On a loaded machine (load average above the number of CPUs) the wall
times move with the load; the CPU times and the ratios to the baseline much less.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ringmon.bench.board_streams import STREAMS, setup_events

TARGET_LATENCY_MS = 50.0
TARGET_FRAME_MS = 30.0
TARGET_RSS_MB = 150.0
KINDS = ("bare", "board")
"""What runs: the bare Line-API baseline, ringmon's board."""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Probe:
    """Timestamps from inside the App: batches applied, taken in, and frames drawn."""

    applied: list[tuple[float, int]] = field(default_factory=list)  # (t applied, n events)
    taken: list[tuple[float, int]] = field(default_factory=list)  # waiting for a frame
    latencies: list[float] = field(default_factory=list)  # one per event, seconds
    waits: list[float] = field(default_factory=list)  # applied -> the board takes it in
    frames: list[float] = field(default_factory=list)
    frame_cpu: list[float] = field(default_factory=list)
    take_in_cpu: list[float] = field(default_factory=list)  # one per take-in, seconds
    events: int = 0
    unseen: int = 0  # events whose batch changed nothing on screen

    def take_in(self, shown: bool) -> None:
        """The board took in every batch applied so far (``shown``: it has lines to paint)."""
        now = time.perf_counter()
        for applied_at, count in self.applied:
            self.waits.extend([now - applied_at] * count)
        if shown:
            self.taken.extend(self.applied)
        else:
            # A batch that changes nothing on screen (a device re-registering as it was, a
            # row off screen whose counts did not move) has no frame to wait for.
            self.unseen += sum(count for _, count in self.applied)
        self.applied.clear()

    def frame(self, begin: float, end: float, cpu: float) -> None:
        self.frames.append(end - begin)
        self.frame_cpu.append(cpu)
        for applied_at, count in self.taken:
            self.latencies.extend([end - applied_at] * count)
        self.taken.clear()

    def restart(self) -> None:
        self.frames.clear()
        self.frame_cpu.clear()
        self.take_in_cpu.clear()
        self.latencies.clear()
        self.waits.clear()
        self.unseen = 0
        self.events = 0


LAST_PROBE: list[Probe] = []
"""The last run's probe, for digging into a result."""


def _install_probes(app: Any, kind: str, probe: Probe) -> Callable[[], None]:
    """Hook the board's take-in and its screen's frames; returns the undo."""
    from textual.screen import Screen

    if kind == "board":
        from ringmon.screens.board import BoardScreen

        screen_class: type[Any] = BoardScreen
        name = "_load"
    else:
        screen_class = type(app.bare)
        name = "take_in"
    original_take_in = getattr(screen_class, name)
    original_update = Screen._on_timer_update

    def take_in(self: Any, *args: Any, **kwargs: Any) -> None:
        cpu = time.thread_time()
        original_take_in(self, *args, **kwargs)
        probe.take_in_cpu.append(time.thread_time() - cpu)
        shown = any(w._repaint_required or w._layout_required for w in self.walk_children())
        probe.take_in(shown)

    def on_timer_update(self: Screen[Any]) -> None:
        if not isinstance(self, screen_class):
            original_update(self)
            return
        busy = bool(self._dirty_widgets or self._layout_required or self._repaint_required)
        cpu_begin = time.thread_time()
        begin = time.perf_counter()
        original_update(self)
        if busy:
            probe.frame(begin, time.perf_counter(), time.thread_time() - cpu_begin)

    setattr(screen_class, name, take_in)
    Screen._on_timer_update = on_timer_update  # type: ignore[method-assign]

    def undo() -> None:
        setattr(screen_class, name, original_take_in)
        Screen._on_timer_update = original_update  # type: ignore[method-assign]

    return undo


def run(
    employees: int,
    rate: float,
    seconds: float,
    size: tuple[int, int],
    seed: int,
    mix: str = "callcenter",
    interval: float | None = None,
    kind: str = "board",
) -> tuple[dict[str, float], Probe]:
    """One run of ``kind`` (``bare`` or ``board``) under the load; its totals and its probe
    (``figures`` turns rounds of them into the figures)."""
    from ringmon.bench.board_apps import bare_app_class, board_app_class
    from ringmon.feed.connection import Connection, Link
    from ringmon.model.schema import Event, parse_event_obj
    from ringmon.model.state import State
    from ringmon.model.touched import touched_employees

    probe = Probe()
    LAST_PROBE[:] = [probe]
    rng = random.Random(seed)
    start_at = time.time()
    setup, pop = setup_events(employees, rng, start_at - 3600)
    state = State()
    for item in setup:
        state.apply(parse_event_obj(item))
    del setup
    stream = STREAMS[mix](pop, rng)
    for item in stream.warm(start_at):
        state.apply(parse_event_obj(item))

    app = (board_app_class(interval) if kind == "board" else bare_app_class())()
    undo = _install_probes(app, kind, probe)
    results: dict[str, float] = {}

    async def drive() -> None:
        async with app.run_test(size=size) as pilot:
            app.feed_snapshot(state)
            app.feed_connection(Connection(Link.CONNECTED, since=app.context.hub_time.now()))
            await pilot.pause(0.5)
            # The measured time is the steady state: the board has settled its snapshot's
            # memory (one full collection, then ``gc.freeze``), a stall that comes once.
            for _ in range(300):
                if getattr(app.screen, "settled", True):
                    break
                await pilot.pause(0.1)
            probe.restart()
            gc.collect()
            cpu0 = time.process_time()
            wall0 = time.perf_counter()
            sent = 0
            next_beat = wall0 + 1.0
            while True:
                now = time.perf_counter()
                elapsed = now - wall0
                if elapsed >= seconds:
                    break
                due = int(elapsed * rate) - sent
                if due > 0:
                    # One WebSocket frame: JSON text, decoded and applied as the client does.
                    at = app.context.hub_time.now()
                    frame = json.dumps(stream.events(at, due))
                    applied: list[Event] = []
                    touched: set[str] = set()
                    for item in json.loads(frame):
                        event = parse_event_obj(item)
                        ids = touched_employees(app.context.state, event)
                        app.context.state.apply(event)
                        applied.append(event)
                        touched.update(ids)
                    probe.applied.append((time.perf_counter(), len(applied)))
                    probe.events += len(applied)
                    app.feed_events(applied, touched)
                    sent += due
                if now >= next_beat:
                    next_beat += 1.0
                    app.feed_connection(
                        app.context.connection.evolve(last_event_at=app.context.hub_time.now())
                    )
                # Wake for the next event due (every 5 ms at most: frames of a few events,
                # as a WebSocket delivers them), not more often than that.
                next_due = (sent + 1) / rate - (time.perf_counter() - wall0)
                await asyncio.sleep(min(0.1, max(0.005, next_due)))
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            await pilot.pause(0.2)
            results.update(
                events=float(probe.events),
                wall=wall,
                cpu=cpu,
                rows=float(len(app.context.state.employees)),
                load=os.getloadavg()[0],
                cpus=float(os.cpu_count() or 1),
            )

    try:
        asyncio.run(drive())
    finally:
        undo()
    results["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results, probe


def figures(runs: list[tuple[dict[str, float], Probe]]) -> dict[str, float]:
    """The figures of one kind over its rounds: latencies and frames pooled, times summed."""
    probe = Probe()
    for _, one in runs:
        probe.latencies += one.latencies
        probe.waits += one.waits
        probe.frames += one.frames
        probe.frame_cpu += one.frame_cpu
        probe.take_in_cpu += one.take_in_cpu
        probe.unseen += one.unseen
    events = sum(r["events"] for r, _ in runs)
    wall = sum(r["wall"] for r, _ in runs)
    cpu = sum(r["cpu"] for r, _ in runs)
    results = {
        "events": events,
        "wall": wall,
        "cpu_share": cpu / wall,
        "cpu_per_event_ms": cpu / max(1.0, events) * 1000,
        "load": max(r["load"] for r, _ in runs),
        "cpus": runs[0][0]["cpus"],
    }
    ms = [v * 1000 for v in probe.latencies]
    frames = [v * 1000 for v in probe.frames]
    frame_cpu = [v * 1000 for v in probe.frame_cpu]
    take_in = [v * 1000 for v in probe.take_in_cpu]
    results.update(
        latency_p50=percentile(ms, 50),
        latency_p99=percentile(ms, 99),
        latency_max=max(ms, default=float("nan")),
        wait_p50=percentile([v * 1000 for v in probe.waits], 50),
        wait_p99=percentile([v * 1000 for v in probe.waits], 99),
        frame_p50=percentile(frames, 50),
        frame_p99=percentile(frames, 99),
        frame_max=max(frames, default=float("nan")),
        frames=float(len(frames)),
        frame_cpu_p50=percentile(frame_cpu, 50),
        frame_cpu_p99=percentile(frame_cpu, 99),
        frame_cpu_total=sum(frame_cpu),
        take_in_cpu_p50=percentile(take_in, 50),
        take_in_cpu_p99=percentile(take_in, 99),
        take_in_cpu_per_event_ms=sum(take_in) / max(1.0, events),
        frame_cpu_per_event_ms=sum(frame_cpu) / max(1.0, events),
        rss_mb=max(r["rss_mb"] for r, _ in runs),
        measured=float(len(ms)),
        unseen=float(probe.unseen),
    )
    return results


def describe(name: str, r: dict[str, float]) -> list[str]:
    return [
        f"  {name}: {r['events']:,.0f} events, {r['frames']:,.0f} frames, CPU "
        f"{r['cpu_per_event_ms']:.3f} ms per event ({r['cpu_share'] * 100:.0f}% of one core;"
        f" take-ins {r['take_in_cpu_per_event_ms']:.3f} ms, frames "
        f"{r['frame_cpu_per_event_ms']:.3f} ms of it), load average up to {r['load']:.1f}",
        f"    event-to-screen  p50 {r['latency_p50']:6.1f} ms  p99 {r['latency_p99']:6.1f} ms"
        f"  max {r['latency_max']:6.1f} ms  (until taken in: p50 {r['wait_p50']:.1f} ms,"
        f" p99 {r['wait_p99']:.1f} ms)",
        f"    frame time       p50 {r['frame_p50']:6.1f} ms  p99 {r['frame_p99']:6.1f} ms"
        f"  max {r['frame_max']:6.1f} ms  (its own CPU: p50 {r['frame_cpu_p50']:.1f} ms,"
        f" p99 {r['frame_cpu_p99']:.1f} ms)",
        f"    take-in CPU      p50 {r['take_in_cpu_p50']:6.2f} ms  p99 "
        f"{r['take_in_cpu_p99']:6.2f} ms per batch",
    ]


def report(
    runs: dict[str, dict[str, float]],
    employees: int,
    rate: float,
    size: tuple[int, int],
    mix: str = "callcenter",
) -> str:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines = [
        f"board bench: {employees:,} employees, {rate:,.0f} events/s, {size[0]}x{size[1]} "
        f"headless, mix {mix}, on {os.cpu_count() or 1} CPUs"
    ]
    for kind, name in (("bare", "bare Line-API board (baseline)"), ("board", "ringmon board")):
        if kind in runs:
            lines += describe(name, runs[kind])
    board = runs.get("board")
    if board is not None:
        lines.append(
            f"  board latency p99 {board['latency_p99']:.1f} ms: target <= "
            f"{TARGET_LATENCY_MS:.0f} ms {verdict(board['latency_p99'] <= TARGET_LATENCY_MS)};"
            f"  frame p99 {board['frame_p99']:.1f} ms: target <= {TARGET_FRAME_MS:.0f} ms "
            f"{verdict(board['frame_p99'] <= TARGET_FRAME_MS)};  peak RSS "
            f"{board['rss_mb']:.0f} MB: target <= {TARGET_RSS_MB:.0f} MB "
            f"{verdict(board['rss_mb'] <= TARGET_RSS_MB)}"
        )
    if board is not None and "bare" in runs:
        bare = runs["bare"]
        lines.append(
            f"  ratio board / baseline: latency p99 "
            f"{board['latency_p99'] / bare['latency_p99']:.2f}, "
            f"p50 {board['latency_p50'] / bare['latency_p50']:.2f};  CPU per event "
            f"{board['cpu_per_event_ms'] / bare['cpu_per_event_ms']:.2f}"
        )
    if board is not None and board["load"] > board["cpus"]:
        lines.append(
            f"  (load average {board['load']:.1f} on {board['cpus']:.0f} CPUs: the wall times "
            "are stretched by waiting for a CPU; compare the CPU times and the ratios)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench board",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second")
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="each kind's measured time, all rounds"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating runs of each kind (default 2)"
    )
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--interval",
        type=float,
        default=None,
        help="the App's pacing interval in seconds (default: ringmon.update_pacer's)",
    )
    parser.add_argument(
        "--only", choices=KINDS, default=None, help="run only the baseline or only the board"
    )
    parser.add_argument(
        "--mix",
        choices=sorted(STREAMS),
        default="callcenter",
        help="callcenter: a busy day (default); churn: the rows on screen change every batch",
    )
    args = parser.parse_args(argv)
    size = (args.width, args.height)
    rounds: dict[str, list[tuple[dict[str, float], Probe]]] = {}
    for _ in range(max(1, args.rounds)):
        for kind in KINDS:
            if args.only in (None, kind):
                rounds.setdefault(kind, []).append(
                    run(
                        args.employees,
                        args.rate,
                        args.seconds / max(1, args.rounds),
                        size,
                        args.seed,
                        args.mix,
                        args.interval,
                        kind,
                    )
                )
    runs = {kind: figures(samples) for kind, samples in rounds.items()}
    print(report(runs, args.employees, args.rate, size, args.mix))
    board = runs.get("board")
    ok = board is None or (
        board["latency_p99"] <= TARGET_LATENCY_MS
        and board["frame_p99"] <= TARGET_FRAME_MS
        and board["rss_mb"] <= TARGET_RSS_MB
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
