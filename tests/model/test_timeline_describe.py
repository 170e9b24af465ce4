"""How a stretch of a timeline reads (R14): minutes, and seconds when the minutes would say
``21:56-21:56``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ringmon.model.status import Status
from ringmon.model.timeline import Interval

WARSAW = ZoneInfo("Europe/Warsaw")


def t(hhmmss: str) -> float:
    return datetime.fromisoformat(f"2026-03-24T{hhmmss}").replace(tzinfo=WARSAW).timestamp()


def test_stretches_read_in_minutes() -> None:
    assert Interval(t("12:34"), t("13:25"), Status.ONLINE).describe(WARSAW) == "online 12:34-13:25"
    assert Interval(t("23:00"), t("23:00") + 3600, Status.OFFLINE).describe(WARSAW) == (
        "offline 23:00-24:00"
    )


def test_a_stretch_within_one_minute_shows_seconds() -> None:
    short = Interval(t("21:56:05"), t("21:56:40"), Status.TALKING)
    assert short.describe(WARSAW) == "talking 21:56:05-21:56:40"
    across = Interval(t("21:55:50"), t("21:56:20"), Status.TALKING)
    assert across.describe(WARSAW) == "talking 21:55-21:56"
    instant = Interval(t("21:56:05"), t("21:56:05") + 0.4, Status.TALKING)
    assert instant.describe(WARSAW) == "talking 21:56:05-21:56:05 (under a second)"
