"""The model's ingest rate on a simulated 10,000-employee day, beside bare ``json.loads``.

The frames are what the hub sends over the WebSocket: one JSON event each, with its ``seq``.
Measured, each on every frame:

(a) ``json.loads``: the floor, decoding JSON and nothing else;
(b) the model's ingest: ``parse_event`` (pydantic, validated) then ``State.apply``.

Targets (issue 10): (b)/(a) >= 0.4, 0.5 as the stretch (issue 2: (b) >= 100,000 events/s).
Parsing alone is printed too: (b) less it is what ``State.apply`` costs, and the part of it
spent collecting garbage (the state's objects, which the collector walks as they pile up).

(b) is measured twice: with CPython's default collector, and with the collector as the hub
sets it for its process (``ringmon.collector.set_for_hub``), where parse and apply run
(the hub's intake, its storage's rebuild and replays: ``parse_event`` then ``apply``).

Each figure sums, chunk by chunk of frames, the fastest of ``--repeat`` runs, so that a busy
machine disturbs it less; the runs of all the measurements take turns (one of each, then the
next round), so that a slow minute of the machine lands on all of them alike.

The frames themselves (a million strings in a list) are frozen out of the collector's sight
(``gc.freeze``) before anything is timed: they are the benchmark's, not the model's, and a
hub or a client never holds its input like that. Left in sight, each full collection during
(b) would walk all of them, and charge the model for it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ringmon import collector
from ringmon.model.schema import dump_event, parse_event
from ringmon.model.state import EventRejected, State

TZ = "Europe/Warsaw"
DAY = date(2026, 3, 24)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=10_000, help="default 10000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--source",
        choices=["auto", "sim", "synthetic"],
        default="auto",
        help="the hub's simulator (auto: when installed) or the benchmark's own stream",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument(
        "--frames",
        help="a JSONL file of frames: read if it exists, else written (saves building them)",
    )
    return run(parser.parse_args(argv))


def sim_frames(employees: int, seed: int) -> list[str] | None:
    """The hub simulator's day as frames, or None when the simulator is not there."""
    try:
        from ringmon.sources.sim import simulate
    except ImportError:
        return None
    tz = ZoneInfo(TZ)
    start = datetime.combine(DAY, datetime.min.time(), tzinfo=tz)
    events = simulate(employees, seed, start, start + timedelta(days=1), tz)
    return [dump_event(e.model_copy(update={"seq": n})) for n, e in enumerate(events, 1)]


def synthetic_frames(employees: int, seed: int) -> list[str]:
    from ringmon.bench.synthetic import synthetic_day

    frames = []
    for n, event in enumerate(synthetic_day(employees, seed, DAY, ZoneInfo(TZ)), 1):
        event["seq"] = n
        frames.append(json.dumps(event, separators=(",", ":")))
    return frames


def build(args: argparse.Namespace) -> tuple[list[str], str]:
    if args.frames and Path(args.frames).exists():
        return Path(args.frames).read_text(encoding="utf-8").splitlines(), f"file {args.frames}"
    frames, source = None, "synthetic"
    if args.source in ("auto", "sim"):
        frames, source = sim_frames(args.employees, args.seed), "sim"
        if frames is None and args.source == "sim":
            raise SystemExit("the simulator (ringmon.sources.sim) is not installed")
    if frames is None:
        frames, source = synthetic_frames(args.employees, args.seed), "synthetic"
    if args.frames:
        Path(args.frames).write_text("\n".join(frames) + "\n", encoding="utf-8")
    return frames, source


CHUNK = 500
"""Frames timed together: short enough that some run of each chunk is not preempted."""


def bare_json() -> Callable[[list[str]], int]:
    loads = json.loads

    def step(frames: list[str]) -> int:
        for frame in frames:
            loads(frame)
        return 0

    return step


def parse_only() -> Callable[[list[str]], int]:
    """Validation alone, to tell the parsing share of (b) from the state's."""

    def step(frames: list[str]) -> int:
        for frame in frames:
            parse_event(frame)
        return 0

    return step


def model_ingest() -> Callable[[list[str]], int]:
    """Parse and apply frames into one fresh live state; each call returns the rejects."""
    apply = State(ZoneInfo(TZ)).apply

    def step(frames: list[str]) -> int:
        rejected = 0
        for frame in frames:
            try:
                apply(parse_event(frame))
            except EventRejected:
                rejected += 1
        return rejected

    return step


