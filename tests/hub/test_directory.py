"""``--directory FILE``: employees and accounts from TOML or CSV, kept in line with the file;
a broken file is reported and the directory in force stays."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from hub_helpers import device
from hub_served import Served

from ringmon.hub.intake.directory import DirectoryError, DirectorySource, parse_csv, parse_toml
from ringmon.hub.server import ConfigError, HubConfig, build_hub

TOML = """
[[employee]]
id = "e1"
name = "Anna Nowak"
department = "Sales"
numbers = ["+48221234567"]
accounts = ["sip101", { login = "sip102", number = "102" }]

[[employee]]
id = "e2"
name = "Piotr Zieliński"
accounts = [{ login = "sip201", number = "201" }]
"""

CSV = """employee_id,name,department,account,number
e1,Anna Nowak,Sales,sip101,
e1,Anna Nowak,Sales,sip102,102
e2,Piotr Zieliński,,sip201,201
e3,Ewa Lis,Billing,,
"""


def test_toml() -> None:
    d = parse_toml(TOML)
    assert d.employees["e1"].numbers == ("+48221234567",)
    assert d.employees["e2"].department is None
    assert d.accounts == {
        "sip101": (None, "e1"),
        "sip102": ("102", "e1"),
        "sip201": ("201", "e2"),
    }


def test_csv() -> None:
    d = parse_csv(CSV)
    assert d.employees["e1"].numbers == ("102",)
    assert d.employees["e2"].department is None
    assert d.employees["e3"].department == "Billing"
    assert d.accounts["sip201"] == ("201", "e2")
    assert len(d.accounts) == 3


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[employee]]\nid = 'e1'\n", "name is missing"),
        ("[[employee]]\nid = 'e1'\nname = 'A'\ncolour = 'red'\n", "unknown keys colour"),
        ("[[employee\n", "not valid TOML"),
        (
            "[[employee]]\nid='a'\nname='A'\naccounts=['s']\n"
            "[[employee]]\nid='b'\nname='B'\naccounts=['s']\n",
            "listed for 'a' and 'b'",
        ),
        ("[[employee]]\nid='a'\nname='A'\n[[employee]]\nid='a'\nname='B'\n", "listed twice"),
    ],
)
def test_toml_errors_say_where(text: str, words: str) -> None:
    with pytest.raises(DirectoryError, match=words):
        parse_toml(text, "staff.toml")


def test_csv_errors_say_where() -> None:
    with pytest.raises(DirectoryError, match="missing: number"):
        parse_csv("employee_id,name,department,account\n")
    with pytest.raises(DirectoryError, match="line 3: name is missing"):
        parse_csv("employee_id,name,department,account,number\ne1,A,,,\ne2,,,,\n", "x.csv")


def names(served: Served) -> dict[str, tuple[str, str | None]]:
    return {e.id: (e.name, e.department) for e in served.hub.state.employees.values()}


def owners(served: Served) -> dict[str, str | None]:
    return {a.login: a.employee for a in served.hub.state.accounts.values()}


def touch(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:  # coarse file-system clocks
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


async def test_sync_applies_changes_only(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "staff.toml"
    touch(path, TOML)
    source = DirectorySource(path, lambda: served.hub.state)
    assert await source.sync(served.hub)
    assert names(served) == {"e1": ("Anna Nowak", "Sales"), "e2": ("Piotr Zieliński", None)}
    assert owners(served) == {"sip101": "e1", "sip102": "e1", "sip201": "e2"}
    seq = served.hub.seq
    assert seq == 5
    assert await source.sync(served.hub)
    assert served.hub.seq == seq  # nothing changed, nothing emitted

    # e2 leaves, sip102 moves to a new e3, Anna changes department.
    touch(
        path,
        """
[[employee]]
id = "e1"
name = "Anna Nowak"
department = "Support"
numbers = ["+48221234567"]
accounts = ["sip101"]

[[employee]]
id = "e3"
name = "Ewa Lis"
accounts = [{ login = "sip102", number = "102" }]
""",
    )
    assert await source.sync(served.hub)
    assert names(served) == {"e1": ("Anna Nowak", "Support"), "e3": ("Ewa Lis", None)}
    assert owners(served) == {"sip101": "e1", "sip102": "e3"}
    assert served.hub.counters.rejected_kind == {}


async def test_broken_file_keeps_the_directory_in_force(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    touch(path, CSV)
    source = DirectorySource(path, lambda: served.hub.state)
    served.hub.add_source(source)
    for _ in range(200):
        if len(served.hub.state.employees) == 3:
            break
        await asyncio.sleep(0.01)
    before = (names(served), owners(served), served.hub.seq)
    touch(path, CSV + "e4,,,sip401,401\n")
    assert not await source.sync(served.hub)
    assert (names(served), owners(served), served.hub.seq) == before
    health = served.hub.health()
    (entry,) = health["sources"]
    assert entry["state"] == "running" and "line 6: name is missing" in entry["detail"]
    touch(path, CSV.replace("Ewa Lis", "Ewa Lis-Nowak"))
    assert await source.sync(served.hub)
    assert names(served)["e3"] == ("Ewa Lis-Nowak", "Billing")
    assert served.hub.health()["sources"][0]["detail"] is None


async def test_the_file_is_polled(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "staff.toml"
    touch(path, TOML)
    served.hub.add_source(DirectorySource(path, lambda: served.hub.state, poll=0.01))
    for _ in range(300):
        if len(served.hub.state.employees) == 2:
            break
        await asyncio.sleep(0.01)
    assert len(served.hub.state.employees) == 2
    touch(path, TOML.replace("Anna Nowak", "Anna Kowalska"))
    for _ in range(300):
        if served.hub.state.employees["e1"].name == "Anna Kowalska":
            break
        await asyncio.sleep(0.01)
    assert served.hub.state.employees["e1"].name == "Anna Kowalska"


async def test_accounts_the_directory_drops_are_removed_also_after_restart(
    served: Served, tmp_path: Path
) -> None:
    path = tmp_path / "staff.toml"
    touch(path, TOML)
    assert await DirectorySource(path, lambda: served.hub.state).sync(served.hub)
    assert await served.hub.emit(device(4 * 3600 + 100, "sip201", "c1", "online"), source="pbx")
    await served.hub.flush()
    # A new DirectorySource (as after a restart) still knows what the directory defined.
    touch(path, TOML.split('[[employee]]\nid = "e2"')[0])
    assert await DirectorySource(path, lambda: served.hub.state).sync(served.hub)
    assert set(owners(served)) == {"sip101", "sip102"}
    assert set(names(served)) == {"e1"}


def test_a_broken_directory_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "staff.toml"
    bad.write_text("[[employee]]\nid='a'\n")
    config = HubConfig(data=tmp_path / "d", sources=(), directory=bad)
    with pytest.raises(ConfigError, match="name is missing"):
        build_hub(config, sources=[])
    config.directory = tmp_path / "missing.csv"
    with pytest.raises(ConfigError, match="cannot read directory"):
        build_hub(config, sources=[])
