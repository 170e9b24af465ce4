"""Running the hub: ``ringmon hub`` and the API the demo and tests start it with.

From Python (what ``ringmon demo`` and the tests use)::

    config = HubConfig(data="/tmp/x", port=0, sources=["sim"], tz="Europe/Warsaw")

    # in a running event loop:
    async with running_hub(config) as server:
        server.url          # "http://127.0.0.1:PORT", bound before the block starts
        server.hub          # the Hub (emit events, make tokens: server.hub.tokens.add(...))

    # from synchronous code (the hub runs in its own thread and loop):
    with HubThread(config) as server:
        server.url

From a shell, ``ringmon hub --port 0`` prints one line ``listening on http://HOST:PORT`` to
stdout (flushed) once it accepts connections; everything else goes to stderr (logging).
SIGINT / SIGTERM stop it gracefully: feed clients get a close frame, pending events are
written, the process exits 0. A bad ``--source``, ``--tz`` or ``--directory`` exits 2 with a
one-line reason.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from ringmon.hub.clock import Clock
from ringmon.hub.core import Hub
from ringmon.hub.intake.directory import DirectoryError, DirectorySource, load
from ringmon.hub.log import LEASE_TTL, STALL_CHECK
from ringmon.hub.serving.fanout import watch_revocations
from ringmon.hub.serving.guards import LimitedConfig
from ringmon.hub.serving.limits import MAX_FUTURE_SKEW, RETENTION_DAYS, Limits
from ringmon.hub.serving.routes import create_app
from ringmon.hub.settings import SettingsError, data_dir, zone
from ringmon.sources import registry
from ringmon.sources.base import Source

log = logging.getLogger("ringmon.hub")


class ConfigError(ValueError):
    """A hub setting that cannot work; the message is for the person who gave it."""


@dataclass
class HubConfig:
    data: str | Path | None = None
    host: str = "127.0.0.1"
    port: int = 8765
    sources: Sequence[str] = ()
    follow: bool = False
    tz: str | None = None
    directory: str | Path | None = None
    retention_days: float = RETENTION_DAYS
    seed: int = 1
    speed: float = 1.0
    employees: int = 40
    backfill_days: int = 7
    heartbeat: float = 2.0
    max_future_skew: float = MAX_FUTURE_SKEW
    limits: Limits = field(default_factory=Limits)
    tls_cert: str | Path | None = None
    tls_key: str | Path | None = None
    log: str | None = None
    """``nats://HOST:PORT[,...]``: the event log on JetStream (hub/log/); None: SQLite."""
    log_replicas: int | None = None
    log_lease_ttl: float = LEASE_TTL
    log_stall_check: float = STALL_CHECK
    """Seconds without a message before the hub checks that its stream consumer has not
    stalled (``LogSettings.stall_check``)."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> HubConfig:
        return cls(
            data=args.data,
            host=args.host,
            port=args.port,
            sources=args.source or [],
            follow=args.follow,
            tz=args.tz,
            directory=args.directory,
            retention_days=args.retention_days,
            seed=args.seed,
            speed=args.speed,
            employees=args.employees,
            backfill_days=args.backfill_days,
            max_future_skew=args.max_future_skew,
            limits=limits_from_args(args),
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            log=args.log,
            log_replicas=args.log_replicas,
        )


def limits_from_args(args: argparse.Namespace) -> Limits:
    """The ``Limits`` of ``ringmon hub``'s options (cli.py names them like the fields)."""
    return Limits(
        header_timeout=args.header_timeout,
        idle_timeout=args.idle_timeout,
        send_timeout=args.send_timeout,
        max_connections=args.max_connections,
        max_header_bytes=args.max_header_bytes,
        ws_ping_interval=args.ws_ping_interval,
        ws_ping_timeout=args.ws_ping_timeout,
        client_queue_bytes=int(args.client_queue_mb * 2**20),
    )


def check_tls(config: HubConfig) -> None:
    """Load the certificate and key once before serving, for a clear error at start."""
    if config.tls_cert is None and config.tls_key is None:
        return
    if config.tls_cert is None or config.tls_key is None:
        raise ConfigError("TLS needs both --tls-cert FILE and --tls-key FILE")
    try:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except FileNotFoundError as exc:
        raise ConfigError(f"TLS: no such file: {exc.filename}") from None
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(
            f"TLS: cannot use the certificate {config.tls_cert} with the key {config.tls_key} "
            f"({exc}); both must be PEM files and the key must match the certificate"
        ) from None


def make_source(spec: str, config: HubConfig) -> Source:
    """A source from a ``--source`` spec, by its scheme (sources/registry.py)."""
    try:
        return registry.make_source(spec, config)
    except registry.SpecError as exc:
        raise ConfigError(str(exc)) from None


