"""``ringmon demo``: a real hub with the simulator as a child process, and the TUI on it.

The demo takes the real path (design.md, fixed): the hub runs as ``python -m ringmon hub`` on
a loopback port with its data in a temporary folder (or ``--data``), an analyst token is made
for the occasion in that folder, and the TUI follows the hub over HTTP and WebSocket like any
client. The token is handed to the TUI in-process, never on a command line. Whatever ends the
demo (``q``, Ctrl-C, SIGTERM, SIGINT, SIGHUP), the hub is stopped and the temporary data
removed, after a signal within 2 s (``ringmon.exit_signals``); on Linux the hub is also told to
stop if this process dies without cleaning up. Without a terminal it says so and exits 2 before
starting anything.

Heavy imports (httpx, asyncio, Textual) wait until the hub's process has been started, so that
its start-up overlaps ours.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from ringmon.logs import configure_logging

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 15.0
STDERR_TAIL_LINES = 20


class DemoError(Exception):
    """The demo cannot start; the message says why."""


def free_port(host: str = "127.0.0.1", port: int = 0) -> int:
    """``port`` if nobody listens on it, or any free port for 0 (bind, read it, close).
    Raises ``DemoError`` when ``port`` is taken: another hub there would answer for ours."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise DemoError(f"cannot use port {port}: {exc.strerror}") from None
        bound: int = sock.getsockname()[1]
        return bound


DEMO_TOKEN = re.compile(r"demo-(\d+)-\d+")
"""The name of the analyst token a demo makes for its TUI (revoked when the demo ends)."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_token(data: Path) -> tuple[str, str]:
    """A fresh analyst token in the hub's token store of ``data``: (name, secret). Tokens left
    behind by demos that were killed before they could revoke theirs are revoked first."""
    from ringmon.hub.serving.tokens import TokenStore
    from ringmon.hub.settings import data_dir

    store = TokenStore(data_dir(data))
    try:
        for info in store.list():
            match = DEMO_TOKEN.fullmatch(info.name)
            if match and not _pid_alive(int(match.group(1))):
                store.revoke(info.name)
        name = f"demo-{os.getpid()}-{time.time_ns()}"
        return name, store.add(name, "analyst")
    finally:
        store.close()


def revoke_token(data: Path, name: str) -> None:
    """Revoke the demo's token (the demo is over: nobody may use it any more)."""
    from ringmon.hub.serving.tokens import TokenStore

    try:
        store = TokenStore(data)
    except Exception as exc:  # the folder may be gone (a temporary one, removed)
        log.warning("could not revoke the demo's token %s: %s", name, exc)
        return
    try:
        store.revoke(name)
    finally:
        store.close()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """Linux: the hub gets SIGTERM if the demo dies without stopping it (e.g. SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def hub_command(args: argparse.Namespace, port: int, data: Path) -> list[str]:
    command = [sys.executable, "-m", "ringmon", "hub", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--data", str(data), "--source", "sim"]
    command += ["--seed", str(args.seed), "--speed", str(args.speed)]
    command += ["--employees", str(args.employees), "--backfill-days", str(args.backfill_days)]
    if args.tz:
        command += ["--tz", args.tz]
    return command


def start_hub(command: list[str], output: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # our terminal's Ctrl-C and SIGHUP are ours to pass on
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )


def stop_hub(child: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _tail(output: IO[bytes], lines: int = STDERR_TAIL_LINES) -> str:
    output.flush()
    output.seek(0)
    text = output.read().decode("utf-8", "replace").rstrip()
    return "\n".join(text.splitlines()[-lines:])


async def wait_healthy(
    url: str, child: subprocess.Popen[bytes], output: IO[bytes], timeout: float = HEALTH_TIMEOUT
) -> float:
    """Poll ``GET /v1/health`` until the hub answers; seconds waited. Raises ``DemoError``
    naming the reason (and the hub's output) if it dies or does not answer in time."""
    import asyncio

    import httpx

    started = time.monotonic()
    # Loopback http: no TLS context to build (it costs ~0.1 s).
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(1.0), verify=False) as http:
        while True:
            code = child.poll()
            if code is not None:
                raise DemoError(
                    f"the hub stopped (exit code {code}) before it was ready:\n{_tail(output)}"
                )
            try:
                response = await http.get("/v1/health")
                if response.status_code == 200:
                    waited = time.monotonic() - started
                    log.info("hub ready after %.2f s", waited)
                    return waited
            except httpx.TransportError:
                pass
            if time.monotonic() - started > timeout:
                raise DemoError(
                    f"the hub did not answer {url}/v1/health within {timeout:.0f} s:\n"
                    f"{_tail(output)}"
                )
            await asyncio.sleep(0.05)


