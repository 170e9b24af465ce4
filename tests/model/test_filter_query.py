"""The board's filter language (ringmon.model.filter_query): examples, clear errors, and
properties: any text gives a query or a QueryError (never another exception), ``!`` is the
complement, terms combine with AND, plain text is the name filter of old."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.model.board import Filters
from ringmon.model.board_rows import Row
from ringmon.model.filter_query import STATUS_VALUES, QueryError, parse_query
from ringmon.model.status import Status

DEPARTMENTS = ["Sales", "Support", "Night", "night shift", None]
NAMES = ["Anna Lee", "Jan Kowalski", "Łukasz Nowak", "anna-maria", "Bob"]


def row(
    name: str = "Anna Lee",
    department: str | None = "Sales",
    status: Status = Status.ONLINE,
    ringing: bool = False,
) -> Row:
    return Row(
        id=name,
        name=name,
        department=department,
        status=status,
        since=0.0,
        ringing_since=1.0 if ringing else None,
        devices=(),
        folded=name.casefold(),
    )


rows_strategy = st.builds(
    row,
    name=st.sampled_from(NAMES),
    department=st.sampled_from(DEPARTMENTS),
    status=st.sampled_from(list(Status)),
    ringing=st.booleans(),
)


def test_examples_of_the_issue() -> None:
    night = row(department="Night", status=Status.DND)
    sales = row(department="Sales", status=Status.TALKING)
    off = row(department="Night", status=Status.OFFLINE)
    q = parse_query("dept:night status:!offline")
    assert q.matches(night) and not q.matches(sales) and not q.matches(off)
    q = parse_query("status:talking,online")
    assert q.matches(sales) and not q.matches(night)
    assert parse_query("dept:!night").matches(sales)
    assert not parse_query("!dept:night").matches(night)
    assert parse_query("dept:sales").matches(sales)  # case-insensitive
    assert parse_query('dept:"night shift"').matches(row(department="Night Shift"))
    assert parse_query("dept:-").matches(row(department=None))
    assert parse_query("status:ringing").matches(row(ringing=True))
    assert not parse_query("status:ringing").matches(row())
    assert parse_query("status:!offline,dnd").matches(sales)
    assert not parse_query("status:!offline,dnd").matches(night)


def test_plain_text_is_the_name_filter_of_old() -> None:
    q = parse_query("  anna lee ")
    assert q.text == "anna lee" and q.plain_name == "anna lee"
    assert q.matches(row("Anna Lee")) and not q.matches(row("Anna Smith"))
    assert parse_query("!anna").matches(row("Bob"))
    # Plain words anywhere between terms are one name text.
    q = parse_query("anna dept:sales lee")
    assert q.matches(row("Anna Lee", "Sales")) and not q.matches(row("Anna Lee", "Night"))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("foo:bar", "'foo' is not a filter; use name:, dept:, status:"),
        ("status:talkin", "there is no status 'talkin'; the statuses are talking, ringing"),
        ("status:", "has no value: write e.g. status:online"),
        ("dept:", "has no value: write e.g. dept:sales"),
        ("!", "a lone ! negates nothing"),
        ("!status:!offline", "says ! twice"),
        ("status:online,!offline", "put ! before the first value"),
        ('dept:"night', "a double quote is not closed"),
        ("status:online,", "has an empty value"),
        ('dept:ni"gh"t', "quotes go around a whole value"),
    ],
)
def test_a_bad_term_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert says in str(caught.value)


def test_filters_take_the_query_and_keep_the_text_as_typed() -> None:
    f = Filters().with_name("Dept:Night  status:!offline")
    chip = f.chips[0]
    assert chip.label == "/Dept:Night  status:!offline"
    assert chip.query is not None and chip.query.matches(row(department="night"))
    with pytest.raises(QueryError):
        Filters().with_name("status:nope")
    assert not Filters().with_name("   ")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab:!," \tstatudeponline-')), max_size=30))
def test_any_text_is_a_query_or_a_clear_error(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as exc:
        assert str(exc)
    else:
        assert query.text == text.strip()


term_strategy = st.one_of(
    st.tuples(st.just("dept"), st.lists(st.sampled_from(["sales", "night", "-"]), min_size=1)),
    st.tuples(st.just("status"), st.lists(st.sampled_from(STATUS_VALUES), min_size=1)),
    st.tuples(st.just("name"), st.lists(st.sampled_from(["ann", "o", "zz"]), min_size=1)),
)


def reference(field: str, values: list[str], r: Row) -> bool:
    if field == "dept":
        dept = r.department.casefold() if r.department else "-"
        return dept in values
    if field == "status":
        return r.status.value in values or ("ringing" in values and r.ringing)
    return any(v in r.folded for v in values)


@settings(max_examples=200, deadline=None)
@given(
    terms=st.lists(st.tuples(term_strategy, st.booleans()), max_size=4),
    rows=st.lists(rows_strategy, max_size=12),
)
def test_terms_combine_with_and_and_bang_is_the_complement(
    terms: list[tuple[tuple[str, list[str]], bool]], rows: list[Row]
) -> None:
    text = " ".join(
        f"{field}:{'!' if negated else ''}{','.join(values)}" for (field, values), negated in terms
    )
    query = parse_query(text)
    for r in rows:
        want = all(reference(field, values, r) is not negated for (field, values), negated in terms)
        assert query.matches(r) is want
    for (field, values), _negated in terms:
        plain = parse_query(f"{field}:{','.join(values)}")
        negated = parse_query(f"!{field}:{','.join(values)}")
        for r in rows:
            assert plain.matches(r) is not negated.matches(r)
