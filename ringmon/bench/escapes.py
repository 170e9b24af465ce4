"""What a stream of terminal output does: bytes, colour codes, and the cells each write covers.

``read_writes`` splits what Textual wrote into *writes*: the printable cells that follow one
cursor move (``CSI row;col H``), with the row, the column and how many cells they cover, and
counts the bytes that were colour and style codes (SGR, ``CSI ... m``). A terminal benchmark
reads from them how much of the screen an update rewrote: a write that covers (nearly) the
whole width of the screen is a full-row rewrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rich.cells import cell_len

ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1bP[^\x1b]*\x1b\\"  # DCS
    r"|\x1b[@-Z\\-_]"  # two-byte escapes
)
MOVE = re.compile(r"\x1b\[(\d*);?(\d*)H")


@dataclass(frozen=True, slots=True)
class Write:
    """Cells written from one cursor position: (row, column) counted from 0."""

    row: int
    col: int
    cells: int


@dataclass
class Tally:
    """What a piece of terminal output amounts to."""

    bytes: int = 0
    sgr_bytes: int = 0
    writes: list[Write] = field(default_factory=list)

    def full_rows(self, width: int, share: float = 0.9) -> int:
        """Writes that cover at least ``share`` of a ``width``-cell row."""
        return sum(1 for w in self.writes if w.cells >= share * width)

    @property
    def cells(self) -> int:
        return sum(w.cells for w in self.writes)


def read_writes(data: bytes) -> Tally:
    """Split terminal output into writes (see the module's docstring)."""
    text = data.decode("utf-8", errors="replace")
    tally = Tally(bytes=len(data))
    row = col = cells = 0

    def plain(piece: str) -> None:
        nonlocal cells
        # Newlines and carriage returns move the cursor only: Textual moves again after them.
        cells += cell_len(piece.replace("\n", "").replace("\r", ""))

    pos = 0
    for match in ESCAPE.finditer(text):
        if match.start() > pos:
            plain(text[pos : match.start()])
        code = match.group()
        if code.startswith("\x1b[") and code.endswith("m"):
            tally.sgr_bytes += len(code.encode())
        elif (move := MOVE.fullmatch(code)) is not None:
            if cells:
                tally.writes.append(Write(row, col, cells))
            row = int(move.group(1) or 1) - 1
            col = int(move.group(2) or 1) - 1
            cells = 0
        pos = match.end()
    if pos < len(text):
        plain(text[pos:])
    if cells:
        tally.writes.append(Write(row, col, cells))
    return tally
