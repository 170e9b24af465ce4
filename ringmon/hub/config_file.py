"""``ringmon hub --config FILE``: the hub's options in a TOML file (docs/deploy.md).

Every option of ``ringmon hub``'s command line has a key of the same name (``--retention-days``
is ``retention_days``; the repeatable ``--source`` is the list ``sources``); options given on
the command line override the file. Credentials never appear in the file: sources name the
files that hold them (``credentials=/etc/ringmon/asterisk.toml``,
``password-file=/etc/ringmon/esl.secret``), as on the command line.

The settings model is a pydantic-settings ``BaseSettings`` that reads the TOML file (and
nothing else: no environment variables), with the client's reader (``ringmon.settings_file``).
A key it does not know, or a value that cannot work, stops the hub with a message naming the
file, the key, its line and the value.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ringmon.settings_file import ConfigFileError, describe, file_values, read_toml

# The command line's destination for each key whose name differs from it.
DEST = {"sources": "source"}


class HubSettings(BaseSettings):
    """The options of ``ringmon hub`` as a config file gives them. A key left out is not set
    by the file (None): the command line's value, or its default, applies."""

    model_config = SettingsConfigDict(extra="forbid", validate_default=False, frozen=True)

    host: str | None = Field(None, min_length=1, description="address to listen on")
    port: int | None = Field(None, ge=0, le=65535, description="port to listen on (0: any free)")
    data: Path | None = Field(
        None, description="data folder: events, tokens (made private: 0700, files 0600)"
    )
    sources: list[str] | None = Field(
        None,
        description=(
            "source specs as for --source: sim, file:PATH, asterisk:..., kamailio:..., "
            "freeswitch:... (credentials by file reference only; docs/sources/)"
        ),
    )
    follow: bool | None = Field(None, description="keep reading file: sources as they grow")
    tz: str | None = Field(None, min_length=1, description="the call center's IANA time zone")
    directory: Path | None = Field(
        None, description="TOML or CSV file: employees, departments, accounts"
    )
    retention_days: int | None = Field(None, gt=0, description="days of events kept")
    seed: int | None = Field(None, description="simulator seed (source sim)")
    speed: float | None = Field(None, gt=0, description="simulated time: N x real time")
    employees: int | None = Field(None, ge=1, description="simulated employees (source sim)")
    backfill_days: int | None = Field(
        None, ge=0, description="past days the simulator writes at start"
    )
    max_future_skew: float | None = Field(
        None,
        ge=0,
        description="seconds an event may be dated ahead of the hub's clock before it is "
        "refused as 'future'",
    )
    log: str | None = Field(
        None,
        pattern=r"^nats://",
        description="nats://HOST:PORT[,HOST:PORT...]: the event log on NATS JetStream, shared "
        "by several hubs (docs/scale-out.md)",
    )
    log_replicas: int | None = Field(None, ge=1, le=5, description="copies of the shared log")
    tls_cert: Path | None = Field(None, description="PEM certificate (chain): serve https, wss")
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert")
    header_timeout: float | None = Field(
        None, gt=0, description="seconds a request's headers may take to arrive"
    )
    idle_timeout: float | None = Field(
        None, gt=0, description="seconds before an idle HTTP connection is closed"
    )
    send_timeout: float | None = Field(
        None, gt=0, description="seconds a feed client may read nothing before it is dropped"
    )
    max_connections: int | None = Field(None, ge=1, description="connections held at once")
    max_header_bytes: int | None = Field(
        None, ge=1024, description="bytes of a request line and headers"
    )
    ws_ping_interval: float | None = Field(
        None, gt=0, description="seconds between pings of feed clients"
    )
    ws_ping_timeout: float | None = Field(
        None, gt=0, description="seconds a feed client's pong may be late"
    )
    client_queue_mb: float | None = Field(
        None, gt=0, description="MiB of live events queued for one feed client before a resync"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only what ``load`` hands over from the file: no environment, no .env, no secrets
        folder (a hub's settings are in one place)."""
        return (init_settings,)

    @classmethod
    def load(cls, path: str | Path) -> HubSettings:
        """The settings of the TOML file ``path``; ``ConfigFileError`` with a clear message."""
        path = Path(path).expanduser()
        text = read_toml(path)
        try:
            return cls(**file_values(cls, path))
        except ValidationError as exc:
            raise ConfigFileError(describe(path, text, exc, cls)) from None

    def given(self) -> dict[str, Any]:
        """The options the file sets, by the command line's names (``dest``)."""
        out: dict[str, Any] = {}
        for key in self.model_fields_set:
            value = getattr(self, key)
            if value is not None:
                out[DEST.get(key, key)] = str(value) if isinstance(value, Path) else value
        return out


def given_on_command_line(parser: argparse.ArgumentParser, argv: Iterable[str]) -> set[str]:
    """The ``dest`` of every option present in ``argv`` (whatever its value: ``--port 8765``
    counts even though 8765 is the default), so that those override the config file."""
    saved: list[tuple[argparse.Action, Any]] = []
    parsers = [parser]
    while parsers:
        current = parsers.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
            elif action.dest != argparse.SUPPRESS:
                saved.append((action, action.default))
                action.default = argparse.SUPPRESS
    try:
        return set(vars(parser.parse_args(list(argv))))
    finally:
        for action, default in saved:
            action.default = default


def apply_config_file(
    args: argparse.Namespace, settings: HubSettings, explicit: set[str], path: str | Path = ""
) -> argparse.Namespace:
    """``args`` with the file's settings where the command line did not give the option.
    A setting this build's command line lacks is refused (``ConfigFileError``) rather than
    silently ignored."""
    merged = argparse.Namespace(**vars(args))
    given = settings.given()
    lacking = sorted(dest for dest in given if not hasattr(args, dest))
    if lacking:
        raise ConfigFileError(
            f"the config file {path} sets {', '.join(lacking)}, which this ringmon hub has no "
            "option for (see ringmon hub --help): remove it or upgrade ringmon"
        )
    for dest, value in given.items():
        if dest not in explicit:
            setattr(merged, dest, value)
    return merged
