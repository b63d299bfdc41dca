"""A small file system to fill: tmpfs mounted for one test, unmounted after it."""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_filesystem(path: Path, size: str = "8m") -> Iterator[Path]:
    """Mount a tmpfs of ``size`` at ``path`` (made if missing); unmount it after."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "sdh-faults", path], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "--lazy", path], check=False)


def fill(path: Path) -> Path:
    """Write a file under ``path`` until its file system is full; return the file."""
    filler = path / "filler.bin"
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(block)
        while len(block) > 1:  # the last bytes too, down to a single one
            block = block[: len(block) // 2]
            with contextlib.suppress(OSError):
                while True:
                    f.write(block)
    with pytest.raises(OSError) as full:
        (path / "probe").write_bytes(b"x")
    assert full.value.errno == errno.ENOSPC
    return filler


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of an SQLite file ("ok" when it is intact)."""
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
