"""How a status is coloured, in one place: the theme variable of each status. The board, the
menus and the dialogs write it in Textual markup and CSS; the profile's charts, drawn with Rich,
take the same colours resolved from the theme (``status_styles``), so a status has one colour
on every screen and follows the theme chosen in the palette.

Status is never told by colour alone: every status carries a glyph of its own
(``ringmon.present.glyphs``), and the profile's legend names them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError

from ringmon.model.status import BY_PRIORITY, Status
from ringmon.present.glyphs import BAR_GLYPH, GLYPHS

STATUS_VARS: dict[Status, str] = {
    Status.TALKING: "$primary",
    Status.ONLINE: "$success",
    Status.DND: "$error",
    Status.OFFLINE: "$text-muted",
}
"""The theme variable each status is written in (Textual markup and CSS)."""

RINGING_VAR = "$warning"
"""The theme variable of a call ringing."""

StatusStyles = Mapping[Status, Style]

PLAIN: StatusStyles = dict.fromkeys(STATUS_VARS, Style())
"""No colour at all: for text that is read, not drawn."""


def status_styles(variables: Mapping[str, str]) -> dict[Status, Style]:
    """The Rich style of each status in a theme's colours (``variables``: the theme's CSS
    variables, ``App.get_css_variables()``), for what is drawn with Rich."""
    background = _colour(variables.get("background", "black"), Color(0, 0, 0))
    return {
        status: Style(
            color=_colour(variables.get(var.removeprefix("$"), ""), background).rich_color
        )
        for status, var in STATUS_VARS.items()
    }


def _colour(value: str, background: Color) -> Color:
    """A theme variable's colour; ``auto 60%`` (a text colour such as ``$text-muted``) is the
    text that contrasts with the background, at that opacity, over the background."""
    words = value.split()
    if words and words[0] == "auto":
        alpha = float(words[1].rstrip("%")) / 100 if len(words) > 1 else 1.0
        return background + background.get_contrast_text(alpha)
    try:
        return Color.parse(value)
    except ColorParseError:
        return background.get_contrast_text(1.0)


CURSOR = Style(reverse=True)
HOVER = Style(underline=True, bold=True)
FUTURE = " "


def status_text(status: Status, styles: StatusStyles, suffix: str = "") -> Text:
    """``● talking`` in its colour, with an optional suffix."""
    return Text.assemble((f"{GLYPHS[status]} {status.label}", styles[status]), suffix)


def legend(styles: StatusStyles) -> Text:
    """``█ talking  ▆ online  ▒ do not disturb  · offline``."""
    text = Text()
    for n, status in enumerate(BY_PRIORITY):
        if n:
            text.append("  ")
        text.append(BAR_GLYPH[status] * 2, styles[status])
        text.append(f" {status.label}")
    return text


def status_items(
    seconds: dict[Status, float], fmt: Callable[[float], str], styles: StatusStyles
) -> list[Text]:
    """``● talking 20:00`` for each status, in priority order."""
    return [
        Text.assemble((f"{GLYPHS[s]} {s.label}", styles[s]), f" {fmt(seconds[s])}")
        for s in BY_PRIORITY
    ]