def _kill_hub(child: subprocess.Popen[bytes]) -> None:
    """The last resort when the exit deadline passes: no waiting for the hub."""
    if child.poll() is None:
        child.kill()


def run_demo(args: argparse.Namespace) -> int:
    """Start the hub, run the TUI on it (it waits for the hub), then stop everything.

    For a quick first screen the work overlaps: the hub starts first, the token is made while
    it imports, and the TUI comes up at once, showing "connecting" until the hub answers."""
    from ringmon.exit_signals import ExitSignals
    from ringmon.terminal import missing_terminal

    if getattr(args, "at", None):  # a time ringmon cannot read stops it before a hub starts
        from ringmon.replay.moment import MomentError, parse_at

        try:
            parse_at(args.at, None)
        except MomentError as exc:
            print(f"ringmon demo: {exc}", file=sys.stderr)
            return 2
    no_terminal = missing_terminal()
    if no_terminal is not None:
        print(f"ringmon demo: {no_terminal}", file=sys.stderr)
        return 2
    configure_logging()
    log.info("demo starting")
    with contextlib.ExitStack() as stack:
        # Until the TUI runs, a signal unwinds this block (and so cleans up); whatever
        # happens, the process ends within the deadline (see ringmon.exit_signals).
        signals = stack.enter_context(ExitSignals())
        if args.data:
            data = Path(args.data).expanduser()
            data.mkdir(parents=True, exist_ok=True, mode=0o700)
        else:
            data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ringmon-demo-")))
            signals.last_resort(lambda: shutil.rmtree(data, ignore_errors=True))
        try:
            port = free_port(port=args.port or 0)
        except DemoError as exc:
            print(f"ringmon demo: {exc}", file=sys.stderr)
            return 2
        url = f"http://127.0.0.1:{port}"
        hub_output = stack.enter_context(tempfile.TemporaryFile(prefix="ringmon-hub-"))
        child = start_hub(hub_command(args, port, data), hub_output)
        stack.callback(stop_hub, child)
        signals.last_resort(lambda: _kill_hub(child))
        log.info("hub started: pid %d, %s", child.pid, url)
        try:
            # The hub looks tokens up per request, so one made now is known by its first.
            token_name, token = make_token(data)
        except Exception as exc:  # the token store's own errors carry a sentence
            print(f"ringmon demo: cannot make a token in {data}: {exc}", file=sys.stderr)
            return 2
        if args.data:  # a temporary folder goes away with its tokens
            stack.callback(revoke_token, data, token_name)
        log.info("token made")
        from ringmon.app import run_tui

        tui_args = argparse.Namespace(
            url=url,
            tz=args.tz,
            wall=args.wall,
            token_file=None,
            mask_numbers=getattr(args, "mask_numbers", None),
            at=getattr(args, "at", None),
            view=getattr(args, "view", None),
        )
        return run_tui(
            tui_args,
            token=token,
            ready=lambda: wait_healthy(url, child, hub_output),
            signals=signals,
        )
    return 0  # pragma: no cover - unreachable; keeps type checkers content
