"""One way to write to the platform's SQLite files: all of a change, or none of it.

A write that finds the disk full is rolled back and raised as :class:`DiskFull`, whose
message says so (SQLite itself says "database or disk is full", or "disk I/O error" when a
WAL file cannot grow).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class DiskFull(sqlite3.OperationalError):
    """A write refused because the disk of an SQLite file is full; nothing was changed."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        super().__init__(
            f"{path}: 디스크가 가득 차서 저장하지 못했습니다 (바뀐 것은 없습니다)."
            " 이 디스크의 공간을 비운 뒤 다시 시도해 주세요."
        )


def is_disk_full(error: BaseException, path: str | Path) -> bool:
    """Whether ``error`` (from SQLite or a file write) means ``path``'s disk is full."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    if not isinstance(error, sqlite3.OperationalError) or isinstance(error, DiskFull):
        return False
    if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return True
    if "disk i/o error" not in str(error).lower():
        return False
    try:  # an I/O error is a full disk only when the disk is full
        stat = os.statvfs(Path(path).parent)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < 1 << 20


@contextmanager
def disk_full_as_error(path: str | Path) -> Iterator[None]:
    """Raise :class:`DiskFull` for a write to ``path`` that found its disk full."""
    try:
        yield
    except (sqlite3.OperationalError, OSError) as e:
        if is_disk_full(e, path):
            raise DiskFull(path) from e
        raise


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in a ``BEGIN IMMEDIATE`` transaction on ``db`` and close ``db`` after.

    IMMEDIATE takes the write lock at the start, so two writers that each read before they
    write (the next version number, the free GPUs) cannot interleave."""
    db.isolation_level = None
    try:
        db.execute("BEGIN IMMEDIATE")
        yield db
        db.execute("COMMIT")
    except BaseException as e:
        if db.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(e, sqlite3.OperationalError):  # the file's name only when it failed
            path = db.execute("PRAGMA database_list").fetchone()[2]
            if is_disk_full(e, path):
                raise DiskFull(path) from e
        raise
    finally:
        db.close()
