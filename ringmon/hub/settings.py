"""Where the hub keeps its data, and which time zone it works in."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

APP_NAME = "ringmon"


class SettingsError(ValueError):
    """A setting the user gave that cannot work; the message says why."""


def default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/ringmon`` on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def data_dir(given: str | os.PathLike[str] | None) -> Path:
    """The data folder from ``--data`` (or the default), created if missing and made private
    (0700: it holds every event and the tokens). A shared folder such as /tmp is refused."""
    path = Path(given).expanduser() if given else default_data_dir()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise SettingsError(f"cannot use data folder {str(path)!r}: {exc.strerror}") from None
    if not path.is_dir():
        raise SettingsError(f"data folder {str(path)!r} is not a folder")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_ISVTX | stat.S_IWOTH):
        raise SettingsError(
            f"data folder {str(path)!r} is shared (anyone may write in it): "
            "give the hub a folder of its own, e.g. a new folder inside it"
        )
    if mode != 0o700:
        try:
            path.chmod(0o700)
        except OSError as exc:
            raise SettingsError(
                f"cannot make data folder {str(path)!r} private (chmod 700): {exc.strerror}"
            ) from None
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` if missing, readable and writable by its owner only (0600), and make
    an existing one so. SQLite gives its -wal and -shm files the database file's mode."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_zone_name() -> str:
    """The machine's IANA time zone name, without third-party help.

    In order: the ``TZ`` environment variable when it names a zone (``Europe/Warsaw`` or
    ``:Europe/Warsaw``); the target of the ``/etc/localtime`` symbolic link (the part after
    ``zoneinfo/``); the contents of ``/etc/timezone`` (Debian); else ``UTC``. A zone that
    cannot be named this way (a copied, not linked, ``/etc/localtime``) falls back to UTC:
    pass ``--tz`` then.
    """
    env = os.environ.get("TZ", "").strip().removeprefix(":")
    if env and _valid_zone(env):
        return env
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if _valid_zone(name):
            return name
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
    except OSError:
        name = ""
    if name and _valid_zone(name):
        return name
    return "UTC"


def zone(name: str | None) -> tuple[str, ZoneInfo]:
    """The zone named by ``--tz`` (or the machine's), with its name; raises SettingsError."""
    chosen = name.strip() if name else local_zone_name()
    if not _valid_zone(chosen):
        raise SettingsError(
            f"unknown time zone {chosen!r}: use an IANA name such as Europe/Warsaw or UTC"
        )
    return chosen, ZoneInfo(chosen)
