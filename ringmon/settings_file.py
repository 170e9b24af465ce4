"""A settings file in TOML, read with pydantic-settings: the hub's ``--config`` file and the
client's ``config.toml`` share this reader and its way of saying what is wrong.

A file that cannot be read, is not UTF-8 or not TOML, names a key that does not exist or holds a
value that cannot work gives a ``ConfigFileError`` whose message names the file, and for each
problem the line, the key, the value and what is allowed, e.g.::

    the config file /home/ann/.config/ringmon/config.toml has problems:
      line 3: bel: no such setting (the settings are: url, token_file, tz, ...)
      line 7: thresholds.dnd = 'soon': 'soon' is not a duration: write seconds, or e.g. 90s, 15m
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings, TomlConfigSettingsSource


class ConfigFileError(ValueError):
    """A config file that cannot be used; the message names the file and what is wrong."""


def read_toml(path: Path) -> str:
    """The text of the TOML file ``path``, checked to be TOML (its own message says the line
    and column when it is not)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(
            f"cannot read the config file {str(path)!r}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            f"the config file {path} is not UTF-8 text (byte {exc.start + 1})"
        ) from None
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"the config file {path} is not valid TOML: {exc}") from None
    return text


def file_values(settings_cls: type[BaseSettings], path: Path) -> dict[str, Any]:
    """What the file ``path`` (already read by ``read_toml``) sets, by pydantic-settings' own
    TOML source."""
    return TomlConfigSettingsSource(settings_cls, toml_file=path)()


def line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """The line of a TOML file where the key at ``loc`` is set: ``("port",)`` at the top,
    ``("thresholds", "dnd")`` in the ``[thresholds]`` table (or written ``thresholds.dnd``)."""
    keys = [str(part) for part in loc if isinstance(part, str)]
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header is not None:
            table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            if keys and table == keys:
                return number
            continue
        rest = keys[len(table) :]
        if (
            rest
            and keys[: len(table)] == table
            and re.match(rf"^\s*{_key_pattern(rest)}\s*=", line)
        ):
            return number
    return None


_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")


def _key_pattern(keys: Sequence[str]) -> str:
    return r"\s*\.\s*".join(rf"[\"']?{re.escape(key)}[\"']?" for key in keys)


def allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys allowed beside the one at ``loc``: the fields of the table that holds it."""
    current: type[BaseModel] = model
    for part in loc[:-1]:
        field = current.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        current = annotation
    return list(current.model_fields)


def problem_at(path: Path, text: str, loc: Sequence[str | int], problem: str) -> str:
    """One problem as ``line N: key: problem`` (without the line when it cannot be found)."""
    key = ".".join(str(part) for part in loc) or "(top level)"
    line = line_of(text, loc)
    return f"line {line}: {key}: {problem}" if line else f"{key}: {problem}"


def describe(path: Path, text: str, exc: ValidationError, model: type[BaseModel]) -> str:
    """Every problem of ``exc`` (the file's own values failing ``model``), by line."""
    problems: list[tuple[int, str]] = []
    for error in exc.errors():
        loc = error["loc"]
        if error["type"] == "extra_forbidden":
            known = ", ".join(allowed_keys(model, loc)) or "none"
            problem = f"no such setting (the settings are: {known})"
        else:
            message = error["msg"].removeprefix("Value error, ")
            problem = f"= {error['input']!r}: {message}"
        line = line_of(text, loc) or 0
        described = problem_at(path, text, loc, problem).replace(": = ", " = ")
        problems.append((line, described))
    return has_problems(path, [p for _, p in sorted(problems)])


def has_problems(path: Path, problems: Sequence[str]) -> str:
    lines = "\n  ".join(problems)
    return f"the config file {path} has problems:\n  {lines}"
