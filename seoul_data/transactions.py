"""One way to write to the platform's SQLite files: all of a change, or none of it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


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
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
