"""Back up the platform's state to one file, and restore it: ``seoul-hub backup|restore``.

A backup is a tar.gz with ``manifest.json`` (format, version, creation time, and each
member's role, size and SHA-256) and these members:

- ``state/accounts.sqlite``: the password accounts (hub/accounts.py);
- ``state/quota.sqlite``: quota policy versions, server sessions (usage) and the audit log;
- the hub's database (users, groups, roles, API tokens, servers): SQLite as
  ``state/jupyterhub.sqlite``, copied with SQLite's online backup API, so a running hub's
  database is copied consistently; PostgreSQL (``SDH_DB_URL``) as
  ``state/jupyterhub.pgdump``, written by ``pg_dump`` (custom format) and put back by
  ``pg_restore`` in one transaction;
- ``data/catalog.sqlite``: the dataset catalog (metadata, versions, data-view gids);
- ``state/jupyterhub_cookie_secret`` and ``state/proxy_token``: the restored hub is the
  same deployment coming back, so signed-in browsers stay signed in and a proxy that kept
  running (with the servers' routes) still takes the hub's calls. ``--new-secrets`` leaves
  them out of a restore (a copy on another machine: a staging hub makes its own).

Not in a backup: the data files (Parquet under the data directory; ``seoul-data ingest``
fetches and converts them again), the users' home images (``<homes_dir>/<user>.img``:
large, and they stay where they are; back that directory up as files), logs, pid files
and the dashboards service's usage log.

A backup holds password hashes, API token hashes and the cookie secret: it is written
0600 and must be kept like the state directory itself. The SHA-256 sums catch a damaged
or altered file; they do not prove who made it.

``restore`` checks the manifest, every member's hash and every SQLite file's integrity
before it writes anything; it refuses a running hub or proxy and, unless forced, existing
state. Each file is written to a temporary file in its destination folder, then renamed
over, so an interrupted restore leaves each file either as it was or restored. State files
are 0600 in 0700 folders (hub/state_files.py).

Blocking (SQLite, pg_dump, file I/O): for the command line, never the hub's event loop.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hub import processes
from hub.settings import HubSettings
from hub.state_files import private_dir
from seoul_data.catalog.store import CATALOG_FILE

FORMAT = "seoul-data-hub-backup"
VERSION = 1
MANIFEST = "manifest.json"
#: What a backup leaves out, as its manifest says.
NOT_INCLUDED = (
    "data files (re-ingest with `seoul-data ingest`)",
    "users' home images (<homes_dir>/<user>.img stay in place)",
    "logs and pid files",
)
_SECRETS = {"cookie-secret": "jupyterhub_cookie_secret", "proxy-token": "proxy_token"}
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
_CHUNK = 1 << 20


class BackupError(ValueError):
    """A backup that cannot be made or restored; the message names the file and why."""


@dataclass(frozen=True)
class Part:
    """One member of a backup and where it lives on this platform."""

    role: str
    #: ``sqlite``, ``secret`` or ``pgdump``.
    kind: str
    #: Its name in the archive.
    member: str
    #: Its file on this platform (None: the hub's PostgreSQL database).
    path: Path | None
    #: Platform state (private, guarded by --force) rather than the data directory's.
    state: bool = True


def parts(settings: HubSettings) -> list[Part]:
    """What a backup of ``settings``' platform holds, and where each part lives."""
    backend, hub_db = _hub_database(settings)
    if backend == "postgresql":
        hub = Part("hub-db", "pgdump", "state/jupyterhub.pgdump", None)
    else:
        hub = Part("hub-db", "sqlite", "state/jupyterhub.sqlite", hub_db)
    catalog = settings.data_dir / CATALOG_FILE
    return [
        Part("accounts", "sqlite", "state/accounts.sqlite", settings.accounts_db),
        Part("quota", "sqlite", "state/quota.sqlite", settings.quota_db),
        hub,
        Part("catalog", "sqlite", f"data/{CATALOG_FILE}", catalog, state=False),
        *[
            Part(role, "secret", f"state/{name}", settings.state_dir / name)
            for role, name in _SECRETS.items()
        ],
    ]


# backup


