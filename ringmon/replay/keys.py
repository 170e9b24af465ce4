"""The replay's keys, an App base class: ``[`` ``{`` back 1 / 15 min, ``]`` ``}`` forward,
``p`` plays (1x, 10x, 60x, paused), ``esc`` back to live.

They work on the board only (no dialog, profile or palette over it), not in wall mode (read
only) and not while a text box has the focus (``[`` is a character there). ``esc`` is a
priority key so that in a replay it goes live before the board's "clear the last filter";
everywhere else it steps aside (``SkipAction``) and ``esc`` does what it did."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual.actions import SkipAction
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widgets import Input

from ringmon.replay.session import Replay
from ringmon.screens.context import ContextApp, context_of

BACK = 60.0
FAR_BACK = 900.0


PALETTE: tuple[tuple[str, str, str], ...] = (
    (f"replay_step({-BACK})", "Replay: 1 minute back", "The board a minute earlier ([)"),
    (f"replay_step({-FAR_BACK})", "Replay: 15 minutes back", "The board 15 minutes earlier ({)"),
    (f"replay_step({BACK})", "Replay: 1 minute forward", "A minute later; at now, live (])"),
    (f"replay_step({FAR_BACK})", "Replay: 15 minutes forward", "15 minutes later (})"),
    ("replay_play", "Replay: play 1x, 10x, 60x, pause", "Play the replay forward (p)"),
    ("replay_live", "Replay: back to live", "The live board (escape)"),
)


class ReplayCommands(Provider):
    """The replay's keys in the command palette (on the board, not in wall mode)."""

    def _commands(self) -> list[tuple[str, str, str]]:
        app = self.app
        if context_of(app).wall or len(app.screen_stack) > 2:
            return []
        return list(PALETTE)

    async def discover(self) -> Hits:
        for action, title, help_text in self._commands():
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, title, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                run = partial(self.app.run_action, action)
                yield Hit(score, matcher.highlight(title), run, help=help_text)


class ReplayKeys(ContextApp):
    """Give an App ``self.replay = Replay(self, live_feed)`` and these keys drive it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left_square_bracket",
            f"replay_step({-BACK})",
            "Back 1 min",
            key_display="[",
            show=False,
            id="replay.back",
        ),
        Binding(
            "left_curly_bracket",
            f"replay_step({-FAR_BACK})",
            "Back 15 min",
            key_display="{",
            show=False,
            id="replay.far_back",
        ),
        Binding(
            "right_square_bracket",
            f"replay_step({BACK})",
            "Forward 1 min",
            key_display="]",
            show=False,
            id="replay.forward",
        ),
        Binding(
            "right_curly_bracket",
            f"replay_step({FAR_BACK})",
            "Forward 15 min",
            key_display="}",
            show=False,
            id="replay.far_forward",
        ),
        Binding("p", "replay_play", "Play", show=False, id="replay.play"),
        Binding("escape", "replay_live", "Live", show=False, priority=True, id="replay.live"),
    ]

    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {ReplayCommands}

    replay: Replay
    wall: bool

    def replay_moment(self) -> float | None:
        return self.replay.moment_shown()

    def _replay_keys_work(self) -> bool:
        return (
            not getattr(self, "wall", False)
            and len(self.screen_stack) == 1
            and not isinstance(self.focused, Input)
        )

    def action_replay_step(self, seconds: float) -> None:
        if not self._replay_keys_work():
            raise SkipAction
        self.replay.step(float(seconds))

    def action_replay_play(self) -> None:
        if not self._replay_keys_work():
            raise SkipAction
        self.replay.cycle_speed()

    def action_replay_live(self) -> None:
        if not self.replay.active or not self._replay_keys_work():
            raise SkipAction
        self.replay.leave("Live.")

    async def on_unmount(self) -> None:
        await self.replay.close()
