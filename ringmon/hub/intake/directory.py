"""``--directory FILE``: who is who, for sources that only know SIP accounts.

Two formats, chosen by the file's extension.

TOML (``.toml``)::

    [[employee]]
    id = "e17"
    name = "Anna Nowak"
    department = "Sales"               # optional
    numbers = ["+48221234567"]         # optional
    accounts = ["sip101", { login = "sip102", number = "102" }]

CSV (any other extension), a header row and one row per account (an employee without an
account has one row with ``account`` empty)::

    employee_id,name,department,account,number
    e17,Anna Nowak,Sales,sip101,101
    e17,Anna Nowak,Sales,sip102,102

In CSV an employee's ``numbers`` are the numbers of their rows.

The directory emits ``employee.upsert`` and ``account.upsert`` for what differs from the hub's
live state, and ``account.remove`` / ``employee.remove`` for what it defined before and no
longer lists (what it defined is saved with the events, so this holds across restarts). It
polls the file's modification time every 2 s. A broken file is logged with the reason, shown
in ``/v1/health`` as the source's detail, and the directory in force stays as it was.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringmon.model.schema import (
    AccountRemove,
    AccountUpsert,
    EmployeeRemove,
    EmployeeUpsert,
    Event,
)
from ringmon.model.state import State
from ringmon.model.wire import to_dt
from ringmon.sources.base import Sink

log = logging.getLogger("ringmon.hub.intake.directory")

CSV_COLUMNS = ("employee_id", "name", "department", "account", "number")


class DirectoryError(ValueError):
    """A directory file that cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    department: str | None
    numbers: tuple[str, ...]


@dataclass(slots=True)
class Directory:
    employees: dict[str, Person] = field(default_factory=dict)
    accounts: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    """login -> (number, employee id)."""