def create_backup(settings: HubSettings, file: Path) -> dict:
    """Write a backup of the platform's state to ``file`` (a new tar.gz); return its
    manifest. Safe while the hub runs."""
    file = Path(file)
    if file.exists():
        raise BackupError(f"{file} exists: choose a new name (a backup never overwrites)")
    if not file.parent.is_dir():
        raise BackupError(f"{file.parent} is not a directory")
    chosen = [p for p in parts(settings) if p.path is None or p.path.exists()]
    if not any(p.role in ("accounts", "hub-db") for p in chosen):
        raise BackupError(
            f"no accounts and no hub database in {settings.state_dir}: is SDH_STATE_DIR right?"
        )
    with tempfile.TemporaryDirectory(prefix="sdh-backup-") as staging:
        members = []
        for part in chosen:
            copy = Path(staging) / part.role
            _copy_out(settings, part, copy)
            members.append(
                {
                    "role": part.role,
                    "kind": part.kind,
                    "name": part.member,
                    "size": copy.stat().st_size,
                    "sha256": _sha256(copy),
                }
            )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "hub_database": next((p.kind for p in chosen if p.role == "hub-db"), None),
            "members": members,
            "not_included": list(NOT_INCLUDED),
        }
        _write_archive(file, manifest, Path(staging))
    return manifest


def _copy_out(settings: HubSettings, part: Part, copy: Path) -> None:
    if part.kind == "sqlite":
        _sqlite_copy(part.path, copy)
    elif part.kind == "pgdump":
        _pg_dump(settings.database_url, copy)
    else:
        shutil.copyfile(part.path, copy)


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (its writers may keep writing)."""
    try:
        reading = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        with contextlib.closing(reading) as src, contextlib.closing(sqlite3.connect(target)) as dst:
            # one step: the source stays read-locked, so the copy is of one moment
            src.backup(dst)
    except sqlite3.Error as e:
        raise BackupError(f"{source}: cannot be copied ({e})") from None


def _write_archive(file: Path, manifest: dict, staging: Path) -> None:
    """The tar.gz, written to a private temporary file, then renamed to ``file``."""
    tmp = file.with_name(f".{file.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            with tarfile.open(fileobj=out, mode="w:gz") as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                tar.addfile(_tarinfo(MANIFEST, len(data)), io.BytesIO(data))
                for member in manifest["members"]:
                    path = staging / member["role"]
                    with path.open("rb") as content:
                        tar.addfile(_tarinfo(member["name"], member["size"]), content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, file)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


# restore


def restore_backup(
    settings: HubSettings, file: Path, *, force: bool = False, new_secrets: bool = False
) -> list[str]:
    """Restore the backup ``file`` into ``settings``' platform; return what was done, a
    line each. Nothing is written unless the whole backup checks out."""
    file = Path(file)
    for name in ("hub", "proxy"):
        pid = processes.running_pid(settings, name)
        if pid:
            raise BackupError(f"the {name} is running (pid {pid}): stop it (`seoul-hub down`)")
    wanted = {p.role: p for p in parts(settings)}
    with tempfile.TemporaryDirectory(prefix="sdh-restore-") as staging:
        manifest = _read_archive(file, Path(staging))
        members = {m["role"]: m for m in manifest["members"]}
        hub_kind = members.get("hub-db", {}).get("kind")
        if hub_kind and hub_kind != wanted["hub-db"].kind:
            raise BackupError(
                f"{file}: its hub database is {_KIND_NAMES[hub_kind]}, but this platform's"
                f" (SDH_DB_URL) is {_KIND_NAMES[wanted['hub-db'].kind]}; moving between"
                " them is not supported"
            )
        chosen = [wanted[role] for role in members]
        if new_secrets:
            chosen = [p for p in chosen if p.kind != "secret"]
        done, kept = [], []
        existing = [p for p in chosen if p.state and _exists(settings, p)]
        if existing and not force:
            names = ", ".join(str(p.path or _safe_url(settings)) for p in existing)
            raise BackupError(
                f"refusing to overwrite the existing state: {names} (--force replaces it)"
            )
        for part in chosen:
            if not part.state and part.path.exists() and not force:
                # the data directory survived: its catalog describes the files it holds
                kept.append(part)
                done.append(
                    f"kept {part.path} (it describes the data files present; --force replaces it)"
                )
        chosen = [p for p in chosen if p not in kept]
        _put_back(settings, chosen, Path(staging))
    done[:0] = [f"restored {p.role}: {p.path or _safe_url(settings)}" for p in chosen]
    if new_secrets:
        done.append("secrets not restored: the hub makes new ones (everyone signs in again)")
    return done


_KIND_NAMES = {"sqlite": "SQLite", "pgdump": "PostgreSQL"}


def _read_archive(file: Path, staging: Path) -> dict:
    """Check ``file``'s manifest and members; extract each to ``staging/<role>``."""
    try:
        with tarfile.open(file, mode="r:gz") as tar:
            manifest = _manifest(file, tar)
            expected = {m["name"]: m for m in manifest["members"]}
            seen = set()
            for info in tar:
                if info.name == MANIFEST and info is tar.getmember(MANIFEST):
                    continue
                member = expected.get(info.name)
                if member is None or info.name in seen or not info.isfile():
                    raise BackupError(f"{file}: unexpected member {info.name!r}")
                seen.add(info.name)
                _extract(file, tar, info, member, staging / member["role"])
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise BackupError(f"{file}: not a readable backup ({e})") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{file}: {', '.join(missing)} listed in the manifest but missing")
    for member in manifest["members"]:
        _check_content(file, member, staging / member["role"])
    return manifest


