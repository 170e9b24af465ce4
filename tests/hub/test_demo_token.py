"""``ringmon demo --data DIR`` leaves no live token behind: the analyst token it made for its
TUI is revoked when it ends, and ones left by killed demos are revoked by the next demo."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

import ringmon.app
import ringmon.terminal
from ringmon.demo import run_demo
from ringmon.hub.serving.tokens import TokenStore


def demo_args(data: Path) -> argparse.Namespace:
    return argparse.Namespace(
        data=str(data),
        port=0,
        tz="UTC",
        wall=False,
        seed=1,
        speed=1.0,
        employees=3,
        backfill_days=0,
    )


def test_demo_revokes_its_token_on_exit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = TokenStore(data)
    store.add("demo-999999999-1", "analyst")  # a demo killed before it could revoke its own
    store.add("alice", "analyst")
    store.close()
    seen: dict[str, int] = {}

    def tui_in_place_of_the_terminal(
        args: argparse.Namespace,
        *,
        token: str,
        ready: Callable[[], Awaitable[float]],
        signals: object = None,
    ) -> int:
        # The real hub process the demo started; its token works while the demo runs.
        asyncio.run(ready())
        with httpx.Client(base_url=args.url, timeout=10) as client:
            headers = {"Authorization": f"Bearer {token}"}
            seen["whoami"] = client.get("/v1/whoami", headers=headers).status_code
        store = TokenStore(data)
        seen["tokens"] = len(store.list())
        store.close()
        return 0

    monkeypatch.setattr(ringmon.app, "run_tui", tui_in_place_of_the_terminal)
    monkeypatch.setattr(ringmon.terminal, "missing_terminal", lambda: None)  # no TUI to draw
    assert run_demo(demo_args(data)) == 0
    assert seen == {"whoami": 200, "tokens": 2}  # alice and this demo's; the orphan is gone
    left = TokenStore(data)
    try:
        assert [t.name for t in left.list()] == ["alice"]
    finally:
        left.close()
