"""Messages the App sends to its screens when the model or the feed's connection changes.

The App coalesces the feed's events and posts at most one ``ModelChanged`` per refresh tick
to every screen on its stack; screens update only what the ids name.
"""

from __future__ import annotations

from textual.message import Message

from ringmon.feed.connection import Connection


class ModelChanged(Message):
    """The state changed. ``employees`` are the ids touched; ``reset`` means everything
    (a new snapshot: rebuild from the context's ``state``)."""

    def __init__(self, employees: frozenset[str], reset: bool = False) -> None:
        super().__init__()
        self.employees = employees
        self.reset = reset


class ConnectionChanged(Message):
    """The feed's connection changed (link, last event time, refusal)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection
