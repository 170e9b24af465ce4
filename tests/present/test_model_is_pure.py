"""The model holds the rules only: no module of ringmon/model imports the presentation
(ringmon.present), Rich or Textual, and importing the whole model loads none of them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ringmon.model

MODEL = Path(ringmon.model.__file__).parent
FORBIDDEN = ("ringmon.present", "rich", "textual")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_model_module_imports_the_presentation() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in sorted(MODEL.glob("*.py"))
        for name in imported(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not offenders


def test_importing_the_model_loads_no_presentation() -> None:
    modules = [f"ringmon.model.{p.stem}" for p in sorted(MODEL.glob("*.py"))]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('\\n'.join(sorted(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert [m for m in loaded if m.split(".")[0] in {"rich", "textual"}] == []
    assert [m for m in loaded if m.startswith("ringmon.present")] == []
