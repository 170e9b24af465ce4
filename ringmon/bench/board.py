"""``python -m ringmon.bench board``: the live board under load, headless.

10,000 employees (1-3 SIP accounts each, 1-2 devices per account) and a stream of 1,000
events/s (device flips, calls ringing, answered, ended, missed) for 30 s, through the same path
as the real client: JSON frames are decoded and validated (``parse_event_obj``), the touched
employees computed, the events applied to the ``State`` and handed to ``RingmonApp.feed_events``,
which coalesces them into one ``ModelChanged`` per tick for the ``BoardScreen``.

It prints:
- event-to-screen latency: from the moment an event is applied to the end of the first frame
  composed after the board took it in (p50, p99, max);
- frame time: how long each frame of the board takes to compose and render (p50, p99, max);
- the process's peak RSS and its CPU share over the run.

Targets (issue 3): latency p99 <= 100 ms, frame p99 <= 30 ms, RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import heapq
import json
import os
import random
import resource
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

TARGET_LATENCY_MS = 100.0
TARGET_FRAME_MS = 30.0
TARGET_RSS_MB = 150.0

DEPARTMENTS = ("Sales", "Support", "Billing", "Retention", "Collections", "Onboarding", "")
AGENTS = (
    ("MicroSIP/3.21.3", False),
    ("Zoiper rv2.10.20.3", False),
    ("Vendor Desktop 3.1", True),
    ("Yealink SIP-T46S 66.86.0.15", False),
)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


@dataclass
class Population:
    """Who exists, and which devices each account has (for generating valid events)."""

    devices: list[tuple[str, str, str, bool]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    account_devices: dict[str, list[str]] = field(default_factory=dict)


def setup_events(n: int, rng: random.Random, at: float) -> tuple[list[dict[str, Any]], Population]:
    """Employees, accounts and devices, most of them online."""
    pop = Population()
    ts = _iso(at)
    out: list[dict[str, Any]] = []
    for i in range(n):
        emp = f"e{i:05d}"
        dept = DEPARTMENTS[i % len(DEPARTMENTS)] or None
        out.append(
            {
                "type": "employee.upsert",
                "ts": ts,
                "id": emp,
                "name": f"Employee {i:05d} "
                f"{rng.choice('ABCDEFGHIJKLMNOPRSTUWZ')}{rng.randrange(100, 999)}",
                "department": dept,
            }
        )
        for a in range(rng.choice((1, 1, 2, 3))):
            login = f"s{i:05d}{a}"
            out.append({"type": "account.upsert", "ts": ts, "login": login, "employee": emp})
            pop.accounts.append(login)
            for d in range(rng.choice((1, 1, 2))):
                agent, dnd = rng.choice(AGENTS)
                dev = f"d{d}"
                pop.devices.append((login, dev, agent, dnd))
                pop.account_devices.setdefault(login, []).append(dev)
                status = rng.choice(("online", "online", "online", "offline"))
                out.append(
                    {
                        "type": "device.status",
                        "ts": ts,
                        "account": login,
                        "device": dev,
                        "user_agent": agent,
                        "status": status,
                        "dnd_capable": dnd,
                    }
                )
    return out, pop


class ChurnStream:
    """The stress mix: few calls in progress, so nearly every batch changes the rows on
    screen (with the default sort, new talkers land in the visible region)."""

    def __init__(self, pop: Population, rng: random.Random, concurrent: int = 1500) -> None:
        self.pop = pop
        self.rng = rng
        self.concurrent = concurrent
        self.ringing: deque[tuple[str, str, str]] = deque()
        self.talking: list[tuple[str, str]] = []
        self.busy: set[str] = set()
        self.n = 0

    def warm(self, at: float) -> list[dict[str, Any]]:
        return []

    def events(self, at: float, count: int) -> list[dict[str, Any]]:
        return [self.next(at) for _ in range(count)]

    def next(self, at: float) -> dict[str, Any]:
        rng = self.rng
        ts = _iso(at)
        roll = rng.random()
        if roll < 0.3:
            return _flip(self.pop, rng, ts)
        if roll < 0.55 and len(self.ringing) + len(self.talking) < self.concurrent:
            login = rng.choice(self.pop.accounts)
            if login not in self.busy:
                self.n += 1
                call, leg = f"c{self.n}", f"c{self.n}/{login}"
                self.ringing.append((call, leg, login))
                self.busy.add(login)
                return _ring(self.pop, rng, ts, call, leg, login)
        if roll < 0.8 and self.ringing:
            call, leg, login = self.ringing.popleft()
            if rng.random() < 0.8:
                self.talking.append((call, leg))
                return {"type": "call.answer", "ts": ts, "call": call, "leg": leg}
            self.busy.discard(login)
            return {"type": "call.end", "ts": ts, "call": call, "leg": leg}
        if self.talking:
            i = rng.randrange(len(self.talking))
            self.talking[i], self.talking[-1] = self.talking[-1], self.talking[i]
            call, leg = self.talking.pop()
            self.busy.discard(leg.split("/", 1)[1])
            return {"type": "call.end", "ts": ts, "call": call, "leg": leg}
        return _flip(self.pop, rng, ts)


class CallCenterStream:
    """A busy call center: calls ring 2-20 s, most are answered and last minutes
    (exponential, mean 2 min), some are missed or abandoned early; about 60% of the accounts
    are in a call at any time; the rest of the stream is devices registering, going
    offline and (the vendor app) do-not-disturb. Calls are in progress from the start."""

    def __init__(self, pop: Population, rng: random.Random, busy_share: float = 0.6) -> None:
        self.pop = pop
        self.rng = rng
        self.cap = int(len(pop.accounts) * busy_share)
        self.due: list[tuple[float, int, dict[str, Any]]] = []
        self.busy: set[str] = set()
        self.n = 0

    def _schedule(self, at: float, item: dict[str, Any]) -> None:
        self.n += 1
        heapq.heappush(self.due, (at, self.n, item))

    def _call(self, at: float) -> tuple[dict[str, Any], float] | None:
        """Ring a free account at ``at``; schedule the call's answer and end. Returns the
        ring and when the call ends."""
        rng = self.rng
        login = rng.choice(self.pop.accounts)
        if login in self.busy:
            return None
        self.busy.add(login)
        self.n += 1
        call, leg = f"c{self.n}", f"c{self.n}/{login}"
        ring = _ring(self.pop, rng, _iso(at), call, leg, login)
        roll = rng.random()
        if roll < 0.85:
            answer_at = at + rng.uniform(2, 20)
            end_at = answer_at + min(rng.expovariate(1 / 120), 3600)
            self._schedule(answer_at, {"type": "call.answer", "call": call, "leg": leg})
        else:
            end_at = at + (rng.uniform(6, 30) if roll < 0.95 else rng.uniform(1, 5))
        self._schedule(end_at, {"type": "call.end", "call": call, "leg": leg, "_login": login})
        return ring, end_at

    def warm(self, at: float) -> list[dict[str, Any]]:
        """Calls already in progress when the measurement starts: rung in the last 15 min,
        in time order, up to ``at``."""
        timed: list[tuple[float, int, dict[str, Any]]] = []
        tries = 0
        while len(self.busy) < self.cap * 0.9 and tries < 10 * self.cap:
            tries += 1
            ring_at = at - self.rng.uniform(30, 900)
            made = self._call(ring_at)
            if made is not None:
                self.n += 1
                timed.append((ring_at, self.n, made[0]))
        while self.due and self.due[0][0] <= at:
            when, n, item = heapq.heappop(self.due)
            timed.append((when, n, self._emit(item, when)))
        timed.sort(key=lambda t: (t[0], t[1]))
        return [item for _, _, item in timed]

    def _emit(self, item: dict[str, Any], at: float) -> dict[str, Any]:
        login = item.pop("_login", None)
        if login is not None:
            self.busy.discard(login)
        item["ts"] = _iso(at)
        return item

    def events(self, at: float, count: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        due = self.due
        while due and due[0][0] <= at and len(out) < count:
            out.append(self._emit(heapq.heappop(due)[2], at))
        ts = _iso(at)
        while len(out) < count:
            ring = None
            if len(self.busy) < self.cap and self.rng.random() < 0.7:
                made = self._call(at)
                ring = None if made is None else made[0]
            out.append(ring if ring is not None else _flip(self.pop, self.rng, ts))
        return out


class EventStream(Protocol):
    def warm(self, at: float) -> list[dict[str, Any]]: ...

    def events(self, at: float, count: int) -> list[dict[str, Any]]: ...


STREAMS: dict[str, Callable[[Population, random.Random], EventStream]] = {
    "callcenter": CallCenterStream,
    "churn": ChurnStream,
}


def _flip(pop: Population, rng: random.Random, ts: str) -> dict[str, Any]:
    login, dev, agent, dnd = rng.choice(pop.devices)
    options = ("online", "online", "offline", "dnd") if dnd else ("online", "online", "offline")
    return {
        "type": "device.status",
        "ts": ts,
        "account": login,
        "device": dev,
        "user_agent": agent,
        "status": rng.choice(options),
        "dnd_capable": dnd,
    }


def _ring(
    pop: Population, rng: random.Random, ts: str, call: str, leg: str, login: str
) -> dict[str, Any]:
    return {
        "type": "call.ring",
        "ts": ts,
        "call": call,
        "leg": leg,
        "account": login,
        "device": rng.choice(pop.account_devices[login]),
        "direction": rng.choice(("in", "in", "out")),
        "remote": "+48601000200",
    }


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
    frame_ends: list[float] = field(default_factory=list)
    events: int = 0
    unseen: int = 0  # events whose batch changed nothing on screen


def bench_app_class(tick: float | None = None) -> type[Any]:
    """An App that hosts the board exactly as ``RingmonApp`` does, minus the network.

    It is the feed's listener (``feed_snapshot``, ``feed_events``, ``feed_connection``) and
    coalesces events into one ``ModelChanged`` per tick of ``ringmon.app.TICK_SECONDS`` posted
    to every screen, like the App; it does not start a feed client, so the bench measures the
    board and the model, not a hub.
    """
    from textual.timer import Timer

    from ringmon.app import TICK_SECONDS

    seconds = TICK_SECONDS if tick is None else tick
    from ringmon.config import Settings
    from ringmon.feed.connection import Connection, HubTime
    from ringmon.model.schema import Event
    from ringmon.model.state import State
    from ringmon.screens.board import BoardScreen
    from ringmon.screens.context import ContextApp, ScreenContext
    from ringmon.screens.model_messages import ConnectionChanged, ModelChanged

    class BenchApp(ContextApp):
        def __init__(self) -> None:
            super().__init__()
            state, hub_time = State(), HubTime()
            self.context = ScreenContext(
                settings=Settings(),
                state=state,
                hub_time=hub_time,
                connection=Connection(since=hub_time.now()),
                tz=state.tz,
                hub_url="http://127.0.0.1:9",  # no REST call: the bench opens no profile
            )
            self._pending: set[str] = set()
            self._flush_timer: Timer | None = None

        def get_default_screen(self) -> BoardScreen:
            return BoardScreen()

        def feed_snapshot(self, state: State) -> None:
            self.context.state = state
            self.context.tz = state.tz
            self._pending.clear()
            for screen in self.screen_stack:
                screen.post_message(ModelChanged(frozenset(), reset=True))

        def feed_events(self, events: list[Event], employees: set[str]) -> None:
            self._pending |= employees
            if self._flush_timer is None:
                self._flush_timer = self.set_timer(seconds, self._post_pending)

        def _post_pending(self) -> None:  # (App._flush is Textual's: keep clear)
            self._flush_timer = None
            employees = frozenset(self._pending)
            self._pending.clear()
            for screen in self.screen_stack:
                screen.post_message(ModelChanged(employees))

        def feed_connection(self, connection: Connection) -> None:
            self.context.connection = connection
            for screen in self.screen_stack:
                screen.post_message(ConnectionChanged(connection))

    return BenchApp


LAST_PROBE: list[Probe] = []
"""The last run's probe, for digging into a result."""


