"""The client's settings: a TOML file, then environment variables, then command-line options.

The file is ``config.toml`` in the user config dir (``~/.config/ringmon/`` on Linux), or the
path in ``RINGMON_CONFIG``. Every field is optional; see docs/configuration.md. A file that
cannot be read or does not validate stops ringmon with a message naming the file and the
problem (``ConfigError``), never with a traceback.

The access token is deliberately not a setting: it comes from ``RINGMON_TOKEN`` or a token file
(``--token-file``, or ``token_file`` here), never from the command line (see ``load_token``).
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from ringmon.model.status import Status

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?\s*$"
)


class ConfigError(Exception):
    """The settings cannot be used; the message says which file or variable and why."""


def parse_duration(value: object) -> object:
    """Seconds from a number or a string like ``"90s"``, ``"15m"``, ``"1h30m"``."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
        match = _DURATION.match(value)
        if not value.strip() or match is None or not any(match.groups()):
            raise ValueError(f"{value!r} is not a duration: write seconds, or e.g. 90s, 15m, 1h")
        h, m, s = (float(g) if g else 0.0 for g in match.groups())
        return h * 3600 + m * 60 + s
    return value


Seconds = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Section):
    """How long an employee may stay in a status before the board highlights the row.
    Each is off (``None``) unless set; values are seconds or durations like ``"15m"``."""

    dnd: Seconds | None = Field(default=None, description="do not disturb for longer than this")
    talking: Seconds | None = Field(default=None, description="talking for longer than this")
    ringing: Seconds | None = Field(default=None, description="ringing for longer than this")
    online: Seconds | None = Field(default=None, description="online (idle) for longer than this")
    offline: Seconds | None = Field(default=None, description="offline for longer than this")

    def limit(self, status: Status | str) -> float | None:
        """The limit for a status (or ``"ringing"``), ``None`` when off."""
        value: float | None = getattr(self, str(status), None)
        return value


class Wall(_Section):
    """The wall-screen mode (``--wall``)."""

    page_seconds: Seconds = Field(default=10.0, description="how long each page of rows shows")


class Settings(_Section):
    """Everything a user can set for the client. Defaults suit a laptop."""

    url: str | None = Field(default=None, description="the hub, e.g. http://127.0.0.1:8765")
    token_file: Path | None = Field(default=None, description="file holding the access token")
    tz: str | None = Field(
        default=None, description="the call center's IANA time zone (default: the hub's)"
    )
    theme: str | None = Field(default=None, description="a Textual theme name, e.g. nord")
    bell: bool = Field(default=False, description="ring the terminal bell on crossing a threshold")
    player: str | None = Field(
        default=None,
        description="command that plays a recording; {file} is replaced by its path",
    )
    thresholds: Thresholds = Field(default_factory=Thresholds)
    wall: Wall = Field(default_factory=Wall)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value

    @field_validator("tz")
    @classmethod
    def _check_tz(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value

    def zone(self) -> ZoneInfo | None:
        return None if self.tz is None else ZoneInfo(self.tz)

    @property
    def wall_page_seconds(self) -> float:
        """``wall.page_seconds``, flat, for the board."""
        return self.wall.page_seconds


# Environment variables and the setting each one overrides ("section.field" for nested ones).
ENVIRONMENT: dict[str, str] = {
    "RINGMON_URL": "url",
    "RINGMON_TOKEN_FILE": "token_file",
    "RINGMON_TZ": "tz",
    "RINGMON_THEME": "theme",
    "RINGMON_BELL": "bell",
    "RINGMON_PLAYER": "player",
    "RINGMON_WALL_PAGE_SECONDS": "wall.page_seconds",
}


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the config file is: ``RINGMON_CONFIG``, else the user config dir."""
    env = os.environ if environ is None else environ
    explicit = env.get("RINGMON_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir("ringmon")) / "config.toml"


def _problems(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting (a typo?)"
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def _set(data: dict[str, Any], dotted: str, value: object) -> None:
    *sections, name = dotted.split(".")
    target = data
    for section in sections:
        existing = target.get(section)
        if not isinstance(existing, dict):
            existing = target[section] = {}
        target = existing
    target[name] = value


def load_settings(
    overrides: Mapping[str, object] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """File, then environment, then ``overrides`` (the command line's non-None values, by
    dotted name). A missing file is fine unless ``RINGMON_CONFIG`` named it."""
    env = os.environ if environ is None else environ
    file = path if path is not None else config_path(env)
    data: dict[str, Any] = {}
    if file.exists() or (path is None and env.get("RINGMON_CONFIG")):
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read the config file {file}: {exc.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"the config file {file} is not valid TOML: {exc}") from None
        try:
            Settings.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"the config file {file} has problems:\n{_problems(exc)}") from None
    from_env = {ENVIRONMENT[k]: v for k, v in env.items() if k in ENVIRONMENT and v != ""}
    for dotted, text in from_env.items():
        _set(data, dotted, text)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set(data, dotted, value)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"the settings (config file {file}, RINGMON_* variables, command line) have "
            f"problems:\n{_problems(exc)}"
        ) from None


def load_token(
    cli_file: Path | str | None,
    settings_file: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """The access token, never from argv: the ``--token-file`` given on the command line, else
    ``RINGMON_TOKEN``, else the settings' ``token_file``; ``None`` when there is none."""
    env = os.environ if environ is None else environ
    if cli_file is None:
        token = env.get("RINGMON_TOKEN", "").strip()
        if token:
            return token
    token_file = cli_file if cli_file is not None else settings_file
    if token_file is None:
        return None
    path = Path(token_file).expanduser()
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc.strerror}") from None
    if not token:
        raise ConfigError(f"the token file {path} is empty")
    return token
