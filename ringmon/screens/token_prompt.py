"""Asks a browser session for its own access token and checks it with the hub (R1).

A session of ``ringmon web`` starts without a token (it has none of the server's): this modal
screen takes one in a password-style input and asks the hub's ``/v1/whoami`` about it. The hub
decides (R1): a refusal is said plainly, as the refusal screen says it, and the person may try
again, a few times; a token the hub knows dismisses the screen with it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ringmon.hub_client import HubClient, HubError
from ringmon.screens.refused import ACCESS_HINT

MAX_ATTEMPTS = 5
"""Refusals before the session ends (a reload starts a new one): no guessing in a loop."""

WHOAMI_TIMEOUT = 10.0


def refusal_text(refusal: HubError) -> str:
    return (
        f"Access refused: {refusal}\n{ACCESS_HINT}\n"
        "An administrator makes one with: ringmon token add NAME --role analyst"
    )


class TokenPromptScreen(ModalScreen[str]):
    """Dismissed with a token the hub accepted."""

    DEFAULT_CSS = """
    TokenPromptScreen {
        align: center middle;
    }
    TokenPromptScreen #token-box {
        width: 76;
        max-width: 100%;
        height: auto;
        border: heavy $accent;
        padding: 1 2;
    }
    TokenPromptScreen #token-answer {
        margin-top: 1;
    }
    TokenPromptScreen #token-answer.-refused {
        color: $text-error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Leave", show=False),
    ]

    def __init__(self, hub_url: str, *, timeout: float = WHOAMI_TIMEOUT) -> None:
        super().__init__()
        self.hub_url = hub_url.rstrip("/")
        self.timeout = timeout
        self.refusals = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="token-box"):
            yield Static(
                f"Sign in to ringmon\n\nHub: {self.hub_url}\n"
                "This browser session needs your own access token (an analyst's or an "
                "administrator's). Type or paste it and press Enter; esc leaves.",
                markup=False,
            )
            yield Input(password=True, placeholder="access token", id="token")
            yield Static("", id="token-answer", markup=False)

    def on_key(self, event: events.Key) -> None:
        """Keys typed before the input has the focus (a slow link, a quick typist, a paste
        right after the page opened) reach the screen: they go into the input instead of
        nowhere, and Enter submits what was typed."""
        field = self.query_one("#token", Input)
        if field.has_focus or field.disabled:
            return
        if event.is_printable and event.character:
            event.stop()
            field.insert_text_at_cursor(event.character)
            field.focus()
        elif event.key == "enter":
            event.stop()
            field.focus()
            self.call_later(field.action_submit)

    def action_leave(self) -> None:
        self.app.exit(return_code=1)

    @on(Input.Submitted, "#token")
    def _submitted(self, event: Input.Submitted) -> None:
        token = event.value.strip()
        if not token:
            self._say("Type a token first.", refused=True)
            return
        event.input.disabled = True
        self._say("Asking the hub ...")
        self._check(token)

    @work(exclusive=True, group="token-check")
    async def _check(self, token: str) -> None:
        field = self.query_one("#token", Input)
        try:
            async with HubClient(self.hub_url, token, timeout=self.timeout) as hub:
                await hub.whoami()
        except HubError as exc:
            if not exc.refused:
                self._retry(field, f"Could not check the token: {exc}")
                return
            self.refusals += 1
            text = refusal_text(exc)
            if self.refusals >= MAX_ATTEMPTS:
                self.app.exit(return_code=1, message=text)
                return
            self._retry(field, text)
            return
        self.dismiss(token)

    def _retry(self, field: Input, text: str) -> None:
        self._say(text, refused=True)
        field.value = ""
        field.disabled = False
        field.focus()

    def _say(self, text: str, *, refused: bool = False) -> None:
        answer = self.query_one("#token-answer", Static)
        answer.update(text)
        answer.set_class(refused, "-refused")
