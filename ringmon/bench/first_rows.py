"""``python -m ringmon.bench first_rows``: how long the TUI takes from the command to its first
rows on a running hub of ``--employees`` (issue 11 item 13: <= 2.5 s at 10,000, client RSS
<= 150 MB).

A hub (in a process of its own, on loopback) holds a synthetic day (``ringmon.bench.synthetic``)
applied up to 12:00, as the snapshot benchmark's. ``ringmon --url URL --token-file FILE`` is
started in a tmux session of ``--size`` (default 120x40) and its screen read every 20 ms until
a row of the board shows an employee: the time from the command to that screen, then the
client's resident memory (now and at its peak); ringmon's modules are compiled first, as an
installed wheel has them. Each of ``--runs`` starts a fresh client
process on the same hub; the best and the median are printed. Then, to see where a start goes:
the client's imports, timed by ``python -X importtime`` (the packages that took longest), and
the hub's snapshot as the client fetches it (the request alone).

On a shared machine the wall times move with the load, so each start also gives the client's
own CPU seconds up to its first rows (``utime + stime`` from ``/proc/PID/stat``), and the same run
measures baselines the same way, in processes started beside it: ``python -c pass`` and
``python -c "import textual.app"`` (the least a Textual client pays). The ratio of the first rows
to the Textual baseline, in wall and in CPU time, moves far less with the load than the seconds.

``--state FILE`` keeps the built state in FILE (pickle) for the next run: building a
10,000-employee morning takes minutes on a loaded machine.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pickle
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

ROW = re.compile(r"Employee \d{5}")
"""What a board row of a synthetic employee shows (``Employee 00042``)."""
TIMEOUT = 60.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench first_rows",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=10_000, help="default 10000")
    parser.add_argument("--runs", type=int, default=3, help="client starts (default 3)")
    parser.add_argument("--size", default="120x40", help="terminal COLSxROWS (default 120x40)")
    parser.add_argument("--state", help="pickle file keeping the built state between runs")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        parser.error("this benchmark runs the TUI in tmux, which is not installed")
    cols, _, rows = args.size.partition("x")
    if not (cols.isdigit() and rows.isdigit()) or args.runs < 1:
        parser.error("--size is COLSxROWS, e.g. 120x40, and --runs is 1 or more")
    # As an installed wheel has them: the bytecode of ringmon's modules (a source tree run
    # with PYTHONDONTWRITEBYTECODE would compile them again at every start).
    package = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=False)
    ctx = mp.get_context("spawn")
    end, conn = ctx.Pipe()
    hub = ctx.Process(target=_hub_process, args=(conn, args.employees, args.state), daemon=True)
    hub.start()
    try:
        url, token_file, snapshot_s = end.recv()
        print(
            f"hub of {args.employees:,} employees at {url}; "
            f"GET /v1/snapshot as the client's first: {snapshot_s:.3f} s"
        )
        results = []
        bare: list[tuple[float, float]] = []
        textual: list[tuple[float, float]] = []
        for _ in range(args.runs):
            # Interleaved, so that a change of the machine's load falls on all three alike.
            bare.append(_baseline("pass"))
            textual.append(_baseline("import textual.app"))
            results.append(_start_client(url, token_file, cols, rows))
    finally:
        end.send("stop")
        hub.join(30)
    firsts = sorted(r[0] for r in results)
    cpus = sorted(r[3] for r in results)
    rss = max(r[1] for r in results)
    peak = max(r[2] for r in results)
    print(
        f"first rows after the command: best {firsts[0]:.2f} s, median "
        f"{statistics.median(firsts):.2f} s over {len(firsts)} starts (target <= 2.5 s); "
        f"the client's CPU then: best {cpus[0]:.2f} s, median {statistics.median(cpus):.2f} s"
    )
    for name, runs in (("python -c pass", bare), ('python -c "import textual.app"', textual)):
        print(
            f"baseline {name}: median {statistics.median(r[0] for r in runs):.2f} s wall, "
            f"{statistics.median(r[1] for r in runs):.2f} s CPU"
        )
    textual_wall = statistics.median(r[0] for r in textual)
    textual_cpu = statistics.median(r[1] for r in textual)
    print(
        f"ratio first rows / Textual's import (medians): wall "
        f"{statistics.median(firsts) / textual_wall:.2f}, CPU "
        f"{statistics.median(cpus) / textual_cpu:.2f}"
    )
    print(f"client RSS then: {rss:.0f} MB, peak {peak:.0f} MB (target <= 150 MB)")
    print(_imports())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average after measuring: {load} on {os.cpu_count()} CPUs")
    return 0


def _baseline(code: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -c CODE`` (the CPU from the child's rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", code], check=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def _start_client(
    url: str, token_file: str, cols: str, rows: str
) -> tuple[float, float, float, float]:
    """Seconds from the command to the first row on screen; RSS and peak RSS (MB) then; the
    client's CPU seconds then."""
    name = f"ringmon-first-rows-{os.getpid()}"
    ringmon = Path(sys.executable).with_name("ringmon")
    command = f"exec {ringmon} --url {url} --token-file {token_file}"
    with tempfile.TemporaryDirectory(prefix="ringmon-first-rows-") as home:
        env = {
            **os.environ,
            "HOME": home,
            "XDG_CONFIG_HOME": home,
            "XDG_STATE_HOME": home,
            "TERM": "xterm-256color",
        }
        env.pop("TMUX", None)
        started = time.monotonic()
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", cols, "-y", rows, command],
            check=True,
            env=env,
        )
        try:
            pid = _tmux(name, "display-message", "-p", "#{pane_pid}").strip()
            while True:
                elapsed = time.monotonic() - started
                if ROW.search(_tmux(name, "capture-pane", "-p")):
                    break
                if elapsed > TIMEOUT:
                    screen = _tmux(name, "capture-pane", "-p")
                    raise SystemExit(f"no rows after {TIMEOUT:g} s; the screen:\n{screen}")
                time.sleep(0.02)
            rss, peak = _memory(pid)
            cpu = _cpu_seconds(pid)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", name], check=False)
    return elapsed, rss, peak, cpu


