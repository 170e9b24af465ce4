"""Entry points: ``ringmon`` (the TUI), ``ringmon demo``, ``ringmon hub``, ``ringmon token``,
``ringmon export``, ``ringmon web``, ``ringmon asterisk replay``.

Argument parsing only: each command lives with the idea it belongs to and is imported when
run, so ``ringmon --help`` stays fast and the hub never imports Textual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DEFAULT_PORT = 8765
DEFAULT_WEB_PORT = 8766
DEFAULT_MAX_SESSIONS = 8
"""Each browser session is one TUI process (some 60-100 MB): 8 fit a small server."""


def _add_tui_options(parser: argparse.ArgumentParser, *, subcommand: bool = False) -> None:
    """The TUI's options; on a subcommand they have no default of their own (SUPPRESS), so
    that ``ringmon --wall demo`` keeps the value given before the subcommand."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if subcommand else value

    parser.add_argument(
        "--wall", action="store_true", default=default(False), help="read-only wall-screen mode"
    )
    parser.add_argument(
        "--mask-numbers",
        action=argparse.BooleanOptionalAction,
        default=default(None),
        help="mask callers' numbers, +48 601 *** *00 (default: on with --wall and in ringmon web)",
    )
    parser.add_argument(
        "--tz",
        default=default(None),
        help="the call center's IANA time zone (default: the hub's)",
    )
    parser.add_argument(
        "--view",
        metavar="NAME",
        default=default(None),
        help="open the board with the config file's saved view [views.NAME] (also with --wall)",
    )


