"""Rule numbers (R1-R18, defined in docs/requirements.md) are for code, tests and docs: what a
user reads says the rule in words. Every string of the package that is not a docstring may
reach a user (screens, tooltips, help, error sentences, CLI help, export headers), so none of
them cites a rule number."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

from ringmon.cli import build_parser

PACKAGE = Path(__file__).resolve().parent.parent / "ringmon"
RULE = re.compile(r"\bR(1[0-8]|[1-9])\b")


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes (a string as the first statement of a body)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
        # attribute docstrings: a string statement right after an assignment
        if isinstance(body, list):
            for stmt in body:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    found.add(id(stmt.value))
    return found


def test_no_string_a_user_can_read_cites_a_rule_number() -> None:
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and RULE.search(node.value)
            ):
                hits.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}")
    assert hits == []


def test_the_scan_sees_a_rule_number_in_a_string() -> None:
    """The guard above can fail: a message citing a rule is found, a docstring is not."""
    tree = ast.parse('"""Docstring (R16)."""\nMESSAGE = "highest of its devices (R16)"\n')
    skip = docstrings(tree)
    found = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and id(n) not in skip and RULE.search(str(n.value))
    ]
    assert found == ["highest of its devices (R16)"]


def test_command_line_help_cites_no_rule_number() -> None:
    parser = build_parser()
    parsers = [parser]
    while parsers:
        current = parsers.pop()
        assert not RULE.search(current.format_help()), current.prog
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
