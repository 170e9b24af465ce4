"""``as_markup``: any text, put in Textual markup, renders exactly as it is."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.content import Content

from ringmon.present.markup import ZERO_WIDTH, as_markup

BRACKETY = st.text(alphabet=st.sampled_from("[]/\\$@#ab =:!"), max_size=20) | st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=20
)


@settings(max_examples=300, deadline=None)
@given(BRACKETY)
def test_any_text_renders_as_it_is(text: str) -> None:
    shown = Content.from_markup(f"[b]{as_markup(text)}[/b] [reverse]x[/reverse]")
    assert shown.plain.replace(ZERO_WIDTH, "") == f"{text.replace(ZERO_WIDTH, '')} x"
    assert shown.cell_length == Content(f"{text} x").cell_length