def _text(value: object, where: str, what: str, *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise DirectoryError(f"{where}: {what} is missing")
        return None
    if not isinstance(value, str | int):
        raise DirectoryError(f"{where}: {what} must be text")
    return str(value).strip() or None


def _add_account(d: Directory, login: str, number: str | None, emp: str, where: str) -> None:
    owner = d.accounts.get(login)
    if owner is not None and owner[1] != emp:
        raise DirectoryError(f"{where}: account {login!r} is listed for {owner[1]!r} and {emp!r}")
    d.accounts[login] = (number, emp)


def parse_toml(text: str, name: str = "directory") -> Directory:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DirectoryError(f"{name}: not valid TOML: {exc}") from None
    people = data.get("employee", [])
    if not isinstance(people, list):
        raise DirectoryError(f"{name}: 'employee' must be a list of tables ([[employee]])")
    d = Directory()
    for n, entry in enumerate(people, start=1):
        where = f"{name}: employee #{n}"
        if not isinstance(entry, dict):
            raise DirectoryError(f"{where}: must be a table")
        unknown = set(entry) - {"id", "name", "department", "numbers", "accounts"}
        if unknown:
            raise DirectoryError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        emp = _text(entry.get("id"), where, "id")
        assert emp is not None
        where = f"{name}: employee {emp!r}"
        if emp in d.employees:
            raise DirectoryError(f"{where}: listed twice")
        full = _text(entry.get("name"), where, "name")
        assert full is not None
        numbers = entry.get("numbers", [])
        if not isinstance(numbers, list):
            raise DirectoryError(f"{where}: numbers must be a list")
        d.employees[emp] = Person(
            emp,
            full,
            _text(entry.get("department"), where, "department", required=False),
            tuple(str(x).strip() for x in numbers if str(x).strip()),
        )
        accounts = entry.get("accounts", [])
        if not isinstance(accounts, list):
            raise DirectoryError(f"{where}: accounts must be a list")
        for acc in accounts:
            if isinstance(acc, dict):
                login = _text(acc.get("login"), where, "account login")
                number = _text(acc.get("number"), where, "account number", required=False)
            else:
                login, number = _text(acc, where, "account login"), None
            assert login is not None
            _add_account(d, login, number, emp, where)
    return d


def parse_csv(text: str, name: str = "directory") -> Directory:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DirectoryError(
            f"{name}: the header must name the columns {', '.join(CSV_COLUMNS)} "
            f"(missing: {', '.join(missing)})"
        )
    d = Directory()
    numbers: dict[str, list[str]] = {}
    for row in reader:
        where = f"{name} line {reader.line_num}"
        emp = _text(row.get("employee_id"), where, "employee_id")
        full = _text(row.get("name"), where, "name")
        assert emp is not None and full is not None
        department = _text(row.get("department"), where, "department", required=False)
        known = d.employees.get(emp)
        if known is not None and (known.name, known.department) != (full, department):
            raise DirectoryError(f"{where}: employee {emp!r} has another name or department above")
        d.employees[emp] = Person(emp, full, department, ())
        login = _text(row.get("account"), where, "account", required=False)
        number = _text(row.get("number"), where, "number", required=False)
        if number is not None:
            numbers.setdefault(emp, [])
            if number not in numbers[emp]:
                numbers[emp].append(number)
        if login is not None:
            _add_account(d, login, number, emp, where)
    for emp, nums in numbers.items():
        p = d.employees[emp]
        d.employees[emp] = Person(p.id, p.name, p.department, tuple(nums))
    return d


def load(path: Path) -> Directory:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DirectoryError(f"cannot read directory {str(path)!r}: {exc}") from None
    if path.suffix.lower() == ".toml":
        return parse_toml(text, str(path))
    return parse_csv(text, str(path))


def changes(
    state: State, wanted: Directory, defined_before: tuple[set[str], set[str]], at: float
) -> list[Event]:
    """The events that make the state agree with the directory, in an order that applies."""
    ts = to_dt(at)
    events: list[Event] = []
    old_employees, old_accounts = defined_before
    for p in wanted.employees.values():
        e = state.employees.get(p.id)
        if e is None or (e.name, e.department, e.numbers) != (p.name, p.department, p.numbers):
            events.append(
                EmployeeUpsert(
                    ts=ts, id=p.id, name=p.name, department=p.department, numbers=p.numbers
                )
            )
    for login in sorted(old_accounts - set(wanted.accounts)):
        if login in state.accounts:
            events.append(AccountRemove(ts=ts, login=login))
    for login, (number, emp) in wanted.accounts.items():
        a = state.accounts.get(login)
        if a is None or (a.number, a.employee) != (number, emp):
            events.append(AccountUpsert(ts=ts, login=login, number=number, employee=emp))
    for emp in sorted(old_employees - set(wanted.employees)):
        if emp in state.employees:
            events.append(EmployeeRemove(ts=ts, id=emp))
    return events


class DirectorySource:
    """Keeps the hub's employees and accounts in line with a directory file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        state: Callable[[], State],
        *,
        poll: float = 2.0,
    ) -> None:
        self.path = Path(path)
        self.name = f"directory:{path}"
        self.poll = poll
        self._state = state
        self._mtime: float | None = None
        self.error: str | None = None

    def _defined(self, sink: Sink) -> tuple[set[str], set[str]]:
        getter = getattr(sink, "source_cursor", None)
        saved = getter(self.name) if getter is not None else None
        if not saved:
            return set(), set()
        try:
            data: dict[str, Any] = json.loads(saved)
            return set(data["employees"]), set(data["accounts"])
        except (ValueError, KeyError, TypeError):
            return set(), set()

    async def sync(self, sink: Sink) -> bool:
        """Read the file and emit what changed; False (and the reason logged) if broken."""
        try:
            mtime = self.path.stat().st_mtime_ns / 1e9
            wanted = load(self.path)
        except (OSError, DirectoryError) as exc:
            message = str(exc) if isinstance(exc, DirectoryError) else f"{self.path}: {exc}"
            if message != self.error:
                log.error("directory not (re)loaded, the previous one stays: %s", message)
            self.error = message
            self._mtime = None if isinstance(exc, OSError) else mtime
            return False
        self._mtime = mtime
        self.error = None
        events = changes(self._state(), wanted, self._defined(sink), sink.now())
        applied = 0
        for event in events:
            if await sink.emit(event, source=self.name):
                applied += 1
        setter = getattr(sink, "set_source_cursor", None)
        if setter is not None:
            setter(
                self.name,
                json.dumps(
                    {"employees": sorted(wanted.employees), "accounts": sorted(wanted.accounts)}
                ),
            )
        if events:
            log.info("directory %s: %d of %d changes applied", self.path, applied, len(events))
        return True

    async def run(self, sink: Sink) -> None:
        if self._mtime is None and self.error is None:
            await self.sync(sink)
        while True:
            await asyncio.sleep(self.poll)
            try:
                mtime = self.path.stat().st_mtime_ns / 1e9
            except OSError:
                mtime = None
            if mtime != self._mtime or mtime is None:
                await self.sync(sink)
