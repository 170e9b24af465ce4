"""Source ``file:PATH``: replays a JSONL file of events; with ``--follow`` it tails the file.

One event per line (docs/feed-protocol.md); blank lines and lines starting with ``#`` are
skipped, a ``seq`` is ignored (the hub numbers events). A bad line (not UTF-8, not JSON, nested
too deep, longer than ``MAX_LINE``, not an event, not fitting the state) is a rejection counted
in ``/v1/health`` with the reason ``file:PATH line N: ...``; the source never stops on a line,
and the next valid line is stored at once.

Lines are read in runs (up to ``RUN_LINES``, or as far as the file goes): each valid line is
parsed and validated once, straight from its bytes (``parse_valid``); only a line that fails
that is read again to say why. Where the source got to (byte offset and line number, with a
fingerprint of the file's start) is handed to the hub with each run's events
(``emit_lines(..., cursor=...)``) and committed in the same SQLite transaction as them: a hub
killed at any moment, restarted, continues after the last line it stored, and stores no line
twice and loses none. A file that shrank, was
replaced (log rotation) or whose start changed is read from the top.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from ringmon.hub.intake.validate import BadInput, parse_input, parse_valid
from ringmon.model.schema import Event
from ringmon.sources.base import Sink

log = logging.getLogger("ringmon.hub.file")

HEAD_BYTES = 4096
MAX_LINE = 1 << 20
"""A longer line is rejected (without holding more than this in memory)."""
CHUNK = 1 << 16
RUN_LINES = 500
"""Valid lines handed to the hub at once (one turn of its loop, a few milliseconds)."""


@runtime_checkable
class RawSink(Protocol):
    """The hub's extras beyond ``Sink`` that a file source uses when they are there."""

    async def emit_lines(
        self,
        events: Sequence[tuple[int, Event]],
        *,
        source: str,
        where: str,
        cursor: str | None = None,
    ) -> int: ...

    def reject(self, kind: str, reason: str, source: str) -> None: ...

    def source_cursor(self, name: str) -> str | None: ...

    def set_source_cursor(self, name: str, value: str) -> None: ...


def _fingerprint(path: Path, upto: int) -> str:
    with path.open("rb") as f:
        return hashlib.sha256(f.read(min(upto, HEAD_BYTES))).hexdigest()


