"""Options given before a subcommand or after it mean the same: the subcommand's own defaults
do not hide the ones given before it (``ringmon --wall demo`` is a wall demo, ``ringmon --url
URL export ...`` exports from that hub). The TUI's: ``--wall``, ``--tz``, ``--mask-numbers``,
``--view``; a hub client's: ``--url``, ``--token-file``, ``--ca``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringmon.cli import build_parser
from ringmon.demo import hub_command

OPTIONS = ["--wall", "--tz", "Europe/Warsaw", "--no-mask-numbers", "--view", "sales"]


@pytest.mark.parametrize("command", ["demo", "web"])
@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_tui_options_before_or_after_the_subcommand(command: str, before: bool) -> None:
    argv = [*OPTIONS, command] if before else [command, *OPTIONS]
    args = build_parser().parse_args(argv)
    assert args.wall is True
    assert args.tz == "Europe/Warsaw"
    assert args.mask_numbers is False
    assert args.view == "sales"


@pytest.mark.parametrize("command", ["demo", "web"])
def test_tui_options_keep_their_defaults_when_not_given(command: str) -> None:
    args = build_parser().parse_args([command])
    assert args.wall is False
    assert args.tz is None and args.mask_numbers is None and args.view is None


def test_the_demos_hub_gets_the_time_zone_given_before_demo(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--tz", "Europe/Warsaw", "demo"])
    command = hub_command(args, 8765, tmp_path)
    assert command[command.index("--tz") + 1] == "Europe/Warsaw"


CLIENT = ["--url", "http://127.0.0.1:9", "--token-file", "t", "--ca", "ca.pem", "--tz", "UTC"]


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_export_takes_the_hub_and_zone_before_or_after_the_subcommand(before: bool) -> None:
    export = ["export", "timeline", "--employee", "e1"]
    args = build_parser().parse_args([*CLIENT, *export] if before else [*export, *CLIENT])
    assert (args.url, args.token_file, args.ca, args.tz) == (
        "http://127.0.0.1:9",
        "t",
        "ca.pem",
        "UTC",
    )
    plain = build_parser().parse_args(export)
    assert (plain.url, plain.token_file, plain.ca, plain.tz) == (None, None, None, None)