def _add_at_option(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument(
        "--at",
        metavar="TIME",
        default=default,
        help=(
            'open the board as it was then: "2026-11-30 14:05" (local time, or --tz), '
            '"14:05" today, or ISO with an offset (docs/replay.md)'
        ),
    )


def _add_client_options(parser: argparse.ArgumentParser, *, subcommand: bool = False) -> None:
    """How to reach a hub; on a subcommand without a default of their own (as the TUI's)."""
    unset = argparse.SUPPRESS if subcommand else None
    parser.add_argument(
        "--url",
        default=unset,
        help="hub URL, e.g. http://127.0.0.1:8765; hubs on one log: URL1,URL2, tried in turn "
        "(env RINGMON_URL)",
    )
    parser.add_argument(
        "--token-file",
        default=unset,
        help="file holding the access token (else env RINGMON_TOKEN); never pass a token in argv",
    )
    parser.add_argument(
        "--ca",
        default=unset,
        metavar="FILE",
        help="PEM file of the CA that signed an https hub's certificate (env RINGMON_CA)",
    )


def _add_hub_limits(parser: argparse.ArgumentParser) -> None:
    from ringmon.hub.serving.limits import Limits

    d = Limits()
    tls = parser.add_argument_group("TLS (https and wss; docs/feed-protocol.md)")
    tls.add_argument("--tls-cert", metavar="FILE", help="PEM certificate (chain) to serve")
    tls.add_argument("--tls-key", metavar="FILE", help="PEM private key of --tls-cert")
    lim = parser.add_argument_group("limits and timeouts (docs/feed-protocol.md)")
    lim.add_argument(
        "--header-timeout",
        type=float,
        default=d.header_timeout,
        metavar="S",
        help=f"a request's headers must arrive within S s (default {d.header_timeout:g})",
    )
    lim.add_argument(
        "--idle-timeout",
        type=float,
        default=d.idle_timeout,
        metavar="S",
        help=f"close an idle HTTP connection after S s (default {d.idle_timeout:g})",
    )
    lim.add_argument(
        "--send-timeout",
        type=float,
        default=d.send_timeout,
        metavar="S",
        help=f"drop a client that reads nothing for S s (default {d.send_timeout:g})",
    )
    lim.add_argument(
        "--max-connections",
        type=int,
        default=d.max_connections,
        metavar="N",
        help=f"connections held at once (default {d.max_connections})",
    )
    lim.add_argument(
        "--max-header-bytes",
        type=int,
        default=d.max_header_bytes,
        metavar="B",
        help=f"request line and headers (default {d.max_header_bytes})",
    )
    lim.add_argument(
        "--ws-ping-interval",
        type=float,
        default=d.ws_ping_interval,
        metavar="S",
        help=f"ping feed clients every S s (default {d.ws_ping_interval:g})",
    )
    lim.add_argument(
        "--ws-ping-timeout",
        type=float,
        default=d.ws_ping_timeout,
        metavar="S",
        help=f"drop a feed client whose pong is S s late (default {d.ws_ping_timeout:g})",
    )
    lim.add_argument(
        "--client-queue-mb",
        type=float,
        default=d.client_queue_bytes / 2**20,
        metavar="MB",
        help=(
            "live events queued for one feed client before it is told to resync "
            f"(default {d.client_queue_bytes / 2**20:g})"
        ),
    )


def _add_sim_options(parser: argparse.ArgumentParser) -> None:
    sim = parser.add_argument_group("simulator (source sim)")
    sim.add_argument("--seed", type=int, default=1, help="simulator seed (default 1)")
    sim.add_argument("--speed", type=float, default=1.0, help="N x real time (default 1)")
    sim.add_argument("--employees", type=int, default=40, help="how many (default 40)")
    sim.add_argument(
        "--backfill-days", type=int, default=7, help="past days written at start (default 7)"
    )


def package_version() -> str:
    """The installed distribution's version (its metadata), as ``ringmon --version`` says it."""
    try:
        return version("ringmon")
    except PackageNotFoundError:
        return "unknown (not installed: run from a source tree)"


def shipped_folder(name: str) -> Path:
    """Where ``docs/`` or ``contrib/`` (which the help mentions) is on this machine: installed
    beside the package by the wheel (``<prefix>/share/doc/ringmon``,
    ``<prefix>/share/ringmon/contrib``) or, in a source tree, the tree's own folder."""
    installed = {"docs": ("share", "doc", "ringmon"), "contrib": ("share", "ringmon", "contrib")}
    path = Path(sys.prefix, *installed[name])
    return path if path.is_dir() else Path(__file__).resolve().parent.parent / name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ringmon",
        description="Live terminal monitor of call-center employees' telephony presence.",
        epilog=(
            f"docs/ is {shipped_folder('docs')}; "
            f"contrib/ (sample Asterisk and Kamailio configurations) is {shipped_folder('contrib')}"
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    _add_client_options(parser)
    _add_tui_options(parser)
    _add_at_option(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="a hub with the simulator, and the TUI on it")
    demo.add_argument("--data", help="data folder (default: a temporary one)")
    demo.add_argument("--port", type=int, default=0, help="hub port (default: a free one)")
    # Given after ``demo`` or before it: the subcommand's own default must not hide the other.
    _add_tui_options(demo, subcommand=True)
    _add_at_option(demo, default=argparse.SUPPRESS)
    _add_sim_options(demo)

    hub = commands.add_parser("hub", help="run the hub: record sources, serve REST + WebSocket")
    hub.add_argument(
        "--config",
        metavar="FILE",
        help="TOML file with these options (docs/deploy.md); options given here override it",
    )
    hub.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: all)",
    )
    hub.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s; 0: a free one)"
    )
    hub.add_argument("--data", help="data folder (default: the user data dir)")
    hub.add_argument(
        "--source",
        action="append",
        metavar="SPEC",
        help=(
            "sim, file:PATH, asterisk:ari=URL|off,ami=HOST:PORT, kamailio:HOST:PORT, "
            "freeswitch:HOST:PORT; repeatable (docs/sources/). Default: none (the push API "
            "is always there); the simulator runs only with --source sim"
        ),
    )
    hub.add_argument("--follow", action="store_true", help="keep reading file: sources")
    hub.add_argument("--tz", help="the call center's IANA time zone (default: the machine's)")
    hub.add_argument("--directory", help="TOML or CSV file: employees, departments, accounts")
    from ringmon.hub.serving.limits import MAX_FUTURE_SKEW, RETENTION_DAYS

    hub.add_argument(
        "--retention-days",
        type=int,
        default=RETENTION_DAYS,
        help=f"days of events kept (default {RETENTION_DAYS})",
    )
    hub.add_argument(
        "--max-future-skew",
        type=float,
        default=MAX_FUTURE_SKEW,
        metavar="SECONDS",
        help="refuse events dated further ahead of the hub's clock as 'future' "
        f"(default {MAX_FUTURE_SKEW:g})",
    )
    hub.add_argument(
        "--log",
        metavar="nats://HOST:PORT[,HOST:PORT...]",
        help="keep the event log in a NATS JetStream stream shared by several hubs "
        "(docs/scale-out.md); default: the hub's own SQLite file",
    )
    hub.add_argument(
        "--log-replicas",
        type=int,
        metavar="N",
        help="copies of the shared log (default: 3 when NATS has 3 servers or more, else 1)",
    )
    _add_hub_limits(hub)
    _add_sim_options(hub)

    token = commands.add_parser("token", help="manage access tokens of a hub")
    token_cmds = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    add = token_cmds.add_parser("add", help="make a token; it is printed once")
    add.add_argument("name")
    add.add_argument(
        "--role", required=True, choices=["administrator", "analyst", "employee", "source"]
    )
    token_cmds.add_parser("list", help="list tokens (names and roles, never the secrets)")
    revoke = token_cmds.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    for sub in (add, token_cmds.choices["list"], revoke):
        sub.add_argument("--data", help="the hub's data folder (default: the user data dir)")

    export = commands.add_parser(
        "export",
        help="timeline, statistics or calls as CSV or JSON",
        description=(
            "An employee's timeline, statistics or calls for a period, as CSV or JSON. A period "
            "that ends before the data begins has no data: export says so and exits 1."
        ),
    )
    export.add_argument("what", choices=["timeline", "stats", "calls"])
    export.add_argument("--employee", required=True, help="employee id or exact full name")
    export.add_argument(
        "--period",
        default="today",
        help="today, 3d, 7d, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (default: today)",
    )
    export.add_argument(
        "--tz",
        default=argparse.SUPPRESS,  # `ringmon --tz ZONE export` keeps the zone given before
        help="IANA time zone (default: the hub's, or the machine's)",
    )
    export.add_argument(
        "--format", choices=["csv", "json"], default="csv", help="output format (default: csv)"
    )
    export.add_argument("--events", help="a JSONL file of events (no hub needed)")
    export.add_argument(
        "--now", help="ISO time taken as now with --events (default: the last event's time)"
    )
    _add_client_options(export, subcommand=True)

    web = commands.add_parser(
        "web", help="serve the TUI to browsers; each session signs in with its own token"
    )
    web.add_argument(  # SUPPRESS: `ringmon --url URL web` keeps the URL given before `web`
        "--url",
        default=argparse.SUPPRESS,
        help="hub URL, e.g. http://127.0.0.1:8765 (env RINGMON_URL)",
    )
    web.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)"
    )
    web.add_argument(
        "--port",
        type=int,
        default=DEFAULT_WEB_PORT,
        help="port (default %(default)s; 0: a free one)",
    )
    web.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        help="browser sessions at once (default %(default)s)",
    )
    web.add_argument(
        "--public-url", help="the URL browsers use, behind a proxy (default http://HOST:PORT)"
    )
    _add_tui_options(web, subcommand=True)

    asterisk = commands.add_parser("asterisk", help="Asterisk source tools (no hub needed)")
    asterisk_cmds = asterisk.add_subparsers(
        dest="asterisk_command", metavar="ACTION", required=True
    )
    replay = asterisk_cmds.add_parser(
        "replay", help="print the feed events (JSONL) the mapper makes of a tap= file"
    )
    replay.add_argument("tapfile", help="a file written by the source's tap=FILE option")
    replay.add_argument(
        "--ami-only",
        action="store_true",
        help="map as the AMI-only mode (ari=off) does: calls from AMI, ARI frames skipped",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in (None, "export", "web"):  # clients of a hub: the CA of an https hub
        from ringmon.feed.tls import TlsError, configure

        try:
            configure(args.ca)
        except TlsError as exc:
            print(f"ringmon: {exc}", file=sys.stderr)
            return 2
    if args.command == "demo":
        from ringmon.demo import run_demo

        return run_demo(args)
    if args.command == "hub":
        from ringmon.hub.command import run_hub
        from ringmon.hub.config_file import given_on_command_line

        argv = sys.argv[1:] if argv is None else argv
        return run_hub(args, explicit=given_on_command_line(parser, argv))
    if args.command == "token":
        from ringmon.hub.serving.tokens import run_token

        return run_token(args)
    if args.command == "export":
        from ringmon.export import run_export

        return run_export(args)
    if args.command == "web":
        from ringmon.web.serve import run_web

        return run_web(args)
    if args.command == "asterisk":
        from ringmon.sources.asterisk.replay import run_replay

        return run_replay(args)
    # No cyclic collection until the first rows are on screen (ringmon.collector).
    from ringmon.collector import hold, release

    hold()
    try:
        # The hub writes the first snapshot while the TUI imports Textual and builds itself.
        from ringmon.feed.early_snapshot import start_early_snapshot

        early = start_early_snapshot(args)
        from ringmon.app import run_tui

        return run_tui(args, early=early)
    finally:
        release()


if __name__ == "__main__":
    sys.exit(main())
