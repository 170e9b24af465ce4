"""Callers' numbers are personal data: masked on screen by ``--[no-]mask-numbers``, else by the
config file's ``mask_numbers`` (or ``RINGMON_MASK_NUMBERS``), else in wall mode only."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringmon.app import RingmonApp
from ringmon.config import Settings, load_settings


@pytest.mark.parametrize(
    ("option", "configured", "wall", "masked"),
    [
        (None, None, False, False),
        (None, None, True, True),
        (None, True, False, True),
        (None, False, True, False),
        (False, True, True, False),
        (True, False, False, True),
    ],
)
def test_who_decides_the_masking(
    option: bool | None, configured: bool | None, wall: bool, masked: bool
) -> None:
    settings = Settings(mask_numbers=configured)
    app = RingmonApp("http://127.0.0.1:1", "t", settings, wall=wall, mask_numbers=option)
    assert app.context.mask_numbers is masked


def test_the_file_and_the_environment_set_it(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("mask_numbers = true\n")
    assert load_settings(environ={}, path=config).mask_numbers is True
    environ = {"RINGMON_MASK_NUMBERS": "false"}
    assert load_settings(environ=environ, path=config).mask_numbers is False
