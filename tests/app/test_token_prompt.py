"""A browser session of ``ringmon web`` has no token: the App asks for one, the real hub's
``/v1/whoami`` decides (R1), a refusal is said plainly, and the feed starts only with a token
the hub accepted."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
import waiting
from textual.widgets import Input, Static

from ringmon.app import RingmonApp
from ringmon.feed import tls
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.model.schema import AccountUpsert, EmployeeUpsert, Event, dump_event
from ringmon.screens import token_prompt
from ringmon.screens.token_prompt import TokenPromptScreen

FAST = {"first_delay": 0.05}


def roster(t0: datetime) -> list[Event]:
    return [
        EmployeeUpsert(ts=t0, id="e1", name="Anna Nowak", department="Sales"),
        AccountUpsert(ts=t0, login="sip1", employee="e1"),
    ]


async def until(pilot: Any, condition: Callable[[], Any], timeout: float = 60.0) -> None:
    """Wait for ``condition``; a pressed key is handled some messages later than ``press``
    returns (Textual's idle guess is wrong on a loaded machine), so a test waits for what the
    key does rather than checking right after it."""
    await waiting.until(condition, "the condition", timeout, poll=lambda: pilot.pause(0.02))


def hub_config(tmp_path: Path) -> HubConfig:
    source = tmp_path / "events.jsonl"
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    source.write_text("".join(dump_event(e) + "\n" for e in roster(t0)))
    return HubConfig(data=tmp_path / "data", port=0, sources=[f"file:{source}"], tz="UTC")


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubServer]:
    async with running_hub(hub_config(tmp_path)) as server:
        yield server


def token(server: HubServer, role: str = "analyst") -> str:
    assert server.hub.tokens is not None
    return server.hub.tokens.add(f"t-{role}", role)


def answer(app: RingmonApp) -> str:
    return str(app.screen.query_one("#token-answer", Static).render())


async def submit(pilot: Any, text: str) -> None:
    field = pilot.app.screen.query_one("#token", Input)
    await until(pilot, lambda: field.has_focus and not field.disabled)  # where enter goes
    field.value = text
    await pilot.press("enter")


async def test_asks_refuses_plainly_then_follows_with_the_token_given(hub: HubServer) -> None:
    app = RingmonApp(hub.url, None, feed_options=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TokenPromptScreen))
        assert app.screen.query_one("#token", Input).password
        await submit(pilot, "   ")
        await until(pilot, lambda: answer(app) != "")
        assert answer(app) == "Type a token first."

        await submit(pilot, "not-a-token")
        await until(pilot, lambda: "Access refused" in answer(app))
        assert answer(app).startswith("Access refused: the hub refused the token (401):")
        assert "ringmon needs an analyst or administrator token." in answer(app)
        assert app.screen.query_one("#token", Input).value == ""
        assert not app.context.state.employees  # nothing of the hub's without a token

        good = token(hub)
        await submit(pilot, good)
        await until(pilot, lambda: len(app.context.state.employees) == 1)
        assert not isinstance(app.screen, TokenPromptScreen)
        assert app.context.token == good
        await pilot.press("q")
    assert app.return_code == 0


async def test_keys_typed_before_the_input_has_the_focus_are_kept(hub: HubServer) -> None:
    """A token typed (or pasted) the moment the prompt appears, before Textual has focused its
    input, lands in the input, and Enter submits it: over a slow link the keys come first."""
    app = RingmonApp(hub.url, None, feed_options=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TokenPromptScreen))
        field = app.screen.query_one("#token", Input)
        await until(pilot, lambda: field.has_focus)
        app.screen.set_focus(None)  # as before the screen's focus came
        await pilot.press(*"not-a-token", "enter")
        await until(pilot, lambda: "Access refused" in answer(app))
        assert app.screen.query_one("#token", Input).value == ""


async def test_too_many_refusals_end_the_session(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_prompt, "MAX_ATTEMPTS", 2)
    app = RingmonApp(hub.url, None, feed_options=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TokenPromptScreen))
        await submit(pilot, "wrong-1")
        await until(pilot, lambda: "Access refused" in answer(app))
        await submit(pilot, "wrong-2")
        await until(pilot, lambda: not app.is_running)
    assert app.return_code == 1


async def test_a_hub_that_does_not_answer_is_said(tmp_path: Path) -> None:
    app = RingmonApp("http://127.0.0.1:9", None, feed_options=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TokenPromptScreen))
        await submit(pilot, "some-token")
        await until(pilot, lambda: "cannot reach" in answer(app))
        assert answer(app) == (
            "Could not check the token: cannot reach the hub at http://127.0.0.1:9: "
            "connection refused"
        )
        assert not app.screen.query_one("#token", Input).disabled


async def test_an_https_hub_is_checked_with_the_configured_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    ca_file, cert, key = tmp_path / "ca.pem", tmp_path / "hub.pem", tmp_path / "hub.key"
    ca.cert_pem.write_to_path(str(ca_file))
    issued.private_key_pem.write_to_path(str(key))
    cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    config = dataclasses.replace(hub_config(tmp_path), tls_cert=cert, tls_key=key)
    monkeypatch.delenv(tls.ENV, raising=False)
    tls.configure(None)
    try:
        async with running_hub(config) as hub:
            good = token(hub)
            app = RingmonApp(hub.url, None, feed_options=FAST)
            async with app.run_test(size=(100, 30)) as pilot:
                await until(pilot, lambda: isinstance(app.screen, TokenPromptScreen))
                await submit(pilot, good)
                await until(pilot, lambda: "not trusted" in answer(app))
                assert "--ca FILE" in answer(app)
                tls.configure(ca_file)  # what `ringmon --ca FILE` (or RINGMON_CA) does
                await submit(pilot, good)
                await until(pilot, lambda: len(app.context.state.employees) == 1)
                await pilot.press("q")
    finally:
        tls.configure(None)
