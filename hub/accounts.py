"""Password accounts created by administrators, in the platform's own SQLite store.

The hub's database is JupyterHub's; accounts live apart from it so that the CLI can create
them while the hub runs, and so that switching to LDAP/OAuth later drops one file, not a
table in the hub. Passwords are hashed with Argon2 (argon2-cffi); repeated failures lock an
account for a while.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.state_files import private_file
from seoul_data.transactions import DiskFull, disk_full_as_error

#: Groups of the platform. A tenant (a district office) will be one more group.
GROUPS = ("admin", "analyst", "staff")

USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
MIN_PASSWORD_LENGTH = 10

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    groups TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL
)
"""


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Account:
    name: str
    groups: tuple[str, ...]
    admin: bool


class AccountStore:
    """Accounts in one SQLite file; every method opens its own short transaction."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_failed_logins: int = 5,
        lockout_seconds: float = 300,
    ) -> None:
        self.path = Path(path)
        self.max_failed_logins = max_failed_logins
        self.lockout_seconds = lockout_seconds
        self._hasher = PasswordHasher()
        private_file(self.path)
        with self._connect() as db:
            db.execute(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with disk_full_as_error(self.path), db:
                yield db
        except DiskFull as e:
            raise AccountError(str(e)) from e
        finally:
            db.close()

    def add(
        self,
        name: str,
        *,
        groups: tuple[str, ...] | list[str] = ("staff",),
        admin: bool = False,
        password: str | None = None,
    ) -> str:
        """Create an account and return its password (generated when none is given)."""
        _check_username(name)
        groups = _check_groups(groups)
        password = password or generate_password()
        _check_password(password)
        try:
            with self._connect() as db:
                db.execute(
                    "INSERT INTO accounts (name, password_hash, groups, admin, created)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        name,
                        self._hasher.hash(password),
                        json.dumps(groups),
                        int(admin),
                        time.time(),
                    ),
                )
        except sqlite3.IntegrityError:
            raise AccountError(f"account {name!r} already exists") from None
        return password

    def set_password(self, name: str, password: str | None = None) -> str:
        """Replace an account's password (and unlock it); return the new password."""
        password = password or generate_password()
        _check_password(password)
        self._update(
            name,
            "password_hash = ?, failed_logins = 0, locked_until = 0",
            (self._hasher.hash(password),),
        )
        return password

    def set_groups(self, name: str, groups: list[str], *, admin: bool | None = None) -> None:
        """Replace an account's groups (and admin flag when given); applied at next login."""
        groups = _check_groups(groups)
        if admin is None:
            self._update(name, "groups = ?", (json.dumps(groups),))
        else:
            self._update(name, "groups = ?, admin = ?", (json.dumps(groups), int(admin)))

    def remove(self, name: str) -> None:
        with self._connect() as db:
            if db.execute("DELETE FROM accounts WHERE name = ?", (name,)).rowcount == 0:
                raise AccountError(f"no account {name!r}")

    def get(self, name: str) -> Account | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT name, groups, admin FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        return _account(row) if row else None

    def list(self) -> list[Account]:
        with self._connect() as db:
            rows = db.execute("SELECT name, groups, admin FROM accounts ORDER BY name").fetchall()
        return [_account(row) for row in rows]

    def verify(self, name: str, password: str) -> Account | None:
        """Return the account when the password is right and the account is not locked."""
        with self._connect() as db:
            row = db.execute(
                "SELECT password_hash, failed_logins, locked_until FROM accounts WHERE name = ?",
                (name,),
            ).fetchone()
        if row is None:
            # hash anyway so that a wrong name takes as long as a wrong password
            self._hasher.hash(password)
            return None
        password_hash, failed, locked_until = row
        if locked_until > time.time():
            return None
        try:
            self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            failed += 1
            lock = time.time() + self.lockout_seconds if failed >= self.max_failed_logins else 0
            self._update(name, "failed_logins = ?, locked_until = ?", (failed, lock))
            return None
        if failed:
            self._update(name, "failed_logins = 0, locked_until = 0", ())
        return self.get(name)

    def is_locked(self, name: str) -> bool:
        with self._connect() as db:
            row = db.execute("SELECT locked_until FROM accounts WHERE name = ?", (name,)).fetchone()
        return bool(row) and row[0] > time.time()

    def _update(self, name: str, assignments: str, values: tuple) -> None:
        with self._connect() as db:
            cursor = db.execute(
                f"UPDATE accounts SET {assignments} WHERE name = ?", (*values, name)
            )
            if cursor.rowcount == 0:
                raise AccountError(f"no account {name!r}")


def generate_password() -> str:
    """A random password that is easy to read out (no look-alike characters)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def _account(row: tuple) -> Account:
    name, groups, admin = row
    return Account(name=name, groups=tuple(json.loads(groups)), admin=bool(admin))


def _check_username(name: str) -> None:
    if not USERNAME_PATTERN.match(name):
        raise AccountError(
            f"invalid user name {name!r}: use 2-32 lower-case letters, digits, '-' or '_',"
            " starting with a letter"
        )


def _check_groups(groups: tuple[str, ...] | list[str]) -> list[str]:
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        raise AccountError(f"unknown group(s) {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    if not groups:
        raise AccountError("an account needs at least one group")
    return sorted(set(groups))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
