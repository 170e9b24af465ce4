"""``ringmon export timeline|stats|calls``: an employee's period as CSV or JSON.

Supervisors want spreadsheets; this is also the non-interactive face of the model. The data
comes from a JSONL file of events (``--events``, no hub needed) or from a hub (``--url`` or
``RINGMON_URL``, token from ``RINGMON_TOKEN`` or ``--token-file``); either way the same model
functions compute every figure, the ones the profile shows.

A period that ends before the data begins (the file's first event; for a hub, the employee's
first status or call it keeps) has no data: rather than report it as a day offline, export
says so on stderr and exits 1; so does a period that begins after now (not a day of zeros).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
from typing import Any, TextIO

from ringmon.export.inputs import (
    USAGE,
    ExportError,
    Subject,
    check_period,
    from_file,
    from_hub,
    hub_token,
)
from ringmon.export.tables import (
    CALL_COLUMNS,
    STATS_COLUMNS,
    TIMELINE_COLUMNS,
    Row,
    call_rows,
    iso,
    spreadsheet_safe,
    stats_rows,
    timeline_rows,
)
from ringmon.hub_client import HubClient
from ringmon.model.period import days_window

__all__ = ["ExportError", "export", "run_export"]


def run_export(args: argparse.Namespace) -> int:
    """The ``ringmon export`` command: 0 when written, else one line on stderr and 1 or 2."""
    try:
        export(args, sys.stdout, sys.stderr)
    except ExportError as exc:
        print(f"ringmon export: {exc.message}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:  # `ringmon export ... | head`
        return 0
    return 0


def export(args: argparse.Namespace, out: TextIO, errors: TextIO) -> None:
    """Read the subject from the file or the hub, then write the chosen table."""
    check_period(args.period)
    subject = load(args, errors)
    require_data(subject, args.period)
    write_table(args.what, args.format, subject, out)


def require_data(subject: Subject, period: str) -> None:
    """Refuse a period that ends before the data begins, or begins after now: its figures
    would be made up."""
    start, end = days_window(subject.days, subject.tz)
    who = subject.history.name
    if start > subject.now:
        raise ExportError(
            f"no data for {who} in {period!r} ({subject.days[0]} to {subject.days[-1]}): "
            f"that period has not begun (now is {iso(subject.now, subject.tz)} for "
            f"{subject.source})"
        )
    end = max(start, min(end, subject.now))
    first = subject.records_from
    if first is not None and first < end:
        return
    since = (
        "has no record of them up to that period's end"
        if first is None
        else f"begins at {iso(first, subject.tz)}"
    )
    raise ExportError(
        f"no data for {who} in {period!r} ({subject.days[0]} to {subject.days[-1]}): "
        f"{subject.source} {since}"
    )


def load(args: argparse.Namespace, errors: TextIO) -> Subject:
    if args.events is not None:
        if args.url is not None:
            raise ExportError("give either --events or --url, not both", USAGE)
        return from_file(args.events, args.employee, args.period, args.tz, args.now, errors)
    url = args.url or os.environ.get("RINGMON_URL")
    if not url:
        raise ExportError("no data: give --events PATH, or --url URL (or set RINGMON_URL)", USAGE)
    if args.now is not None:
        raise ExportError("--now goes with --events; a hub has its own clock", USAGE)
    token = hub_token(args.token_file)
    return asyncio.run(_from_hub(url, token, args.employee, args.period, args.tz))


async def _from_hub(
    url: str, token: str, employee: str, period: str, tz_name: str | None
) -> Subject:
    async with HubClient(url, token, timeout=60.0) as hub:
        return await from_hub(hub, employee, period, tz_name)


def write_table(what: str, fmt: str, subject: Subject, out: TextIO) -> None:
    if what == "timeline":
        columns, rows, document = TIMELINE_COLUMNS, timeline_rows(subject), None
    elif what == "calls":
        columns, rows, document = CALL_COLUMNS, call_rows(subject), None
    else:
        day_rows, total = stats_rows(subject)
        columns, rows = STATS_COLUMNS, [*day_rows, total]
        document = {"days": day_rows, "total": total}
    if fmt == "csv":
        write_csv(columns, rows, out)
    else:
        body: dict[str, Any] = document if document is not None else {what: rows}
        json.dump(header(subject) | body, out, ensure_ascii=False, indent=2)
        out.write("\n")


def header(subject: Subject) -> dict[str, Any]:
    """What a JSON export is about: the employee, the zone, the days and "now"."""
    h = subject.history
    return {
        "employee": {
            "id": h.id,
            "name": h.name,
            "department": h.department,
            "accounts": [{"login": login, "number": number} for login, number in h.accounts],
        },
        "tz": subject.tz_name,
        "from": subject.days[0].isoformat(),
        "to": subject.days[-1].isoformat(),
        "now": iso(subject.now, subject.tz),
    }


def write_csv(columns: list[str], rows: list[Row], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})


def _cell(value: object) -> object:
    """Whole numbers without a trailing ``.0``; text that a spreadsheet would run as a formula
    neutralised (``spreadsheet_safe``); everything else as it is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return spreadsheet_safe(value)
