"""A browser session of ``ringmon web``: how the TUI knows it runs in one, and its environment.

textual-serve starts one TUI process per browser tab, with the server's environment and
``TEXTUAL_DRIVER`` naming Textual's web driver. R1 wants every person to show their own token,
so a session's environment carries none of the server's (``session_environment``), and a TUI
that runs in a browser session reads no token from anywhere (``in_browser_session``): it asks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
"""What textual-serve puts in ``TEXTUAL_DRIVER`` for the process of a browser tab."""

TOKEN_VARIABLES = ("RINGMON_TOKEN", "RINGMON_TOKEN_FILE")
"""The environment variables that give the TUI a token, directly or by file."""


def in_browser_session(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process draws into a browser (textual-serve's web driver) rather than a
    terminal."""
    env = os.environ if environ is None else environ
    return env.get("TEXTUAL_DRIVER", "").strip() == WEB_DRIVER


def session_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without any variable that gives a token."""
    return {name: value for name, value in environ.items() if name not in TOKEN_VARIABLES}