def _tmux(name: str, *args: str) -> str:
    return subprocess.run(
        ["tmux", args[0], "-t", name, *args[1:]], capture_output=True, text=True, check=True
    ).stdout


def _cpu_seconds(pid: str) -> float:
    """A process's CPU time so far (user + system), from ``/proc/PID/stat``."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command's name
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15)


def _memory(pid: str) -> tuple[float, float]:
    """VmRSS and VmHWM of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _imports(top: int = 10) -> str:
    """The client's imports (``import ringmon.app``) by ``python -X importtime``: the total,
    and the packages that took longest (each module's own time, summed by top-level name).
    With the cyclic collector held off, as the TUI imports them (``ringmon.collector``):
    else its passes are counted in whichever module was importing."""
    code = "import ringmon.collector as c; c.hold(); import ringmon.app"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    by_package: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        _, own = parts[0].rsplit(":", 1)
        package = parts[2].strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(own)
    total = sum(by_package.values())
    ranked = sorted(by_package.items(), key=lambda item: -item[1])[:top]
    listing = ", ".join(f"{name} {us / 1e6:.2f}" for name, us in ranked)
    return f"client imports (import ringmon.app): {total / 1e6:.2f} s; longest (s): {listing}"


# -- the hub's process -------------------------------------------------------------------


def _hub_process(conn: Connection, employees: int, state_file: str | None) -> None:
    import asyncio

    asyncio.run(_hub_main(conn, employees, state_file))


async def _hub_main(conn: Connection, employees: int, state_file: str | None) -> None:
    import asyncio

    import httpx

    from ringmon.bench.snapshot import TZ, midday
    from ringmon.hub.clock import ManualClock
    from ringmon.hub.server import HubConfig, running_hub
    from ringmon.model.state import State

    state: State | None = None
    if state_file and Path(state_file).exists():
        with open(state_file, "rb") as f:
            state = pickle.load(f)
    if state is None:
        state, _ = midday(employees)
        if state_file:
            with open(state_file, "wb") as f:
                pickle.dump(state, f)
    with tempfile.TemporaryDirectory(prefix="ringmon-bench-first-rows-") as folder:
        config = HubConfig(data=folder, port=0, sources=(), tz=TZ)
        async with running_hub(config, clock=ManualClock(state.clock)) as server:
            hub = server.hub
            hub.state = state  # as if its sources had built it (storage is not asked)
            hub._seq = hub.flushed_seq = state.seq
            assert hub.tokens is not None
            token = hub.tokens.add("bench", "analyst")
            token_file = Path(folder) / "token"
            token_file.write_text(token)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
                await http.get("/v1/whoami")
                started = time.perf_counter()
                (await http.get("/v1/snapshot", timeout=60)).raise_for_status()
                snapshot_s = time.perf_counter() - started
            conn.send((server.url, str(token_file), snapshot_s))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