def _manifest(file: Path, tar: tarfile.TarFile) -> dict:
    try:
        info = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"{file}: no {MANIFEST}; not a Seoul Data Hub backup") from None
    try:
        manifest = json.loads(tar.extractfile(info).read(_CHUNK))
    except (AttributeError, ValueError) as e:
        raise BackupError(f"{file}: {MANIFEST} cannot be read ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{file}: {MANIFEST} is not a Seoul Data Hub backup's")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{file}: backup format version {manifest.get('version')!r}; this platform reads"
            f" version {VERSION}"
        )
    members = manifest.get("members")
    if not isinstance(members, list) or not members:
        raise BackupError(f"{file}: {MANIFEST} lists no members")
    names = {(p.role, p.kind): p.member for p in _all_parts()}
    roles = set()
    for m in members:
        # only the names this module writes: a member never chooses where it goes
        known = isinstance(m, dict) and all(isinstance(m.get(k), str) for k in _ENTRY_KEYS)
        if not known or names.get((m["role"], m["kind"])) != m["name"] or m["role"] in roles:
            raise BackupError(f"{file}: {MANIFEST} has an invalid member entry: {m!r}")
        roles.add(m["role"])
    return manifest


_ENTRY_KEYS = ("role", "kind", "name", "sha256")


def _all_parts() -> list[Part]:
    """Every part a backup may hold (with either kind of hub database)."""
    sqlite_parts = parts(HubSettings(db_url=""))
    return [*sqlite_parts, Part("hub-db", "pgdump", "state/jupyterhub.pgdump", None)]


def _extract(file: Path, tar, info: tarfile.TarInfo, member: dict, target: Path) -> None:
    digest = hashlib.sha256()
    source = tar.extractfile(info)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if info.size != member.get("size") or digest.hexdigest() != member["sha256"]:
        raise BackupError(
            f"{file}: {info.name} does not match its size and SHA-256 in the manifest"
            " (damaged or altered); nothing was restored"
        )


def _check_content(file: Path, member: dict, path: Path) -> None:
    """A second net behind the hashes: SQLite files whole, secrets non-empty hex."""
    name = member["name"]
    if member["kind"] == "sqlite":
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                result = db.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error as e:
            result = str(e)
        if result != "ok":
            raise BackupError(f"{file}: {name} is not a sound SQLite database ({result})")
    elif member["kind"] == "secret":
        text = path.read_bytes().strip()
        if not text or any(c not in b"0123456789abcdef" for c in text.lower()):
            raise BackupError(f"{file}: {name} is not a secret this platform writes")


def _exists(settings: HubSettings, part: Part) -> bool:
    """Whether restoring ``part`` would replace something."""
    if part.path is None:
        return bool(_pg_tables(settings.database_url))
    return part.path.exists() and part.path.stat().st_size > 0