def run(
    employees: int,
    rate: float,
    seconds: float,
    size: tuple[int, int],
    seed: int,
    mix: str = "callcenter",
    tick: float | None = None,
) -> dict[str, float]:
    from textual.screen import Screen

    from ringmon.feed.connection import Connection, Link
    from ringmon.model.schema import Event, parse_event_obj
    from ringmon.model.state import State
    from ringmon.model.touched import touched_employees
    from ringmon.screens.board import BoardScreen

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

    # -- probes: the board taking a batch in, and the board's frames ------------------------
    original_load = BoardScreen._load
    original_update = Screen._on_timer_update

    def load(self: BoardScreen, reset: bool, employees: frozenset[str]) -> None:
        original_load(self, reset, employees)
        now = time.perf_counter()
        for applied_at, count in probe.applied:
            probe.waits.extend([now - applied_at] * count)
        # A batch that changes nothing on screen (a device re-registering as it was, a row
        # off screen whose counts did not move) has no frame to wait for: not a latency.
        shown = any(w._repaint_required or w._layout_required for w in self.walk_children())
        if shown:
            probe.taken.extend(probe.applied)
        else:
            probe.unseen += sum(count for _, count in probe.applied)
        probe.applied.clear()

    def on_timer_update(self: Screen[Any]) -> None:
        if not isinstance(self, BoardScreen):
            original_update(self)
            return
        busy = bool(self._dirty_widgets or self._layout_required or self._repaint_required)
        cpu_begin = time.thread_time()
        begin = time.perf_counter()
        original_update(self)
        end = time.perf_counter()
        if busy:
            probe.frames.append(end - begin)
            probe.frame_ends.append(end)
            probe.frame_cpu.append(time.thread_time() - cpu_begin)
            for applied_at, count in probe.taken:
                probe.latencies.extend([end - applied_at] * count)
            probe.taken.clear()

    BoardScreen._load = load  # type: ignore[method-assign]
    Screen._on_timer_update = on_timer_update  # type: ignore[method-assign]

    app = bench_app_class(tick)()
    results: dict[str, float] = {}

    async def drive() -> None:
        async with app.run_test(size=size) as pilot:
            app.feed_snapshot(state)
            app.feed_connection(Connection(Link.CONNECTED, since=app.context.hub_time.now()))
            await pilot.pause(0.5)
            probe.frames.clear()
            probe.frame_cpu.clear()
            probe.latencies.clear()
            probe.waits.clear()
            probe.unseen = 0
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
                cpu_share=cpu / wall,
                rows=float(len(app.context.state.employees)),
                talking=float(
                    sum(
                        1
                        for e in app.context.state.employees.values()
                        if e.status.value == "talking"
                    )
                ),
                load=os.getloadavg()[0],
                cpus=float(os.cpu_count() or 1),
            )

    asyncio.run(drive())
    BoardScreen._load = original_load  # type: ignore[method-assign]
    Screen._on_timer_update = original_update  # type: ignore[method-assign]
    ms = [v * 1000 for v in probe.latencies]
    frames = [v * 1000 for v in probe.frames]
    frame_cpu = [v * 1000 for v in probe.frame_cpu]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
        rss_mb=peak_kb / 1024,
        measured=float(len(ms)),
        unseen=float(probe.unseen),
    )
    return results


