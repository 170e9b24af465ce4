"""The board's filter language (the ``/`` box), parsed and evaluated without Textual.

A query is terms separated by spaces; a row must pass every term:

- plain words filter names as before: ``ann lee`` keeps rows whose name contains "ann lee"
  (case-insensitive); ``!ann`` keeps the names that do not contain "ann";
- ``dept:sales`` keeps the Sales department (case-insensitive, the whole name;
  ``dept:"night shift"`` for a name with spaces, ``dept:-`` for employees without one);
- ``status:talking,online`` keeps either status; ``ringing`` is a status here too (a call
  rings the employee now);
- ``!`` negates: ``status:!offline``, ``dept:!night``, ``!dept:night`` (the same), and before a
  list it negates the whole list (``status:!offline,dnd``: neither offline nor dnd).

``parse_query`` raises ``QueryError`` with a sentence that names the bad term; it never lets
another exception out, whatever the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ringmon.model.board_rows import Row
from ringmon.model.status import BY_PRIORITY

RINGING_VALUE = "ringing"
NO_DEPARTMENT_VALUE = "-"
STATUS_VALUES: tuple[str, ...] = (
    *(s.value for s in BY_PRIORITY[:1]),
    RINGING_VALUE,
    *(s.value for s in BY_PRIORITY[1:]),
)
"""Every value ``status:`` takes, in the board's order."""


class QueryError(ValueError):
    """A query that cannot be used; ``str()`` says which term and why."""


class Field(StrEnum):
    NAME = "name"
    DEPARTMENT = "dept"
    STATUS = "status"


FIELD_NAMES: dict[str, Field] = {
    "name": Field.NAME,
    "dept": Field.DEPARTMENT,
    "department": Field.DEPARTMENT,
    "status": Field.STATUS,
}


@dataclass(frozen=True, slots=True)
class Term:
    """One term: the row's ``field`` is one of ``values`` (a name: contains one of them),
    or, ``negated``, none of them. Values are case-folded."""

    field: Field
    values: frozenset[str]
    negated: bool = False

    def matches(self, row: Row) -> bool:
        field = self.field
        if field is Field.NAME:
            hit = any(v in row.folded for v in self.values)
        elif field is Field.DEPARTMENT:
            dept = row.department
            hit = (dept.casefold() if dept else NO_DEPARTMENT_VALUE) in self.values
        else:
            hit = row.status.value in self.values or (
                RINGING_VALUE in self.values and row.ringing_since is not None
            )
        return hit is not self.negated


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: ``text`` as typed, and its terms (all must match)."""

    text: str
    terms: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matches(self, row: Row) -> bool:
        # A loop, not all(<generator>): this runs for every row of a 10,000-row board.
        for term in self.terms:  # noqa: SIM110
            if not term.matches(row):
                return False
        return True

    @property
    def plain_name(self) -> str | None:
        """The name text when the query is only plain words (the type-to-filter of old)."""
        if len(self.terms) == 1:
            term = self.terms[0]
            if term.field is Field.NAME and not term.negated and len(term.values) == 1:
                return next(iter(term.values))
        return None


def split_terms(text: str) -> list[str]:
    """The text cut at spaces outside double quotes; the quotes stay in the pieces."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch.isspace() and not quoted:
            if current:
                pieces.append("".join(current))
                current = []
        else:
            current.append(ch)
    if quoted:
        raise QueryError('a double quote is not closed: write dept:"night shift"')
    if current:
        pieces.append("".join(current))
    return pieces


def _unquote(value: str, piece: str) -> str:
    if '"' not in value:
        return value
    if len(value) >= 2 and value[0] == value[-1] == '"' and '"' not in value[1:-1]:
        return value[1:-1]
    raise QueryError(f'{piece!r}: quotes go around a whole value, as in dept:"night shift"')


def _values(field: Field, raw: str, piece: str) -> frozenset[str]:
    values: set[str] = set()
    for part in raw.split(","):
        value = " ".join(_unquote(part.strip(), piece).split()).casefold()
        if not value:
            raise QueryError(f"{piece!r} has an empty value: write {field.value}:a,b")
        if value.startswith("!"):
            raise QueryError(
                f"{piece!r}: put ! before the first value, for the whole list "
                f"({field.value}:!a,b means neither a nor b)"
            )
        if field is Field.STATUS and value not in STATUS_VALUES:
            if value in ("do not disturb", "do-not-disturb", "busy"):
                value = "dnd"
            else:
                raise QueryError(
                    f"{piece!r}: there is no status {value!r}; the statuses are "
                    + ", ".join(STATUS_VALUES)
                )
        values.add(value)
    return frozenset(values)


def parse_term(piece: str) -> Term:
    """One term of a query (no spaces outside quotes)."""
    negated = piece.startswith("!")
    body = piece[1:] if negated else piece
    key, colon, rest = body.partition(":")
    if colon and '"' not in key:
        field = FIELD_NAMES.get(key.casefold())
        if field is None:
            known = ", ".join(f"{k}:" for k in ("name", "dept", "status"))
            raise QueryError(f"{piece!r}: {key!r} is not a filter; use {known} or plain text")
        if rest.startswith("!"):
            if negated:
                raise QueryError(f"{piece!r} says ! twice; write {field.value}:!value")
            negated = True
            rest = rest[1:]
        if not rest:
            raise QueryError(f"{piece!r} has no value: write e.g. {field.value}:{_example(field)}")
        return Term(field, _values(field, rest, piece), negated)
    if not body:
        raise QueryError("a lone ! negates nothing: write !name, or status:!offline")
    return Term(Field.NAME, frozenset({_unquote(body, piece).casefold()}), negated)


def _example(field: Field) -> str:
    return {Field.NAME: "ann", Field.DEPARTMENT: "sales", Field.STATUS: "online"}[field]


def parse_query(text: str) -> Query:
    """The query typed in ``text`` (empty text: a query that keeps every row)."""
    terms: list[Term] = []
    words: list[str] = []
    for piece in split_terms(text):
        term = parse_term(piece)
        if term.field is Field.NAME and not term.negated and ":" not in piece:
            # Plain words are one name text, spaces kept: "ann lee" is what it was before.
            words.append(next(iter(term.values)))
        else:
            terms.append(term)
    if words:
        terms.insert(0, Term(Field.NAME, frozenset({" ".join(words)})))
    return Query(text.strip(), tuple(terms))
