"""Access tokens (R1): ``ringmon token add|list|revoke`` and the hub's lookup.

A token is a random secret (``secrets.token_urlsafe(32)``) shown once when made; the hub keeps
only its SHA-256 (a plain hash is enough for a 256-bit random secret: there is nothing to
brute-force) in ``DATA/tokens.sqlite3``, a file separate from the events so that tokens can be
managed while the hub runs (SQLite serialises the writers; the hub sees a new or revoked token
at its next request). Lookup is by hash, then the stored hash is compared with
``hmac.compare_digest``. Tokens are never logged or listed.
"""

from __future__ import annotations

import argparse
import builtins
import hashlib
import hmac
import secrets
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ringmon.hub.settings import SettingsError, data_dir, private_file

ROLES: tuple[str, ...] = ("administrator", "analyst", "employee", "source")
READER_ROLES: frozenset[str] = frozenset({"administrator", "analyst"})
TOKEN_FILE = "tokens.sqlite3"


class TokenError(ValueError):
    """A token command that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request comes from."""

    name: str
    role: str

    @property
    def may_read(self) -> bool:
        """R1: only analysts and administrators may see the report."""
        return self.role in READER_ROLES


@dataclass(frozen=True, slots=True)
class TokenInfo:
    name: str
    role: str
    created: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """The tokens of one data folder. Safe to use from several threads."""

    def __init__(self, folder: Path) -> None:
        self.path = private_file(folder / TOKEN_FILE)
        self._lock = threading.Lock()
        self._changes = 0
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=10.0)
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS tokens ("
                " name TEXT PRIMARY KEY, role TEXT NOT NULL,"
                " hash TEXT NOT NULL UNIQUE, created REAL NOT NULL)"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, name: str, role: str) -> str:
        """Make a token for ``name``; returns the secret (the only time it exists in clear)."""
        name = name.strip()
        if not name:
            raise TokenError("a token needs a name")
        if role not in ROLES:
            raise TokenError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        token = secrets.token_urlsafe(32)
        try:
            with self._lock, self._db:
                self._db.execute(
                    "INSERT INTO tokens (name, role, hash, created) VALUES (?, ?, ?, ?)",
                    (name, role, _digest(token), time.time()),
                )
                self._changes += 1
        except sqlite3.IntegrityError:
            raise TokenError(
                f"a token named {name!r} exists already: revoke it first or pick another name"
            ) from None
        return token

    def list(self) -> list[TokenInfo]:
        with self._lock:
            rows = self._db.execute("SELECT name, role, created FROM tokens ORDER BY name")
            return [TokenInfo(name, role, created) for name, role, created in rows]

    def digests(self) -> builtins.list[tuple[str, TokenInfo]]:
        """Each token's hash with its name and role (to share them with a cluster's hubs:
        hub/log/tokens.py); never the secrets, which the hub does not have."""
        with self._lock:
            rows = self._db.execute("SELECT hash, name, role, created FROM tokens")
            return [(digest, TokenInfo(name, role, when)) for digest, name, role, when in rows]

    def revoke(self, name: str) -> bool:
        with self._lock, self._db:
            self._changes += 1
            return self._db.execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount > 0

    def revision(self) -> tuple[int, int]:
        """Changes whenever a token is added or revoked, here or by another process (such as
        ``ringmon token revoke`` while the hub runs): SQLite's ``data_version`` counts the
        other connections' commits, ``_changes`` this one's. Cheap: no table is read."""
        with self._lock:
            (version,) = self._db.execute("PRAGMA data_version").fetchone()
            return self._changes, int(version)

    def authenticate(self, token: str) -> Principal | None:
        """The holder of ``token``, or None when it is not (or no longer) known."""
        digest = _digest(token)
        with self._lock:
            row = self._db.execute(
                "SELECT name, role, hash FROM tokens WHERE hash = ?", (digest,)
            ).fetchone()
        if row is None or not hmac.compare_digest(row[2], digest):
            return None
        return Principal(row[0], row[1])


def run_token(args: argparse.Namespace) -> int:
    """``ringmon token add|list|revoke``: 0 on success, 1 when refused, 2 on bad settings."""
    try:
        store = TokenStore(data_dir(args.data))
    except (SettingsError, sqlite3.Error) as exc:
        print(f"ringmon token: {exc}", file=sys.stderr)
        return 2
    try:
        if args.token_command == "add":
            token = store.add(args.name, args.role)
            print(token, flush=True)
            print(
                f"Token for {args.name.strip()!r} ({args.role}) made; it is shown only this once. "
                "Keep it in a file readable only by you and pass --token-file FILE "
                "(or set RINGMON_TOKEN).",
                file=sys.stderr,
            )
            return 0
        if args.token_command == "list":
            tokens = store.list()
            if not tokens:
                print("no tokens (make one: ringmon token add NAME --role analyst)")
            width = max((len(t.name) for t in tokens), default=4)
            for t in tokens:
                made = datetime.fromtimestamp(t.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
                print(f"{t.name:<{width}}  {t.role:<13}  created {made}")
            return 0
        if args.token_command == "revoke":
            if store.revoke(args.name):
                print(f"token {args.name!r} revoked")
                return 0
            print(f"ringmon token: no token named {args.name!r}", file=sys.stderr)
            return 1
        print(f"ringmon token: unknown action {args.token_command!r}", file=sys.stderr)
        return 2
    except TokenError as exc:
        print(f"ringmon token: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
