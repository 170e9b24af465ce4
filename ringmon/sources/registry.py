"""Which source a ``--source`` spec names: its scheme (the part before the first ``:``) picks
one entry of ``SCHEMES``; a new source is one entry here, nothing else.

Each factory imports its source only when asked for (a PBX library a build lacks costs nothing
until that scheme is used) and raises ``SpecError`` with a sentence naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ringmon.sources.base import Source


class SpecError(ValueError):
    """A ``--source`` spec that names no source, or a source badly configured."""


class SourceOptions(Protocol):
    """The hub settings a source may be built from (``HubConfig`` has them)."""

    @property
    def employees(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def backfill_days(self) -> int: ...
    @property
    def follow(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Scheme:
    name: str
    example: str
    make: Callable[[str, SourceOptions], Source]


def _sim(spec: str, options: SourceOptions) -> Source:
    if spec != "sim":
        raise SpecError(f"--source {spec}: the simulator takes no argument (use sim)")
    if options.employees < 1:
        raise SpecError("--employees must be at least 1")
    if options.backfill_days < 0:
        raise SpecError("--backfill-days cannot be negative")
    from ringmon.sources.sim import SimSource

    return SimSource(
        employees=options.employees, seed=options.seed, backfill_days=options.backfill_days
    )


def _file(spec: str, options: SourceOptions) -> Source:
    from ringmon.sources.file import FileSource

    path = spec.removeprefix("file:")
    if not path or path == spec:
        raise SpecError("--source file: needs a path, e.g. file:events.jsonl")
    if not options.follow and not Path(path).is_file():
        raise SpecError(f"--source {spec}: no such file (add --follow to wait for it)")
    return FileSource(path, follow=options.follow)


def _asterisk(spec: str, options: SourceOptions) -> Source:
    from ringmon.sources.asterisk import AsteriskConfigError, asterisk_source

    try:
        return asterisk_source(spec)
    except AsteriskConfigError as exc:
        raise SpecError(str(exc)) from None


def _kamailio(spec: str, options: SourceOptions) -> Source:
    from ringmon.sources.kamailio import SpecError as KamailioSpecError
    from ringmon.sources.kamailio import parse_spec

    try:
        return parse_spec(spec)
    except KamailioSpecError as exc:
        raise SpecError(str(exc)) from None


def _freeswitch(spec: str, options: SourceOptions) -> Source:
    from ringmon.sources.freeswitch import SpecError as EslSpecError
    from ringmon.sources.freeswitch import parse_spec

    try:
        return parse_spec(spec)
    except EslSpecError as exc:
        raise SpecError(str(exc)) from None


SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme("sim", "sim", _sim),
        Scheme("file", "file:PATH", _file),
        Scheme("asterisk", "asterisk[:OPTIONS]", _asterisk),
        Scheme("kamailio", "kamailio:HOST:PORT[,OPTIONS]", _kamailio),
        Scheme("freeswitch", "freeswitch:HOST:PORT[,OPTIONS]", _freeswitch),
    )
}


def make_source(spec: str, options: SourceOptions) -> Source:
    """The source ``spec`` names (e.g. ``file:events.jsonl``); ``SpecError`` if none."""
    spec = spec.strip()
    scheme = SCHEMES.get(spec.split(":", 1)[0])
    if scheme is None:
        known = ", ".join(s.example for s in SCHEMES.values())
        raise SpecError(f"unknown source {spec!r}: use one of {known}")
    return scheme.make(spec, options)
