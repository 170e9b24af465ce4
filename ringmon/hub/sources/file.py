"""Source ``file:PATH``: replays a JSONL file of events; with ``--follow`` it tails the file.

One event per line (docs/feed-protocol.md); blank lines and lines starting with ``#`` are
skipped, a ``seq`` is ignored (the hub numbers events). A bad line is rejected with the reason
``file:PATH line N: ...``, counted, and the rest of the file goes on.

Where it got to (byte offset and line number, with a fingerprint of the file's start) is saved
with the events it emitted, in the same storage transaction (``set_source_cursor``), so a
restarted hub continues after the last line it stored instead of replaying the whole file. A
file that shrank, was replaced (log rotation) or whose start changed is read from the top.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from ringmon.hub.intake import BadInput, parse_input
from ringmon.hub.sources.base import Sink

log = logging.getLogger("ringmon.hub.file")

HEAD_BYTES = 4096


@runtime_checkable
class RawSink(Protocol):
    """The hub's extras beyond ``Sink`` that a file source uses when they are there."""

    async def emit_raw(
        self, data: str | bytes | object, *, source: str, where: str = ""
    ) -> bool: ...

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

    def _save(self, sink: Sink) -> None:
        if isinstance(sink, RawSink):
            cursor = {
                "offset": self.offset,
                "line": self.line_no,
                "head": _fingerprint(self.path, self.offset),
            }
            sink.set_source_cursor(self.name, json.dumps(cursor))

    async def run(self, sink: Sink) -> None:
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
                self.offset, self.line_no = 0, 0
            self._inode = stat.st_ino
            if size < self.offset:
                log.warning("%s shrank: reading it again from the top", self.name)
                self.offset, self.line_no = 0, 0
            if size > self.offset:
                await self._read_new(sink, at_end_is_line=not self.follow)
            if not self.follow:
                return
            await asyncio.sleep(self.poll)

    async def _read_new(self, sink: Sink, *, at_end_is_line: bool) -> None:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            emitted = 0
            while True:
                raw = f.readline()
                if not raw:
                    break
                if not raw.endswith(b"\n") and not at_end_is_line:
                    break  # a line still being written: wait for the rest of it
                self.offset += len(raw)
                self.line_no += 1
                await self._line(sink, raw)
                emitted += 1
                if emitted % 1000 == 0:
                    self._save(sink)
            self._save(sink)

    async def _line(self, sink: Sink, raw: bytes) -> None:
        where = f"{self.name} line {self.line_no}"
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            reason = f"{where}: not UTF-8 text (byte {exc.start + 1})"
            if isinstance(sink, RawSink):
                sink.reject("malformed", reason, self.name)
            else:
                log.warning("%s", reason)
            return
        if not text or text.startswith("#"):
            return
        if isinstance(sink, RawSink):
            await sink.emit_raw(text, source=self.name, where=where)
            return
        try:
            event = parse_input(text)
        except BadInput as exc:
            log.warning("%s: %s", where, exc.reason)
            return
        await sink.emit(event, source=self.name)
