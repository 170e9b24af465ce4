"""``ringmon token add|list|revoke``: a token is printed once, stored only as a hash, never
listed; revoking works at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringmon.cli import main
from ringmon.hub.serving.tokens import TokenError, TokenStore


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path)
    code, out, err = run(capsys, "token", "add", "alice", "--role", "analyst", "--data", data)
    assert code == 0
    token = out.strip()
    assert len(token) >= 40 and "\n" not in token
    assert "only this once" in err and token not in err

    store = TokenStore(tmp_path)
    principal = store.authenticate(token)
    assert principal is not None and (principal.name, principal.role) == ("alice", "analyst")
    assert principal.may_read
    store.close()
    assert token.encode() not in (tmp_path / "tokens.sqlite3").read_bytes()

    code, out, _ = run(capsys, "token", "add", "bob", "--role", "employee", "--data", data)
    bob = out.strip()
    code, out, err = run(capsys, "token", "list", "--data", data)
    assert code == 0
    assert "alice" in out and "analyst" in out and "bob" in out and "employee" in out
    assert token not in out + err and bob not in out + err

    code, out, _ = run(capsys, "token", "revoke", "alice", "--data", data)
    assert code == 0 and "revoked" in out
    store = TokenStore(tmp_path)
    assert store.authenticate(token) is None
    assert store.authenticate(bob) is not None
    store.close()
    code, _, err = run(capsys, "token", "revoke", "alice", "--data", data)
    assert code == 1 and "no token named 'alice'" in err


def test_a_name_is_taken_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path)
    assert run(capsys, "token", "add", "alice", "--role", "analyst", "--data", data)[0] == 0
    code, out, err = run(capsys, "token", "add", "alice", "--role", "administrator", "--data", data)
    assert code == 1 and out == "" and "exists already" in err


def test_roles_are_checked(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    with pytest.raises(TokenError):
        store.add("x", "superuser")
    with pytest.raises(TokenError):
        store.add("  ", "analyst")
    assert store.add("src", "source") != store.add("src2", "source")
    assert [t.role for t in store.list()] == ["source", "source"]
    assert store.authenticate("") is None
    store.close()


def test_empty_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "token", "list", "--data", str(tmp_path))
    assert code == 0 and "no tokens" in out
