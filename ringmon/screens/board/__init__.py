"""The live board: the main screen a supervisor watches all day (R2-R6, R15, R16).

``screen`` is the screen itself; its parts are ``filtering``, ``ordering``, ``wall`` and
``commands`` (see ``ringmon.screens.board.screen``).
"""

from ringmon.screens.board.commands import COMMANDS, BoardCommands
from ringmon.screens.board.screen import (
    FREEZE_FROM_ROWS,
    WALL_ACTIONS,
    BoardScreen,
)

__all__ = [
    "COMMANDS",
    "FREEZE_FROM_ROWS",
    "WALL_ACTIONS",
    "BoardCommands",
    "BoardScreen",
]