class FileSource:
    def __init__(self, path: str | os.PathLike[str], *, follow: bool = False, poll: float = 0.5):
        self.path = Path(path)
        self.name = f"file:{path}"
        self.follow = follow
        self.poll = poll
        self.offset = 0
        self.line_no = 0
        self._resumed = False
        self._inode: int | None = None
        self._head: tuple[int, str] | None = None
        self._raw: RawSink | None = None
        """The sink as a ``RawSink``, looked up once a run: a runtime-checkable Protocol's
        ``isinstance`` costs a good part of the hub's time when done for every line."""

    def _resume(self, sink: Sink) -> None:
        """Continue where the previous run of the hub stopped (once per process)."""
        self._resumed = True
        if not isinstance(sink, RawSink):
            return
        saved = sink.source_cursor(self.name)
        if not saved:
            return
        try:
            cursor = json.loads(saved)
            offset, line_no, head = int(cursor["offset"]), int(cursor["line"]), cursor["head"]
            if self.path.stat().st_size >= offset and _fingerprint(self.path, offset) == head:
                self.offset, self.line_no = offset, line_no
                log.info("%s: continuing after line %d", self.name, line_no)
            else:
                log.info("%s: the file changed since last run; reading it from the top", self.name)
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("%s: saved position unusable; reading from the top", self.name)

    def _cursor(self) -> str:
        upto = min(self.offset, HEAD_BYTES)
        if self._head is None or self._head[0] != upto:
            self._head = (upto, _fingerprint(self.path, upto))
        return json.dumps({"offset": self.offset, "line": self.line_no, "head": self._head[1]})

    def _save(self, sink: Sink) -> None:
        if isinstance(sink, RawSink):
            sink.set_source_cursor(self.name, self._cursor())

    async def run(self, sink: Sink) -> None:
        self._raw = sink if isinstance(sink, RawSink) else None
        if not self._resumed:
            self._resume(sink)
        while True:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                if not self.follow:
                    raise
                await asyncio.sleep(self.poll)
                continue
            size = stat.st_size
            if self._inode is not None and stat.st_ino != self._inode:
                log.warning("%s was replaced: reading the new file from the top", self.name)
                self.offset, self.line_no, self._head = 0, 0, None
            self._inode = stat.st_ino
            if size < self.offset:
                log.warning("%s shrank: reading it again from the top", self.name)
                self.offset, self.line_no, self._head = 0, 0, None
            if size > self.offset:
                await self._read_new(sink, at_end_is_line=not self.follow)
            if not self.follow:
                return
            await asyncio.sleep(self.poll)

    async def _read_new(self, sink: Sink, *, at_end_is_line: bool) -> None:
        raw_sink = self._raw
        run: list[tuple[int, Event]] = []
        with self.path.open("rb") as f:
            f.seek(self.offset)
            while True:
                raw = f.readline(MAX_LINE + 1)
                if not raw:
                    break
                length = len(raw)
                too_long = length > MAX_LINE and not raw.endswith(b"\n")
                if too_long:
                    rest, ended = _skip_line(f)
                    if not ended and not at_end_is_line:
                        break  # its end is not written yet: come back for it
                    length += rest
                elif not raw.endswith(b"\n") and not at_end_is_line:
                    break  # a line still being written: wait for the rest of it
                if raw_sink is None:
                    self.offset += length
                    self.line_no += 1
                    await self._line_plain(sink, raw, f"{self.name} line {self.line_no}")
                    continue
                event = None if too_long else parse_valid(raw)
                if event is not None:
                    self.offset += length
                    self.line_no += 1
                    run.append((self.line_no, event))
                    if len(run) >= RUN_LINES:
                        await self._emit_run(raw_sink, run)
                    continue
                if run and (too_long or not _skipped(raw)):
                    # The lines before it first: refusals are reported in the file's order.
                    await self._emit_run(raw_sink, run)
                self.offset += length
                self.line_no += 1
                event = self._refuse_or_read(raw_sink, raw, too_long=too_long)
                if event is not None:
                    run.append((self.line_no, event))
            if raw_sink is not None:
                await self._emit_run(raw_sink, run)
            self._save(sink)

    async def _emit_run(self, raw_sink: RawSink, run: list[tuple[int, Event]]) -> None:
        """Hand a run of lines' events to the hub with the position after them (committed
        in the same transaction), and start the next run."""
        try:
            await raw_sink.emit_lines(run, source=self.name, where=self.name, cursor=self._cursor())
        finally:
            run.clear()

    def _refuse_or_read(self, raw_sink: RawSink, raw: bytes, *, too_long: bool) -> Event | None:
        """A line that is not a valid event as it stands: its event when it has one after
        all (a ``seq`` to drop), else None once it is skipped (blank, ``#``) or refused with
        a counted reason (never a raise)."""
        where = f"{self.name} line {self.line_no}"
        if too_long:
            raw_sink.reject(
                "malformed", f"{where}: longer than {MAX_LINE} bytes; skipped", self.name
            )
            return None
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            reason = f"{where}: not UTF-8 text (byte {exc.start + 1})"
            raw_sink.reject("malformed", reason, self.name)
            return None
        if not text or text.startswith("#"):
            return None
        try:
            return parse_input(text)
        except BadInput as exc:
            raw_sink.reject(exc.kind, f"{where}: {exc.reason}", self.name)
        except (RecursionError, ValueError, OverflowError) as exc:
            raw_sink.reject("malformed", f"{where}: cannot be read as an event ({exc})", self.name)
        except Exception as exc:  # a bug of ours must not stop the file
            log.exception("%s broke the hub's intake", where)
            raw_sink.reject("internal", f"{where}: {type(exc).__name__}: {exc}", self.name)
        return None

    async def _line_plain(self, sink: Sink, raw: bytes, where: str) -> None:
        """For a sink that is only a ``Sink`` (a test's): parse here, log what is bad."""
        try:
            event = parse_input(raw.decode("utf-8").strip() or "#")
        except (BadInput, UnicodeDecodeError, RecursionError, ValueError) as exc:
            if raw.strip() and not raw.lstrip().startswith(b"#"):
                log.warning("%s: %s", where, getattr(exc, "reason", exc))
            return
        await sink.emit(event, source=self.name)


def _skipped(raw: bytes) -> bool:
    """A blank line or a ``#`` comment (skipped without a word)."""
    stripped = raw.strip()
    return not stripped or stripped.startswith(b"#")


def _skip_line(f: BinaryIO) -> tuple[int, bool]:
    """Read past the rest of an overlong line: how many bytes (with the newline), and whether
    its newline was found (else the file ended first)."""
    skipped = 0
    while True:
        chunk = f.readline(CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped, bool(chunk)