def report(
    r: dict[str, float],
    employees: int,
    rate: float,
    size: tuple[int, int],
    mix: str = "callcenter",
) -> str:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines = [
        f"board bench: {employees:,} employees, {rate:,.0f} events/s for {r['wall']:.1f} s, "
        f"{size[0]}x{size[1]} headless, mix {mix}; {r['events']:,.0f} events, "
        f"{r['frames']:,.0f} frames; talking at the end: {r['talking']:,.0f}; "
        f"load average {r['load']:.1f} on {r['cpus']:.0f} CPUs",
        f"  event-to-screen latency  p50 {r['latency_p50']:6.1f} ms  p99 {r['latency_p99']:6.1f} ms"
        f"  max {r['latency_max']:6.1f} ms   target p99 <= {TARGET_LATENCY_MS:.0f} ms: "
        f"{verdict(r['latency_p99'] <= TARGET_LATENCY_MS)}",
        f"    ({r['measured']:,.0f} events measured; {r['unseen']:,.0f} in batches that changed "
        "nothing on screen)",
        f"    of which until the board takes the batch in (the App's tick, the queue): "
        f"p50 {r['wait_p50']:.1f} ms  p99 {r['wait_p99']:.1f} ms",
        f"  frame time               p50 {r['frame_p50']:6.1f} ms  p99 {r['frame_p99']:6.1f} ms"
        f"  max {r['frame_max']:6.1f} ms   target p99 <= {TARGET_FRAME_MS:.0f} ms: "
        f"{verdict(r['frame_p99'] <= TARGET_FRAME_MS)}",
        f"  frame CPU time           p50 {r['frame_cpu_p50']:6.1f} ms  "
        f"p99 {r['frame_cpu_p99']:6.1f} ms  (the frame's own CPU, whatever else runs)",
        f"  peak RSS {r['rss_mb']:.0f} MB (target <= {TARGET_RSS_MB:.0f} MB: "
        f"{verdict(r['rss_mb'] <= TARGET_RSS_MB)});  CPU share {r['cpu_share'] * 100:.0f}% "
        "of one core (event generation, JSON, validation and apply included)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench board",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tick",
        type=float,
        default=None,
        help="the App's coalescing tick in seconds (default: ringmon.app.TICK_SECONDS)",
    )
    parser.add_argument(
        "--mix",
        choices=sorted(STREAMS),
        default="callcenter",
        help="callcenter: a busy day (default); churn: the rows on screen change every batch",
    )
    args = parser.parse_args(argv)
    size = (args.width, args.height)
    results = run(args.employees, args.rate, args.seconds, size, args.seed, args.mix, args.tick)
    print(report(results, args.employees, args.rate, size, args.mix))
    ok = (
        results["latency_p99"] <= TARGET_LATENCY_MS
        and results["frame_p99"] <= TARGET_FRAME_MS
        and results["rss_mb"] <= TARGET_RSS_MB
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