def build_hub(
    config: HubConfig, *, clock: Clock | None = None, sources: Sequence[Source] | None = None
) -> tuple[Hub, list[Source], DirectorySource | None]:
    """Check the settings and make the hub and its sources (nothing runs yet)."""
    try:
        tz_name, _ = zone(config.tz)
        folder = data_dir(config.data)
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None
    if config.speed <= 0:
        raise ConfigError("--speed must be positive")
    if config.retention_days <= 0:
        raise ConfigError("--retention-days must be positive")
    if not 0 <= config.max_future_skew < float("inf"):
        raise ConfigError("--max-future-skew must be a number of seconds, 0 or more")
    problems = config.limits.problems()
    if problems:
        raise ConfigError("; ".join(problems))
    check_tls(config)
    if sources is None:
        specs = list(config.sources)
        if len(set(specs)) != len(specs):
            raise ConfigError("the same --source is given twice")
        sources = [make_source(spec, config) for spec in specs]
    hub = Hub(
        folder,
        tz_name=tz_name,
        speed=config.speed,
        clock=clock,
        retention_days=config.retention_days,
        heartbeat=config.heartbeat,
        max_future_skew=config.max_future_skew,
        queue_bytes=config.limits.client_queue_bytes,
    )
    if config.log:
        from ringmon.hub.log import LogSettings, LogUrlError, attach, parse_log_url

        try:
            servers = parse_log_url(config.log)
        except LogUrlError as exc:
            raise ConfigError(str(exc)) from None
        if config.log_replicas is not None and not 1 <= config.log_replicas <= 5:
            raise ConfigError("--log-replicas must be 1 to 5")
        attach(
            hub,
            LogSettings(
                servers,
                replicas=config.log_replicas,
                lease_ttl=config.log_lease_ttl,
                stall_check=config.log_stall_check,
            ),
        )
    directory = None
    if config.directory is not None:
        path = Path(config.directory)
        try:
            load(path)
        except DirectoryError as exc:
            raise ConfigError(str(exc)) from None
        directory = DirectorySource(path, lambda: hub.state)
    return hub, list(sources), directory


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling (whoever runs the hub decides when to stop),
    and that stops as soon as told instead of at its next 0.1 s tick."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.1):
                    await self._exit.wait()

    def stop(self) -> None:
        self.should_exit = True
        self._exit.set()


@dataclass
class HubServer:
    hub: Hub
    host: str
    port: int
    tls: bool = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every reply waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def running_hub(
    config: HubConfig,
    *,
    clock: Clock | None = None,
    sources: Sequence[Source] | None = None,
) -> AsyncIterator[HubServer]:
    """Open the hub, serve it on ``config.host:config.port`` (0: a free port), run its
    sources; on exit stop everything gracefully. Raises ConfigError on bad settings."""
    hub, srcs, directory = build_hub(config, clock=clock, sources=sources)
    await asyncio.to_thread(hub.open)
    sock: socket.socket | None = None
    server_task: asyncio.Task[None] | None = None
    server: _Server | None = None
    revocations: asyncio.Task[None] | None = None
    try:
        sock = _bind(config.host, config.port)
        port = sock.getsockname()[1]
        uv_config = LimitedConfig(
            create_app(hub),
            config.limits,
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=3,
            ssl_certfile=config.tls_cert,
            ssl_keyfile=config.tls_key,
        )
        server = _Server(uv_config)
        await hub.start()
        # Serve first, then start the sources: a source replaying a long backfill must not
        # hold up the moment the hub answers.
        server_task = asyncio.create_task(server.serve(sockets=[sock]), name="hub-http")
        while not server.started:
            if server_task.done():
                server_task.result()
                raise ConfigError("the web server stopped at start")
            await asyncio.sleep(0.005)
        if directory is not None:
            await directory.sync(hub)  # employees and accounts before any source's events
            hub.add_source(directory)
        for source in srcs:
            hub.add_source(source)
        revocations = asyncio.create_task(
            watch_revocations(lambda: hub.tokens, hub.subscribers), name="hub-revocations"
        )
        yield HubServer(hub, config.host, port, tls=config.tls_cert is not None)
    finally:
        cancelled: asyncio.CancelledError | None = None
        if revocations is not None:
            revocations.cancel()
            try:
                # Not ``await revocations``: its CancelledError would hide one meant for us.
                await asyncio.wait({revocations})
            except asyncio.CancelledError as exc:
                cancelled = exc  # ours: stop the rest as well, then pass it on
        hub.close_subscribers()
        if server is not None:
            server.stop()
        if server_task is not None:
            with contextlib.suppress(Exception):
                await server_task
        await hub.stop()
        if sock is not None:
            sock.close()
        if cancelled is not None:
            raise cancelled


class HubThread:
    """A hub served from a thread of its own (its own event loop), for synchronous callers
    such as a Textual app started after it. ``start()`` returns the URL once it listens."""

    def __init__(
        self,
        config: HubConfig,
        *,
        clock: Clock | None = None,
        sources: Sequence[Source] | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._sources = sources
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.server: HubServer | None = None
        self.error: BaseException | None = None

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("the hub is not running")
        return self.server.url

    def start(self, timeout: float = 60.0) -> str:
        self._thread = threading.Thread(target=self._main, name="ringmon-hub", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the hub did not start in time")
        if self.error is not None:
            raise self.error
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> HubThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start()
            self.error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with running_hub(self.config, clock=self._clock, sources=self._sources) as server:
            self.server = server
            self._ready.set()
            await self._stop.wait()
