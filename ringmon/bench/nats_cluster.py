"""A throwaway 3-node NATS JetStream cluster on loopback, for the cluster e2e test,
``python -m ringmon.bench cluster`` and the tests of the shared log (the project's one NATS
helper; ``size=1`` is a single plain JetStream server, no cluster).

Each node is a real ``nats-server`` process (Debian's package, 2.9): ``-js -sd DIR`` (its own
store under the given folder), ``--cluster nats://127.0.0.1:P --routes`` to the two others,
``--cluster_name ringmon``, ``-n nodeN``, and a monitoring port (``-m``) whose ``/healthz``
says when JetStream is ready: the node reached the meta leader and its streams are current.
Every wait polls that (or a condition given) with a deadline: a leader election takes
seconds on a loaded machine, and a fixed sleep is either too short or too long.

A node can be killed (SIGKILL, as a crash) and started again on the same ports and store.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLUSTER_NAME = "ringmon"
SEARCH = ("/usr/sbin/nats-server", "/usr/bin/nats-server")
"""Where Debian's package puts it (``.ci/run`` installs it); else ``nats-server`` on PATH."""
READY_SECONDS = 60.0


class ClusterError(Exception):
    """The cluster cannot start or does not become ready; the message says why."""


def nats_server() -> str | None:
    """The ``nats-server`` program, or None when it is not installed."""
    for path in SEARCH:
        if Path(path).is_file():
            return path
    return shutil.which("nats-server")


def _free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports nobody listens on now (bound together, then freed)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


@dataclass
class Node:
    name: str
    port: int  # clients
    cluster_port: int  # routes
    http_port: int  # monitoring
    store: Path
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


@dataclass
class NatsCluster:
    """Three nodes (or ``size``) under ``folder``; start with ``async with``."""

    folder: Path
    size: int = 3
    program: str | None = None
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        program = self.program or nats_server()
        if program is None:
            raise ClusterError("nats-server is not installed (Debian: apt-get install nats-server)")
        self.program = program
        ports = _free_ports(3 * self.size)
        for i in range(self.size):
            store = self.folder / f"node{i + 1}"
            store.mkdir(parents=True, exist_ok=True)
            self.nodes.append(
                Node(
                    f"node{i + 1}",
                    ports[3 * i],
                    ports[3 * i + 1],
                    ports[3 * i + 2],
                    store,
                    self.folder / f"node{i + 1}.log",
                )
            )

    @property
    def urls(self) -> list[str]:
        """Every node's client URL (``nats://127.0.0.1:P``)."""
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """All of them as ``ringmon hub --log`` takes them: ``nats://A,nats://B,...``."""
        return ",".join(self.urls)

    async def __aenter__(self) -> NatsCluster:
        try:
            for i in range(self.size):
                await self.start(i, wait=False)
            await self.ready()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _args(self, node: Node) -> list[str]:
        routes = ",".join(
            f"nats://127.0.0.1:{other.cluster_port}" for other in self.nodes if other is not node
        )
        assert self.program is not None
        clustered = [
            "--cluster",
            f"nats://127.0.0.1:{node.cluster_port}",
            "--cluster_name",
            CLUSTER_NAME,
            "--routes",
            routes,
        ]
        return [
            self.program,
            "-a",
            "127.0.0.1",
            "-p",
            str(node.port),
            "-m",
            str(node.http_port),
            "-n",
            node.name,
            "-js",
            "-sd",
            str(node.store),
            *(clustered if self.size > 1 else []),  # one node: a plain JetStream server
            "-l",
            str(node.log),
        ]

    async def start(self, index: int, *, wait: bool = True) -> None:
        """Start node ``index`` (again, after a kill: same ports, same store); ``wait``:
        until it says JetStream is ready."""
        node = self.nodes[index]
        if node.running:
            return
        node.process = await asyncio.create_subprocess_exec(
            *self._args(node),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        if wait:
            await self.ready(only=[index])

    async def kill(self, index: int) -> None:
        """SIGKILL node ``index`` (a crash: nothing flushed, no goodbye to its routes)."""
        node = self.nodes[index]
        if node.process is not None and node.process.returncode is None:
            node.process.send_signal(signal.SIGKILL)
            await node.process.wait()

    async def stop(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL after 10 s)."""
        for node in self.nodes:
            process = node.process
            if process is None or process.returncode is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()

    async def healthy(self, index: int) -> str | None:
        """None when node ``index`` says JetStream is ready (``/healthz``: it reached the meta
        leader and its streams are current), else why not."""
        node = self.nodes[index]
        if not node.running:
            return f"{node.name} is not running"
        try:
            async with httpx.AsyncClient(timeout=2.0) as http:
                answer = await http.get(f"http://127.0.0.1:{node.http_port}/healthz")
        except httpx.HTTPError as exc:
            return f"{node.name}: {exc!r}"
        if answer.status_code == 200:
            return None
        return f"{node.name}: {answer.status_code} {answer.text.strip()[:200]}"

    async def meta_leader(self) -> str | None:
        """The name of the JetStream meta leader as a running node sees it, or None."""
        for node in self.nodes:
            if not node.running:
                continue
            try:
                async with httpx.AsyncClient(timeout=2.0) as http:
                    answer = await http.get(f"http://127.0.0.1:{node.http_port}/jsz")
                leader = answer.json().get("meta_cluster", {}).get("leader")
            except (httpx.HTTPError, ValueError):
                continue
            if isinstance(leader, str) and leader:
                return leader
        return None

    async def ready(self, only: list[int] | None = None, timeout: float = READY_SECONDS) -> None:
        """Wait until every running node (or those of ``only``) is healthy and there is a meta
        leader; ``ClusterError`` with what was last seen after ``timeout`` seconds."""
        indexes = only if only is not None else [i for i, n in enumerate(self.nodes) if n.running]
        deadline = time.monotonic() + timeout
        while True:
            problems = [p for p in [await self.healthy(i) for i in indexes] if p is not None]
            if not problems and (self.size == 1 or await self.meta_leader() is not None):
                return
            for i in indexes:
                process = self.nodes[i].process
                if process is not None and process.returncode is not None:
                    raise ClusterError(
                        f"{self.nodes[i].name} exited ({process.returncode}): {self.tail(i)}"
                    )
            if time.monotonic() > deadline:
                why = "; ".join(problems) or "no meta leader"
                raise ClusterError(f"JetStream not ready after {timeout:.0f} s: {why}")
            await asyncio.sleep(0.1)

    def tail(self, index: int, lines: int = 15) -> str:
        """The end of node ``index``'s log, for an error message."""
        with contextlib.suppress(OSError):
            return "\n".join(self.nodes[index].log.read_text().splitlines()[-lines:])
        return "(no log)"


@contextlib.asynccontextmanager
async def nats_cluster(folder: Path, size: int = 3) -> AsyncIterator[NatsCluster]:
    """A running cluster of ``size`` nodes under ``folder`` (1: a single server), stopped on
    exit."""
    async with NatsCluster(folder, size) as cluster:
        yield cluster
