"""Stalled feed clients (issue 9 item 9): ``--clients`` WebSocket clients that never read while
``--events`` events flow through a ``ringmon hub`` process; prints the hub's memory (RSS)
before, at its peak, once every event is stored, and ``--settle`` s later, and how many of the
stalled clients the hub still holds. Target: at most 50 MB added for 100 clients and 60,000
events, and the stalled clients let go (resync or close) instead of held.

The events come from a ``file:`` source the benchmark appends to (``--follow``), so the hub
is a separate process measured from outside. ``--hub-code DIR`` runs the hub from another
copy of the ``ringmon`` package (e.g. ``git archive OLD ringmon | tar -x -C DIR``) to measure
the code before a change in the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

MB = 2**20


@dataclass
class Figures:
    before: float
    peak: float
    stored: float
    settled: float
    held: int
    clients: int
    events: int

    @property
    def added(self) -> float:
        return max(self.peak, self.settled) - self.before


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ringmon.bench stalled",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=100, help="default 100")
    parser.add_argument("--events", type=int, default=60_000, help="default 60000")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds after (default 15)")
    parser.add_argument("--hub-code", help="a folder holding another copy of ringmon/")
    args = parser.parse_args(argv)
    figures = run(args.clients, args.events, args.settle, args.hub_code)
    print(
        f"stalled clients: {figures.clients} clients that never read, {figures.events} events\n"
        f"  hub RSS: {figures.before / MB:.0f} MB before, peak {figures.peak / MB:.0f} MB, "
        f"{figures.stored / MB:.0f} MB once stored, {figures.settled / MB:.0f} MB "
        f"{args.settle:g} s later: {figures.added / MB:+.0f} MB (target <= +50 MB)\n"
        f"  stalled clients still held by the hub: {figures.held} of {figures.clients}"
    )
    return 0


def run(
    clients: int,
    events: int,
    settle: float,
    hub_code: str | None = None,
    hub_options: Sequence[str] = (),
    release_wait: float = 0.0,
) -> Figures:
    """The figures of one run; ``hub_options`` go to ``ringmon hub``; ``release_wait``: how long
    to wait at the end for the hub to let every stalled client go (0: just count them)."""
    with tempfile.TemporaryDirectory(prefix="ringmon-stalled-") as folder:
        data = Path(folder) / "data"
        source = Path(folder) / "events.jsonl"
        people = 50
        now = _iso(time.time())
        setup = [
            {"type": "employee.upsert", "ts": now, "id": f"e{i}", "name": f"P {i}"}
            for i in range(people)
        ] + [
            {"type": "account.upsert", "ts": now, "login": f"a{i}", "employee": f"e{i}"}
            for i in range(people)
        ]
        source.write_text("".join(json.dumps(e) + "\n" for e in setup))
        env = dict(os.environ)
        if hub_code:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [hub_code, env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "ringmon"]
        follow = ["--source", f"file:{source}", "--follow"]
        token = subprocess.run(
            [*command, "token", "add", "bench", "--role", "analyst", "--data", str(data)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.split()[0]
        hub = subprocess.Popen(
            [
                *command,
                "hub",
                "--data",
                str(data),
                "--port",
                "0",
                "--tz",
                "UTC",
                *follow,
                *list(hub_options),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        try:
            assert hub.stdout is not None
            url = hub.stdout.readline().strip().removeprefix("listening on ")
            port = int(url.rsplit(":", 1)[1])
            proc = psutil.Process(hub.pid)
            _wait_seq(port, token, len(setup))
            socks = [_stalled_client(port, token) for _ in range(clients)]
            _wait_clients(port, token, clients)
            before = proc.memory_info().rss
            peak = before
            total = len(setup) + events
            written = 0
            with source.open("a") as out:
                while written < events:
                    chunk = min(2000, events - written)
                    ts = _iso(time.time())
                    for n in range(written, written + chunk):
                        status = ("online", "offline")[(n // people) % 2]
                        line = {
                            "type": "device.status",
                            "ts": ts,
                            "account": f"a{n % people}",
                            "device": "d",
                            "user_agent": "bench",
                            "status": status,
                        }
                        out.write(json.dumps(line) + "\n")
                    out.flush()
                    written += chunk
                    peak = max(peak, proc.memory_info().rss)
                    time.sleep(0.05)  # a steady flow, not one burst
            deadline = time.monotonic() + 600
            while _health(port, token)["seq"] < total:
                assert time.monotonic() < deadline, "the hub never stored every event"
                peak = max(peak, proc.memory_info().rss)
                time.sleep(0.2)
            stored = proc.memory_info().rss
            end = time.monotonic() + settle
            while time.monotonic() < end:
                peak = max(peak, proc.memory_info().rss)
                time.sleep(0.2)
            settled = proc.memory_info().rss
            held = _health(port, token)["clients"]
            end = time.monotonic() + release_wait
            while held and time.monotonic() < end:
                time.sleep(0.1)
                held = _health(port, token)["clients"]
            for sock in socks:
                sock.close()
            return Figures(before, peak, stored, settled, held, clients, events)
        finally:
            hub.terminate()
            hub.wait(30)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def _request(port: int, token: str, path: str) -> dict[str, int]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    result: dict[str, int] = json.loads(data.split(b"\r\n\r\n", 1)[1])
    return result


def _health(port: int, token: str) -> dict[str, int]:
    return _request(port, token, "/v1/health")


def _wait_seq(port: int, token: str, seq: int) -> None:
    deadline = time.monotonic() + 60
    while _health(port, token)["seq"] < seq:
        assert time.monotonic() < deadline, f"the hub never reached seq {seq}"
        time.sleep(0.05)


def _wait_clients(port: int, token: str, clients: int) -> None:
    """Until the hub holds all ``clients`` at once. A stalled client is let go by the hub's
    pings (``--ws-ping-interval`` + ``--ws-ping-timeout`` after it connected) and does not come
    back, so a count that falls means this can never happen: say so at once."""
    deadline = time.monotonic() + 60
    most = 0
    while (held := _health(port, token)["clients"]) < clients:
        assert held >= most, (
            f"the hub let stalled clients go ({held} held after {most}) before all {clients} "
            "connected: its ping interval is shorter than connecting them took"
        )
        most = held
        assert time.monotonic() < deadline, "the clients never connected"
        time.sleep(0.05)


def _stalled_client(port: int, token: str) -> socket.socket:
    """A feed connection that reads nothing after the handshake, asking for compression as
    the websockets library does."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        (
            "GET /v1/feed HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            # What the websockets library asks for by default (the hub may decline it).
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, "the hub refused the feed"
        head += chunk
    assert b" 101 " in head, head
    return sock
