"""Real ``nats-server`` processes with JetStream on loopback ports: the old test helper, kept
only for tests/hub/test_shared_log.py (changed by another branch this session). Every other
test uses the project's one NATS helper, ``ringmon.bench.nats_cluster`` (``nats_cluster(folder,
1)`` is a single server); move test_shared_log.py to it and delete this file.

    node = start_node(tmp_path / "n1")                      # one server
    await wait_jetstream([node.url])                        # until JetStream answers
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ringmon.bench.nats_cluster import nats_server

NATS_SERVER = nats_server()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class NatsNode:
    name: str
    folder: Path
    port: int
    cluster_port: int | None = None
    routes: list[int] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        assert NATS_SERVER is not None
        cmd = [NATS_SERVER, "-js", "-sd", str(self.folder / "js"), "-a", "127.0.0.1"]
        cmd += ["-p", str(self.port), "-n", self.name]
        if self.cluster_port is not None:
            cmd += ["--cluster", f"nats://127.0.0.1:{self.cluster_port}"]
            cmd += ["--cluster_name", "ringmon-test"]
            routes = ",".join(f"nats://127.0.0.1:{p}" for p in self.routes)
            if routes:
                cmd += ["--routes", routes]
        return cmd

    def start(self) -> NatsNode:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = (self.folder / "server.log").open("ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until it accepts connections
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server {self.name} exited: see {self.folder}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"nats-server {self.name} did not listen on {self.port}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> NatsNode:
        self.kill()
        return self.start()


def start_node(folder: Path) -> NatsNode:
    return NatsNode("n1", folder, free_port()).start()


async def wait_jetstream(urls: list[str], timeout: float = 90.0) -> None:
    """Until JetStream answers (a cluster: once its meta leader is elected)."""
    import nats

    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            nc = await nats.connect(urls, connect_timeout=2, max_reconnect_attempts=0)
        except Exception as exc:
            last = exc
        else:
            try:
                await nc.jetstream(timeout=2).account_info()
                return
            except Exception as exc:
                last = exc
            finally:
                await nc.close()
        await asyncio.sleep(0.25)
    raise TimeoutError(f"JetStream at {urls} not ready in {timeout} s: {last!r}")
