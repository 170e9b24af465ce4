"""ringmon.cropped_updates builds on two private parts of Textual (``ChopsUpdate`` and
``App._display``): these tests pin what it expects of them, so that a Textual upgrade that
changes them fails here, and check that ringmon then falls back to Textual's own updates
instead of breaking the screen."""

from __future__ import annotations

import inspect

import pytest
import textual
from rich.segment import Segment
from textual._compositor import ChopsUpdate
from textual.app import App
from textual.strip import Strip

import ringmon.cropped_updates as cropped_updates
from ringmon.app import RingmonApp
from ringmon.cropped_updates import CroppedChopsUpdate, cropped


def update() -> ChopsUpdate:
    return ChopsUpdate([{0: Strip([Segment("0123456789")])}], [(0, 4, 6)], [[10]])


def test_textuals_private_api_is_as_this_module_expects() -> None:
    assert cropped_updates.CONTRACT_PROBLEM is None, (
        f"Textual {textual.__version__}: {cropped_updates.CONTRACT_PROBLEM}; "
        "check ringmon/cropped_updates.py against it"
    )
    params = tuple(inspect.signature(ChopsUpdate.__init__).parameters)
    assert params == ("self", "chops", "spans", "chop_ends")
    assert tuple(inspect.signature(App._display).parameters) == ("self", "screen", "renderable")
    assert isinstance(cropped(update()), CroppedChopsUpdate)


def test_the_apps_override_forwards_whatever_textual_passes() -> None:
    """A later Textual that gives ``_display`` another argument still gets it."""
    params = inspect.signature(RingmonApp._display).parameters
    assert [p.kind for p in params.values()][-2:] == [
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.VAR_KEYWORD,
    ]


def test_a_textual_that_differs_gets_its_stock_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    def changed(
        self: object, chops: object, spans: object, chop_ends: object, crop: object
    ) -> None:
        pass

    monkeypatch.setattr(ChopsUpdate, "__init__", changed)
    problem = cropped_updates.textual_contract_problem()
    assert problem is not None and "ChopsUpdate takes" in problem
    monkeypatch.undo()

    monkeypatch.delattr(App, "_display")
    assert cropped_updates.textual_contract_problem() == "App._display is gone"
    monkeypatch.undo()

    monkeypatch.setattr(cropped_updates, "CONTRACT_PROBLEM", "App._display is gone")
    stock = update()
    assert cropped(stock) is stock
