"""Framing of the evapi stream: netstrings (evapi's default) or JSON lines, told apart per frame.

``FrameDecoder.feed`` takes bytes as they arrive from the socket and returns every complete
payload; a partial frame waits for the next bytes. Garbage is skipped up to the next line end
and counted, never raised: one bad frame must not stop the source.
"""

from __future__ import annotations

MAX_FRAME = 1 << 20
"""A netstring longer than this is taken for garbage (evapi's facts are a few hundred bytes)."""


class FrameDecoder:
    def __init__(self) -> None:
        self._buf = bytearray()
        self.bad = 0

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out: list[bytes] = []
        while True:
            frame = self._next()
            if frame is None:
                return out
            if frame:
                out.append(frame)

    def _next(self) -> bytes | None:
        buf = self._buf
        start = 0
        while start < len(buf) and buf[start] in b" \t\r\n,":
            start += 1
        if start:
            del buf[:start]
        if not buf:
            return None
        first = buf[0]
        if 0x30 <= first <= 0x39:  # a netstring: LENGTH ":" PAYLOAD ","
            colon = buf.find(b":")
            if colon < 0:
                if len(buf) > 12:
                    return self._skip_line()
                return None
            digits = bytes(buf[:colon])
            if not digits.isdigit() or int(digits) > MAX_FRAME:
                return self._skip_line()
            end = colon + 1 + int(digits)
            if len(buf) < end + 1:
                return None
            payload = bytes(buf[colon + 1 : end])
            if buf[end : end + 1] != b",":
                return self._skip_line()
            del buf[: end + 1]
            return payload
        if first == 0x7B:  # "{": a JSON line
            newline = buf.find(b"\n")
            if newline < 0:
                if len(buf) > MAX_FRAME:
                    return self._skip_line()
                return None
            payload = bytes(buf[:newline])
            del buf[: newline + 1]
            return payload
        return self._skip_line()

    def _skip_line(self) -> bytes:
        """Drop bytes up to the next line end (or all of them); an empty frame."""
        self.bad += 1
        newline = self._buf.find(b"\n")
        del self._buf[: newline + 1 if newline >= 0 else len(self._buf)]
        return b""
