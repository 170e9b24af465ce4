"""Playing a downloaded recording with the user's player (``player`` in the config file or
``RINGMON_PLAYER``), detached from the terminal the TUI draws on."""

from __future__ import annotations

import asyncio
import os
import shlex
from pathlib import Path

PLACEHOLDERS = ("{file}", "{}")


class PlayerError(Exception):
    """The player could not be started; ``str()`` is the sentence to show."""


def player_command(configured: str | None = None) -> list[str] | None:
    """The player as argv, from the settings' ``player`` (config file or ``RINGMON_PLAYER``);
    None if unset. ``{file}`` in it is replaced by the recording's path, else the path is
    appended."""
    text = configured or os.environ.get("RINGMON_PLAYER")
    if not text or not text.strip():
        return None
    return shlex.split(text)


def player_argv(command: list[str], path: Path) -> list[str]:
    if any(p in part for part in command for p in PLACEHOLDERS):
        out = []
        for part in command:
            for placeholder in PLACEHOLDERS:
                part = part.replace(placeholder, str(path))
            out.append(part)
        return out
    return [*command, str(path)]


async def play(command: list[str], path: Path) -> asyncio.subprocess.Process:
    """Start the player on ``path`` without waiting for it; returns its process.

    Its output goes nowhere, so it cannot scribble over the terminal the TUI is drawing.
    """
    try:
        process = await asyncio.create_subprocess_exec(
            *player_argv(command, path),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise PlayerError(f"the player {command[0]!r} could not be started: {exc}") from None
    return process
