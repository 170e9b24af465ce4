"""The client's settings: a TOML file, then ``RINGMON_*`` environment variables, then
command-line options, with pydantic-settings (its TOML and environment sources; the file is
read as the hub's config file is, by ``ringmon.settings_file``).

The file is ``config.toml`` in the user config dir (``~/.config/ringmon/`` on Linux), or the
path in ``RINGMON_CONFIG``. Every field is optional; see docs/configuration.md. A file that
cannot be read or does not validate stops ringmon with a message naming the file, the line, the
key and what is allowed (``ConfigError``), never with a traceback. ringmon never writes this
file: what it remembers by itself (the theme chosen in the palette) is in the state file
beside it (``ringmon.client_state``).

The access token is deliberately not a setting: it comes from ``RINGMON_TOKEN`` or a token file
(``--token-file``, or ``token_file`` here), never from the command line (see ``load_token``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from ringmon.feed.hubs import check_hub_urls
from ringmon.model.status import Status
from ringmon.settings_file import ConfigFileError, describe, file_values, read_toml

if TYPE_CHECKING:
    from ringmon.model.views import SavedView

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

_KEY = re.compile(r"^[a-z0-9_+-]+$|^.$", re.IGNORECASE)


def check_keys(value: str) -> str:
    """A binding's keys as Textual writes them: ``ctrl+f``, ``f2,slash``, ``question_mark``."""
    keys = [key.strip() for key in value.split(",")]
    bad = [key for key in keys if not key or not _KEY.match(key)]
    if bad:
        raise ValueError(
            f"{value!r} is not a list of keys: write Textual key names separated by commas, "
            'e.g. "ctrl+f,f2" (see the help screen for the names)'
        )
    return ",".join(keys)


KeyList = Annotated[str, AfterValidator(check_keys)]


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


class View(_Section):
    """A saved view of the board (``[views.NAME]``): ``v`` or the palette applies it."""

    filter: str = Field(default="", description='a filter, as typed in /: "dept:night"')
    sort: str | None = Field(default=None, description="status, employee, in_status, ...")
    reverse: bool = Field(default=False, description="the sort reversed")
    columns: list[str] | None = Field(
        default=None, description="counter columns: calls_today, missed_today, ..."
    )

    @model_validator(mode="after")
    def _check(self) -> View:
        from ringmon.model.views import ViewError, parse_view

        try:
            parse_view("", self.filter, self.sort, self.reverse, self.columns)
        except ViewError as exc:
            raise ValueError(str(exc)) from None
        return self

    def saved(self, name: str) -> SavedView:
        from ringmon.model.views import parse_view

        return parse_view(name, self.filter, self.sort, self.reverse, self.columns)


ENV_PREFIX = "RINGMON_"
NO_HUB_URL = "which hub? Pass --url URL, set RINGMON_URL, or put url = ... in the config file."
"""What the TUI and ``ringmon web`` say when no hub URL is given anywhere."""


