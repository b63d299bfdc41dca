"""A throw-away PostgreSQL server for tests: its own data directory, port and socket.

The server binaries are Debian's (``postgresql``: ``/usr/lib/postgresql/<major>/bin``,
installed by scripts/install-system.sh). PostgreSQL refuses to run as root, so under root
(CI) the server runs as ``nobody`` in a directory of its own under /tmp; otherwise as the
test's own account. It listens on 127.0.0.1 at a free port, with password (SCRAM) logins
over TCP, as a production database would be reached, and on a Unix socket in that
directory. Missing binaries fail the test with what to install: nothing is skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.running_hub import free_port

#: The server's role (superuser of its own cluster).
USER = "sdh"


class PostgresError(RuntimeError):
    """The test server could not be set up; the message says which step and why."""


def bin_dir() -> Path:
    """The newest installed PostgreSQL server's binaries (initdb, pg_ctl, postgres)."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise PostgresError(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb):"
            " install Debian's `postgresql` package (scripts/install-system.sh does)"
        )
    return found[-1]


class PostgresServer:
    """``PostgresServer().start()``, then :meth:`create_database` and :meth:`stop`."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.root: Path | None = None
        self._account = "nobody" if os.geteuid() == 0 else None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def start(self) -> PostgresServer:
        # not under pytest's tmp dirs: those are root's alone (0700), and the server's
        # account must reach its directory
        self.root = Path(tempfile.mkdtemp(prefix="sdh-pg-"))
        self.socket_dir.mkdir()
        password_file = self.root / "password"
        password_file.write_text(self.password)
        if self._account:
            entry = pwd.getpwnam(self._account)
            for path in (self.root, self.socket_dir, password_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username",
            USER,
            "--pwfile",
            str(password_file),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        password_file.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir}"
            " -c fsync=off -c max_connections=50"  # a test server: speed over durability
        )
        self._run(
            "pg_ctl",
            "start",
            "--wait",
            "--timeout=60",
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.root / "server.log"),
            "--options",
            options,
        )
        return self

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server (TCP, with the password)."""
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        """A connection to ``database`` (autocommit)."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=USER,
            password=self.password,
            dbname=database,
            autocommit=True,
        )

    def create_database(self, name: str) -> str:
        """Create an empty database; return its URL."""
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log(self) -> str:
        path = self.root / "server.log" if self.root else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        if self.root is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "--wait", "--mode=fast", "--pgdata", str(self.data_dir))
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self._account:
            command = ["runuser", "-u", self._account, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise PostgresError(
                f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout}"
                f"\n{self.log()[-3000:]}"
            )
