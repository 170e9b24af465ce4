"""Where a downloaded recording goes: a safe file name, never over an existing file, in the
configured folder or the user's download folder."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Progress = Callable[[int, int | None], None]
"""Called as bytes arrive: (received so far, total if the hub said it)."""


@dataclass(frozen=True, slots=True)
class Download:
    path: Path
    size: int


def recording_filename(leg: str) -> str:
    """``ringmon-c-981_sip101.wav`` for leg ``c-981/sip101``: safe on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", leg).strip("._") or "recording"
    return f"ringmon-{safe}.wav"


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3``... when a file is already there."""
    candidate = folder / name
    stem, suffix = candidate.stem, candidate.suffix
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{suffix}"
        n += 1
    return candidate


def download_folder(configured: str | os.PathLike[str] | None = None) -> Path:
    """Where recordings go: the configured folder, else the user's download folder if it
    exists, else the current directory (on a jump host that is where the user is)."""
    if configured:
        return Path(configured).expanduser()
    try:
        from platformdirs import user_downloads_dir

        downloads = Path(user_downloads_dir())
    except Exception:  # platformdirs may fail on unusual hosts; fall back quietly
        downloads = None
    if downloads is not None and downloads.is_dir():
        return downloads
    return Path.cwd()
