"""The statuses' Rich styles in the App's current theme (``present.status_style``), cached per
theme: the profile's charts draw a status in the colour the board gives it."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.app import App

from ringmon.model.status import Status
from ringmon.present.status_style import status_styles

_BY_THEME: dict[str, dict[Status, Style]] = {}


def theme_styles(app: App[Any]) -> dict[Status, Style]:
    """Each status's style in ``app``'s theme."""
    styles = _BY_THEME.get(app.theme)
    if styles is None:
        if len(_BY_THEME) > 64:
            _BY_THEME.clear()
        styles = _BY_THEME[app.theme] = status_styles(app.get_css_variables())
    return styles
