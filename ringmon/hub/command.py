"""``ringmon hub``: the command line around server.py (arguments, signals, the line that says
where the hub listens)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable

from ringmon.collector import set_for_hub
from ringmon.hub.server import ConfigError, HubConfig, HubServer, running_hub

log = logging.getLogger("ringmon.hub")


async def serve_until_signal(
    config: HubConfig, on_ready: Callable[[HubServer], None] | None = None
) -> None:
    """Serve until SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with running_hub(config) as server:
        if on_ready is not None:
            on_ready(server)
        await stop.wait()
        log.info("stopping")


def _announce(server: HubServer) -> None:
    print(f"listening on {server.url}", flush=True)


def run_hub(args: argparse.Namespace, explicit: set[str] | None = None) -> int:
    """``ringmon hub``: 0 after a clean stop, 2 on bad settings, 1 on a failure.

    With ``--config FILE`` the file's settings apply where the command line (``explicit``:
    the options given on it) did not give the option."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.config:
        from ringmon.hub.config_file import HubSettings, apply_config_file
        from ringmon.settings_file import ConfigFileError

        try:
            settings = HubSettings.load(args.config)
            args = apply_config_file(args, settings, explicit or set(), args.config)
        except ConfigFileError as exc:
            print(f"ringmon hub: {exc}", file=sys.stderr)
            return 2
    config = HubConfig.from_args(args)
    set_for_hub()  # this process is the hub: its collector set for the event rate
    try:
        asyncio.run(serve_until_signal(config, _announce))
    except ConfigError as exc:
        print(f"ringmon hub: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        log.exception("the hub failed")
        print(f"ringmon hub: failed: {exc}", file=sys.stderr)
        return 1
    return 0