class Settings(BaseSettings):
    """Everything a user can set for the client. Defaults suit a laptop."""

    model_config = SettingsConfigDict(
        extra="forbid",
        frozen=True,
        env_prefix=ENV_PREFIX,
        # RINGMON_WALL_PAGE_SECONDS is wall.page_seconds: one split after the table's name.
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_ignore_empty=True,
    )

    url: str | None = Field(
        default=None,
        description="the hub, e.g. http://127.0.0.1:8765; hubs on one log: URL1,URL2 (or a list)",
    )
    token_file: Path | None = Field(default=None, description="file holding the access token")
    tz: str | None = Field(
        default=None, description="the call center's IANA time zone (default: the hub's)"
    )
    theme: str | None = Field(default=None, description="a Textual theme name, e.g. nord")
    bell: bool = Field(default=False, description="ring the terminal bell on crossing a threshold")
    mask_numbers: bool | None = Field(
        default=None,
        description="mask callers' numbers, +48 601 *** *00 (default: on with --wall and in web)",
    )
    player: str | None = Field(
        default=None,
        description="command that plays a recording; {file} is replaced by its path",
    )
    thresholds: Thresholds = Field(default_factory=Thresholds)
    wall: Wall = Field(default_factory=Wall)
    keys: dict[str, KeyList] = Field(
        default_factory=dict,
        description='key bindings by id, e.g. "board.filter_panel" = "ctrl+f,f"',
    )
    views: dict[str, View] = Field(default_factory=dict, description="saved views, by name")

    @field_validator("url", mode="before")
    @classmethod
    def _join_urls(cls, value: object) -> object:
        """``url = ["http://a:8765", "http://b:8765"]`` in the config file: ``URL1,URL2``."""
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return ",".join(value)
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None:
            check_hub_urls(value)  # several hubs on one log: URL1,URL2 (ringmon.feed.hubs)
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """What ``load_settings`` hands over, already layered (file, environment, command
        line): a bare ``Settings()`` is the defaults, whatever the environment holds."""
        return (init_settings,)

    def zone(self) -> ZoneInfo | None:
        return None if self.tz is None else ZoneInfo(self.tz)


def env_name(loc: Sequence[str | int]) -> str:
    """The environment variable of a setting: ``RINGMON_WALL_PAGE_SECONDS`` for
    ``wall.page_seconds``."""
    return ENV_PREFIX + "_".join(str(part) for part in loc).upper()


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source, on a given mapping (``os.environ`` by default)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty)


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the config file is: ``RINGMON_CONFIG``, else the user config dir."""
    env = os.environ if environ is None else environ
    explicit = env.get("RINGMON_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir("ringmon")) / "config.toml"


def _nested(overrides: Mapping[str, object]) -> dict[str, Any]:
    """The command line's values (by dotted name; None: not given) as nested tables."""
    data: dict[str, Any] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        *sections, name = dotted.split(".")
        target = data
        for section in sections:
            target = target.setdefault(section, {})
        target[name] = value
    return data


def _problems(exc: ValidationError, name: Callable[[Sequence[str | int]], str]) -> str:
    lines = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "no such setting"
        lines.append(f"  {name(error['loc'])} = {error['input']!r}: {message}")
    return "\n".join(lines)


def load_settings(
    overrides: Mapping[str, object] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """The config file, then ``RINGMON_*`` environment variables, then ``overrides`` (the
    command line's values by dotted name; None: not given). A missing file is fine unless
    ``RINGMON_CONFIG`` named it. Each layer is checked on its own first, so that a problem is
    reported where it is: the file with its line, the variable by name, the option."""
    env = os.environ if environ is None else environ
    file = path if path is not None else config_path(env)
    layers: list[dict[str, Any]] = []
    if file.exists() or (path is None and env.get("RINGMON_CONFIG")):
        try:
            text = read_toml(file)
            from_file = file_values(Settings, file)
            try:
                Settings(**from_file)
            except ValidationError as exc:
                raise ConfigFileError(describe(file, text, exc, Settings)) from None
        except ConfigFileError as exc:
            raise ConfigError(str(exc)) from None
        layers.append(from_file)
    from_env = _Environment(env)()
    try:
        Settings(**from_env)
    except ValidationError as exc:
        raise ConfigError(f"environment variables:\n{_problems(exc, env_name)}") from None
    layers.append(from_env)
    given = _nested(overrides or {})
    try:
        Settings(**given)
    except ValidationError as exc:
        option = lambda loc: "--" + "-".join(str(p) for p in loc).replace("_", "-")  # noqa: E731
        raise ConfigError(f"command line:\n{_problems(exc, option)}") from None
    layers.append(given)
    merged: dict[str, Any] = {}
    for layer in layers:
        _merge(merged, layer)
    return Settings(**merged)


def _merge(into: dict[str, Any], layer: Mapping[str, Any]) -> None:
    """``layer`` over ``into``, table by table (a later layer's ``[wall]`` keeps the file's
    other keys of ``[wall]``)."""
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


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
