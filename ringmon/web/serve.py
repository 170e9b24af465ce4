"""``ringmon web [--host H] [--port P] [--max-sessions N] [--public-url U]``: run the server.

The command each browser tab runs is this Python's ``-m ringmon`` on the same hub, with the same
``--tz``/``--wall``/``--ca``; never a token (see ``ringmon.web.session``).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys

from ringmon.config import NO_HUB_URL, ConfigError, load_settings
from ringmon.web.session import TOKEN_VARIABLES


def session_command(
    url: str, tz: str | None, wall: bool, ca: str | None = None, mask_numbers: bool = True
) -> str:
    """The shell command textual-serve runs for each browser tab (callers' numbers masked
    unless ``ringmon web --no-mask-numbers``: a browser is a screen others may see)."""
    argv = [sys.executable, "-m", "ringmon", "--url", url]
    argv.append("--mask-numbers" if mask_numbers else "--no-mask-numbers")
    if ca:
        argv += ["--ca", ca]
    if tz:
        argv += ["--tz", tz]
    if wall:
        argv.append("--wall")
    return shlex.join(argv)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_web(args: argparse.Namespace) -> int:
    if args.max_sessions < 1:
        print("ringmon web: --max-sessions must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = load_settings({"url": args.url, "tz": args.tz})
    except ConfigError as exc:
        print(f"ringmon web: {exc}", file=sys.stderr)
        return 2
    if settings.url is None:
        print(f"ringmon web: {NO_HUB_URL}", file=sys.stderr)
        return 2
    if args.token_file:
        print(
            "ringmon web: --token-file is not used: each browser session signs in with its own "
            "token.",
            file=sys.stderr,
        )
    # Nothing of the server's may sign a browser in: not even by accident of inheritance.
    for name in TOKEN_VARIABLES:
        os.environ.pop(name, None)
    if not is_loopback(args.host):
        print(
            f"ringmon web: listening on {args.host}, beyond this machine. The page and the "
            "tokens people type travel as plain HTTP: put it behind a TLS proxy "
            "(see docs/web.md).",
            file=sys.stderr,
        )
    from ringmon.web.server import WebServer

    server = WebServer(
        session_command(
            settings.url,
            args.tz,
            args.wall,
            args.ca,
            mask_numbers=args.mask_numbers is not False,
        ),
        host=args.host,
        port=args.port,
        max_sessions=args.max_sessions,
        public_url=args.public_url,
    )
    try:
        server.serve(announce=lambda line: print(line, flush=True))
    except OSError as exc:
        print(f"ringmon web: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
