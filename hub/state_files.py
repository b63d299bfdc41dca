"""The hub's state on the host: readable by the platform's account alone, from creation.

The state directory (hub database, accounts, quota store, secrets, logs) is 0700 and every
file in it 0600 from the moment it exists: a file made with the default umask and chmod-ed
afterwards would be readable by other accounts in between.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Make ``path`` (and its parents) if missing; ``path`` itself ends up 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists (e.g. before SQLite opens it;
    SQLite gives its journal the database file's mode)."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    """Return the hex secret stored at ``path``, creating it (0600 from creation) on first use."""
    if path.exists():
        return path.read_text().strip()
    private_dir(path.parent)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(nbytes))
    tmp.replace(path)
    return path.read_text().strip()