def _put_back(settings: HubSettings, chosen: list[Part], staging: Path) -> None:
    """Every file to a temporary file beside its destination, then (all written) each
    renamed over its destination; the PostgreSQL database in one transaction."""
    temporary: list[tuple[Path, Part]] = []
    try:
        for part in chosen:
            if part.path is not None:
                temporary.append((_write_beside(part, staging / part.role), part))
        for part in chosen:
            if part.path is None:
                _pg_restore(settings.database_url, staging / part.role)
        for tmp, part in temporary:
            if part.kind == "sqlite":
                # a journal of the replaced database would be applied to the restored one
                for suffix in _SQLITE_SIDECARS:
                    part.path.with_name(part.path.name + suffix).unlink(missing_ok=True)
            os.replace(tmp, part.path)
            _fsync_dir(part.path.parent)
    finally:
        for tmp, _ in temporary:
            tmp.unlink(missing_ok=True)


def _write_beside(part: Part, source: Path) -> Path:
    if part.state:
        private_dir(part.path.parent)
        mode, owner = 0o600, None
    else:
        part.path.parent.mkdir(parents=True, exist_ok=True)
        # the catalog is read by every container (its data, not its metadata, is guarded):
        # it keeps the mode and owner of the one it replaces (seoul_data/data_permissions.py
        # sets them where data views are enforced)
        old = part.path.stat() if part.path.exists() else None
        mode = old.st_mode & 0o777 if old else 0o644
        owner = (old.st_uid, old.st_gid) if old else None
    tmp = part.path.with_name(f".{part.path.name}.restore")
    tmp.unlink(missing_ok=True)  # left by an interrupted restore
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out, source.open("rb") as content:
        shutil.copyfileobj(content, out, _CHUNK)
        out.flush()
        os.fsync(out.fileno())
    if owner:
        os.chown(tmp, *owner)
    os.chmod(tmp, mode)
    return tmp


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# the hub's database


def _hub_database(settings: HubSettings) -> tuple[str, Path | None]:
    """The hub database's backend (``sqlite`` or ``postgresql``) and SQLite file."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        raise BackupError(f"SDH_DB_URL={_safe_url(settings)!r} is not a database URL") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        return backend, None
    if backend != "sqlite" or url.database in (None, "", ":memory:"):
        raise BackupError(
            f"the hub database {_safe_url(settings)} cannot be backed up: only a SQLite file"
            " or PostgreSQL (pg_dump) can"
        )
    # the hub runs in the state directory: a relative SQLite path is there
    return backend, settings.state_dir / url.database


def _safe_url(settings: HubSettings) -> str:
    from sqlalchemy.engine import make_url

    with contextlib.suppress(Exception):
        return make_url(settings.database_url).render_as_string(hide_password=True)
    return "(SDH_DB_URL)"


def _pg_environment(database_url: str) -> dict[str, str]:
    """libpq's variables for the URL: the password never appears on a command line."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    values = {
        "PGHOST": url.query.get("host", url.host),
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    return {**os.environ, **{k: str(v) for k, v in values.items() if v is not None}}


def _pg_program(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise BackupError(
            f"the hub database is PostgreSQL (SDH_DB_URL) and {name} was not found:"
            " install the PostgreSQL client (Debian: postgresql-client)"
        )
    return found


def _pg_run(program: str, *args: str, database_url: str) -> None:
    done = subprocess.run(
        [_pg_program(program), *args],
        env=_pg_environment(database_url),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise BackupError(f"{program} failed ({done.returncode}): {done.stderr.strip()}")


def _pg_dump(database_url: str, target: Path) -> None:
    _pg_run(
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={target}",
        database_url=database_url,
    )


def _pg_restore(database_url: str, dump: Path) -> None:
    """The dump into the database, all or nothing (one transaction)."""
    database = _pg_environment(database_url)["PGDATABASE"]
    _pg_run(
        "pg_restore",
        "--single-transaction",
        "--exit-on-error",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        f"--dbname={database}",
        str(dump),
        database_url=database_url,
    )


def _pg_tables(database_url: str) -> list[str]:
    """The tables of the hub's PostgreSQL database (empty: a new database)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(database_url)
    try:
        return inspect(engine).get_table_names()
    except SQLAlchemyError as e:
        raise BackupError(f"cannot read the hub database: {e.__class__.__name__}: {e}") from None
    finally:
        engine.dispose()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as content:
        while chunk := content.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
