"""The full-screen refusal: the hub said 401/403, so there is nothing ringmon may show (R1)."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

ACCESS_HINT = "ringmon needs an analyst or administrator token."


class RefusedScreen(Screen[None]):
    """Says why access was refused; any key leaves ringmon (return code 1)."""

    DEFAULT_CSS = """
    RefusedScreen {
        align: center middle;
    }
    RefusedScreen #refusal {
        width: auto;
        max-width: 76;
        border: heavy $error;
        padding: 1 2;
    }
    """

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        reason = self.message.strip() or "The hub refused the token."
        text = (
            f"Access refused\n\n{reason}\n\n{ACCESS_HINT}\n"
            "An administrator makes one with: ringmon token add NAME --role analyst\n"
            "Then set RINGMON_TOKEN or pass --token-file FILE.\n\n"
            "Press any key to exit."
        )
        yield Static(text, id="refusal", markup=False)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.app.exit(return_code=1)

    def on_click(self, event: events.Click) -> None:
        self.app.exit(return_code=1)
