"""``ringmon export`` from a real hub (loopback port, file source) gives exactly what the same
export gives from the file: the hub serves the history, the client computes with the same
model functions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from test_export_file import R14, R17

from ringmon.cli import main
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import HubConfig, HubServer, running_hub
from ringmon.sources.file import FileSource

NOW = "2026-03-25T08:00:00+01:00"
EVENTS = sum(
    1 for line in Path(R14).read_text(encoding="utf-8").splitlines() if line.startswith("{")
)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubServer]:
    config = HubConfig(data=tmp_path / "data", port=0, sources=(), tz="Europe/Warsaw")
    clock = ManualClock(datetime.fromisoformat(NOW).timestamp())
    async with running_hub(config, clock=clock, sources=[FileSource(R14)]) as server:
        for _ in range(1000):
            if server.hub.seq >= EVENTS:
                break
            await asyncio.sleep(0.01)
        assert server.hub.seq == EVENTS
        yield server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["export", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def in_thread(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The export's HTTP client is synchronous: run it off the loop that serves the hub."""
    return await asyncio.to_thread(run, capsys, *argv)


@pytest.mark.parametrize("what", ["timeline", "stats", "calls"])
@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize(
    ("employee", "period", "tz"),
    [
        ("e1", "2026-03-24", None),
        ("Jan Kowalski", "3d", None),
        ("e1", "today", None),
        ("e1", "7d", "UTC"),
        ("e1", "2026-03-23..2026-03-24", "America/New_York"),
    ],
)
async def test_export_from_the_hub_equals_export_from_the_file(
    hub: HubServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    fmt: str,
    employee: str,
    period: str,
    tz: str | None,
) -> None:
    assert hub.hub.tokens is not None
    monkeypatch.setenv("RINGMON_TOKEN", hub.hub.tokens.add("alice", "analyst"))
    monkeypatch.delenv("RINGMON_URL", raising=False)
    common = [what, "--employee", employee, "--period", period, "--format", fmt]
    zone = ["--tz", tz] if tz is not None else []
    from_hub = await in_thread(capsys, *common, *zone, "--url", hub.url)
    from_file = run(capsys, *common, "--tz", tz or "Europe/Warsaw", "--events", R14, "--now", NOW)
    assert from_hub == from_file
    assert from_hub[0] == 0
    if period != "today":  # the 25th has no calls yet
        assert from_hub[1].count("\n") >= 2


async def test_the_hub_refuses_a_bad_token_and_an_employee_role(
    hub: HubServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGMON_TOKEN", "not-a-token")
    code, out, err = await in_thread(capsys, "stats", "--employee", "e1", "--url", hub.url)
    assert (code, out) == (1, "")
    assert err.startswith("ringmon export: the hub refused the token (40")
    assert err.count("\n") == 1
    assert hub.hub.tokens is not None
    monkeypatch.setenv("RINGMON_TOKEN", hub.hub.tokens.add("bob", "employee"))
    code, out, err = await in_thread(capsys, "stats", "--employee", "e1", "--url", hub.url)
    assert (code, out) == (1, "")
    assert err.startswith("ringmon export: the hub refused the token (40")
    assert "analyst" in err.lower() or "administrator" in err.lower()


async def test_unknown_employee_and_token_file(
    hub: HubServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("RINGMON_TOKEN", raising=False)
    assert hub.hub.tokens is not None
    token_file = tmp_path / "token"
    token_file.write_text(hub.hub.tokens.add("carol", "administrator") + "\n", encoding="utf-8")
    monkeypatch.setenv("RINGMON_URL", hub.url)
    code, out, err = await in_thread(
        capsys, "stats", "--employee", "Nobody Here", "--token-file", str(token_file)
    )
    assert (code, out) == (1, "")
    assert (
        err
        == "ringmon export: the hub knows no employee 'Nobody Here' (give an id or exact name)\n"
    )
    code, out, _ = await in_thread(
        capsys, "stats", "--employee", "e1", "--token-file", str(token_file)
    )
    assert code == 0
    assert out.startswith("day,handled,")


def test_r17_is_in_the_fixtures_too() -> None:
    assert Path(R17).exists()


async def test_a_day_before_the_hub_has_data_is_no_data(
    hub: HubServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert hub.hub.tokens is not None
    monkeypatch.setenv("RINGMON_TOKEN", hub.hub.tokens.add("alice", "analyst"))
    code, out, err = await in_thread(
        capsys, "stats", "--employee", "e1", "--period", "2026-03-20", "--url", hub.url
    )
    assert (code, out) == (1, "")
    assert err.startswith("ringmon export: no data for Jan Kowalski in '2026-03-20'")
    assert f"the hub at {hub.url} has no record of them up to that period's end" in err


async def test_an_export_of_days_the_hub_still_loads_is_refused_not_wrong(
    hub: HubServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past days still being written in bulk (hub/intake/backfill.py) would export as days without
    a call: the export says the hub is loading them instead; today alone is exported."""
    assert hub.hub.tokens is not None
    monkeypatch.setenv("RINGMON_TOKEN", hub.hub.tokens.add("alice", "analyst"))
    midnight = datetime.fromisoformat("2026-03-25T00:00:00+01:00").timestamp()
    monkeypatch.setattr(hub.hub, "history_loading", lambda: (midnight, 3.4, 7.0))
    code, out, err = await in_thread(
        capsys, "stats", "--employee", "e1", "--period", "7d", "--url", hub.url
    )
    assert (code, out) == (1, "")
    assert err == (
        "ringmon export: the hub is still loading its past days (3 of 7), and the period "
        "reaches into them; try again shortly\n"
    )
    code, out, err = await in_thread(
        capsys, "stats", "--employee", "e1", "--period", "today", "--url", hub.url
    )
    assert code == 0 and out and not err
