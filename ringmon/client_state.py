"""What the client remembers by itself between runs: the state file beside the config file.

The config file (``config.toml``) is the user's, written by hand: ringmon never rewrites it.
What ringmon changes itself (the theme chosen in the command palette, the board's counter
columns) goes in ``state.json`` in the same folder, written atomically (a temporary
file in that folder, flushed, then renamed over the old one), so a crash or a full disk never
leaves half a file. Keys a newer ringmon wrote are kept as they are.

A state file that cannot be read as such is set aside (renamed ``state.json.broken``, with a
message saying so) rather than overwritten: nothing is lost, and ringmon starts with defaults.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

log = logging.getLogger(__name__)

STATE_FILE = "state.json"


class BoardState(BaseModel):
    """What the board remembers."""

    model_config = ConfigDict(extra="allow", frozen=True)

    columns: tuple[str, ...] = ()
    """The counter columns shown (the column menu, ``c``): ``calls_today``, ..."""


class ClientState(BaseModel):
    """Everything the client remembers by itself."""

    model_config = ConfigDict(extra="allow", frozen=True)

    theme: str | None = None
    """The theme last chosen in the command palette."""
    board: BoardState = BoardState()
    """The board's choices (its counter columns)."""

    def with_board_columns(self, columns: tuple[str, ...]) -> ClientState:
        return self.model_copy(
            update={"board": self.board.model_copy(update={"columns": tuple(columns)})}
        )


def state_path(config_file: Path) -> Path:
    """The state file beside the config file."""
    return config_file.parent / STATE_FILE


class StateFile:
    """The state file at ``path``: ``load`` once, then ``save`` what changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None
        """Why the file was set aside at ``load``, for the App to say; None when it was fine."""

    def load(self) -> ClientState:
        """The remembered state; defaults when there is no file yet (or it was set aside)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ClientState()
        except (OSError, UnicodeDecodeError) as exc:
            return self._set_aside(f"cannot be read ({exc})")
        try:
            return ClientState.model_validate(json.loads(text))
        except (ValueError, ValidationError) as exc:
            return self._set_aside(f"is not a state file ({str(exc).splitlines()[0]})")

    def _set_aside(self, why: str) -> ClientState:
        aside = self.path.with_name(self.path.name + ".broken")
        try:
            os.replace(self.path, aside)
        except OSError:
            self.problem = f"the state file {self.path} {why}; it is left as it is"
        else:
            self.problem = f"the state file {self.path} {why}; it was renamed to {aside.name}"
        log.warning("%s", self.problem)
        return ClientState()

    def save(self, state: ClientState) -> None:
        """Write ``state`` atomically; a failure is logged, never raised (remembering a theme
        is not worth stopping the board for)."""
        # Only what differs from the defaults: the file says what was chosen, nothing more.
        values = state.model_dump(mode="json", exclude_defaults=True)
        text = json.dumps(values, indent=2, sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            log.warning("cannot write the state file %s: %s", self.path, exc)
