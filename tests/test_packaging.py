"""What a user installs: the version the CLI reports, the help's defaults, and the archives'
contents (the licence, and every file of docs/ and contrib/ that the help points at)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from ringmon.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def shipped_files() -> list[str]:
    """docs/ and contrib/ as the tree has them, relative to the tree."""
    return sorted(
        str(p.relative_to(ROOT))
        for folder in ("docs", "contrib")
        for p in (ROOT / folder).rglob("*")
        if p.is_file()
    )


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"ringmon {version('ringmon')}"
    assert version("ringmon") == PROJECT["version"]


def test_export_help_states_its_defaults() -> None:
    parser = build_parser()
    export = parser._subparsers._group_actions[0].choices["export"]  # type: ignore[union-attr]
    text = " ".join(export.format_help().split())
    assert "(default: today)" in text
    assert "(default: csv)" in text


def test_hub_help_states_where_it_listens() -> None:
    parser = build_parser()
    hub = parser._subparsers._group_actions[0].choices["hub"]  # type: ignore[union-attr]
    text = " ".join(hub.format_help().split())
    assert "--host HOST address to listen on (default 127.0.0.1" in text
    assert "--port PORT port (default 8765" in text


def test_license_file_is_the_mit_licence_pyproject_names() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert PROJECT["license"] == "MIT"
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the ringmon authors" in text


def test_sdist_and_wheel_carry_the_licence_docs_and_contrib(tmp_path: Path) -> None:
    """Build both archives the way a packager does (the wheel from the sdist) from a copy
    of the tree, and look inside."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy2(ROOT / name, tree / name)
    for folder in ("ringmon", "docs", "contrib"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    expected = shipped_files()
    assert "docs/requirements.md" in expected and "contrib/kamailio/ringmon.cfg" in expected

    (sdist,) = out.glob("ringmon-*.tar.gz")
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        in_sdist = {name.removeprefix(f"{top}/") for name in tar.getnames()}
    assert "LICENSE" in in_sdist
    assert [f for f in expected if f not in in_sdist] == []

    (wheel,) = out.glob("ringmon-*.whl")
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        data = f"ringmon-{PROJECT['version']}.data/data/share/"
        metadata = whl.read(f"ringmon-{PROJECT['version']}.dist-info/METADATA").decode()
    installed = {
        name.removeprefix(data)
        .replace("doc/ringmon/", "docs/", 1)
        .replace("ringmon/contrib/", "contrib/", 1)
        for name in names
        if name.startswith(data)
    }
    assert [f for f in expected if f not in installed] == []
    assert f"ringmon-{PROJECT['version']}.dist-info/licenses/LICENSE" in names
    assert "License-Expression: MIT" in metadata
