"""How a stretch of a timeline reads (R14, ringmon/present/clock.py): minutes, and seconds
when the minutes would say ``21:56-21:56``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ringmon.model.status import Status
from ringmon.model.timeline import Interval
from ringmon.present.clock import stretch

WARSAW = ZoneInfo("Europe/Warsaw")


def t(hhmmss: str) -> float:
    return datetime.fromisoformat(f"2026-03-24T{hhmmss}").replace(tzinfo=WARSAW).timestamp()


def test_stretches_read_in_minutes() -> None:
    assert stretch(Interval(t("12:34"), t("13:25"), Status.ONLINE), WARSAW) == "online 12:34-13:25"
    assert stretch(Interval(t("23:00"), t("23:00") + 3600, Status.OFFLINE), WARSAW) == (
        "offline 23:00-24:00"
    )


def test_a_stretch_within_one_minute_shows_seconds() -> None:
    short = Interval(t("21:56:05"), t("21:56:40"), Status.TALKING)
    assert stretch(short, WARSAW) == "talking 21:56:05-21:56:40"
    across = Interval(t("21:55:50"), t("21:56:20"), Status.TALKING)
    assert stretch(across, WARSAW) == "talking 21:55-21:56"
    instant = Interval(t("21:56:05"), t("21:56:05") + 0.4, Status.TALKING)
    assert stretch(instant, WARSAW) == "talking 21:56:05-21:56:05 (under a second)"