class CollectorClock:
    """Seconds spent in the garbage collector while it is installed (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


@dataclass
class Measure:
    """One measurement: a step over chunks of frames, made afresh for each run, timed under a
    collector threshold (``young``: the young generation's; None: CPython's default)."""

    make: Callable[[], Callable[[list[str]], int]]
    young: int | None = None
    best: list[float] = field(default_factory=list)
    best_cpu: list[float] = field(default_factory=list)
    rejected: int = 0
    collecting: float = float("inf")

    @property
    def seconds(self) -> float:
        return sum(self.best)

    @property
    def cpu(self) -> float:
        return sum(self.best_cpu)

    def run_once(self, chunks: list[list[str]]) -> None:
        """Every frame in order (the model's state builds up as in real life); each chunk
        keeps its fastest run, which filters out the time the process spent preempted (on a
        shared machine, otherwise most of what a single run measures)."""
        if not self.best:
            self.best = [float("inf")] * len(chunks)
            self.best_cpu = [float("inf")] * len(chunks)
        step = self.make()
        default = gc.get_threshold()
        gc.collect()
        if self.young is not None:
            gc.set_threshold(self.young, *default[1:])
        clock = CollectorClock()
        gc.callbacks.append(clock)
        rejected = 0
        try:
            for n, chunk in enumerate(chunks):
                started, cpu = time.perf_counter(), time.thread_time()
                rejected += step(chunk)
                self.best[n] = min(self.best[n], time.perf_counter() - started)
                self.best_cpu[n] = min(self.best_cpu[n], time.thread_time() - cpu)
        finally:
            gc.callbacks.remove(clock)
            gc.set_threshold(*default)
        self.rejected = rejected
        self.collecting = min(self.collecting, clock.seconds)


def timed(repeat: int, measures: Sequence[Measure], frames: list[str]) -> None:
    """``repeat`` rounds, each running every measure once over all the frames, in turn."""
    chunks = [frames[i : i + CHUNK] for i in range(0, len(frames), CHUNK)]
    for _ in range(repeat):
        for measure in measures:
            measure.run_once(chunks)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    frames, source = build(args)
    built = time.perf_counter() - started
    count = len(frames)
    print(
        f"frames: {count:,} events of a {args.employees:,}-employee day ({source}), "
        f"built in {built:.1f} s"
    )
    gc.collect()
    gc.freeze()  # the frames: the benchmark's own, out of the collector's way (see above)
    json_m, parse_m = Measure(bare_json), Measure(parse_only)
    model_m, hub_m = Measure(model_ingest), Measure(model_ingest, young=collector.YOUNG)
    timed(args.repeat, (json_m, parse_m, model_m, hub_m), frames)
    print(
        f"{'':34}{'events':>12}{'seconds':>10}{'events/s':>12}{'us/event':>10}"
        f"{'cpu s':>9}{'cpu us/ev':>10}"
    )
    rows = (
        ("(a) json.loads", json_m),
        ("    parse_event alone", parse_m),
        ("(b) parse_event + apply", model_m),
        ("(b) the same, hub's collector", hub_m),
    )
    for label, m in rows:
        rate = count / m.seconds
        print(
            f"{label:34}{count:>12,}{m.seconds:>10.3f}{rate:>12,.0f}{1e6 / rate:>10.2f}"
            f"{m.cpu:>9.3f}{m.cpu / count * 1e6:>10.2f}"
        )
    for label, m in (("default", model_m), ("hub's", hub_m)):
        apply_s = (m.seconds - parse_m.seconds) / count * 1e6
        apply_cpu = (m.cpu - parse_m.cpu) / count * 1e6
        collect_us = m.collecting / count * 1e6
        print(
            f"{'    apply, ' + label + ' collector':34}{'':34}{apply_s:>10.2f}{'':9}"
            f"{apply_cpu:>10.2f}   of which collecting garbage {collect_us:.2f}"
        )
    for label, m in (("default collector", model_m), ("hub's collector", hub_m)):
        print(
            f"ratio (b)/(a), {label}: {json_m.seconds / m.seconds:.2f} wall, "
            f"{json_m.cpu / m.cpu:.2f} CPU time"
        )
    print("targets: ratio >= 0.4, stretch 0.5; (b) >= 100,000 events/s")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average while measuring: {load} on {os.cpu_count()} CPUs")
    if model_m.rejected:
        print(f"warning: the model rejected {model_m.rejected:,} frames of this stream")
    return 0
