"""The quota service's own store (SQLite): policy versions, audit log, server sessions.

Not the hub's database: the spawner and the quota admin service share this file. A server
session row is open while the server runs; it carries the limits and GPU devices granted,
so usage (CPU-, memory-, GPU-hours) and the GPU allocator both read it, and every write
that hands out something scarce runs in one ``BEGIN IMMEDIATE`` transaction.

The file is in WAL mode: reads (the policy for a spawn form, the admin pages) never wait
for a writer and never block one. A writer waits for another at most ``busy_timeout``
seconds, then gets :class:`QuotaStoreBusy` with a message for staff. The parsed policy is
kept until a newer version is stored, so a spawn does not re-check the document.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hub.quota_policy import Policy, PolicyError, parse_policy
from hub.state_files import private_file
from seoul_data.transactions import write_transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS policy (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document TEXT NOT NULL,
    actor TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    groups TEXT NOT NULL,
    profile TEXT NOT NULL,
    cpu REAL NOT NULL,
    mem INTEGER NOT NULL,
    gpus TEXT NOT NULL,
    started REAL NOT NULL,
    stopped REAL,
    ready REAL
);
CREATE INDEX IF NOT EXISTS sessions_open ON sessions (stopped);
"""


class QuotaRefused(Exception):
    """A spawn the policy does not allow; the message is for the user (Korean)."""

    def __init__(self, message: str, reason: str) -> None:
        self.reason = reason
        super().__init__(message)


class QuotaStoreBusy(Exception):
    """Another process held the quota store's write lock for too long (message in Korean)."""

    def __init__(self, path: Path, waited: float) -> None:
        self.path = path
        super().__init__(
            f"자원 관리 저장소가 다른 작업으로 잠겨 있어 {waited:g}초 동안 기다렸지만 처리하지"
            " 못했습니다. 잠시 후 다시 시도해 주세요. 계속되면 관리자에게 문의해 주세요."
        )


@dataclass(frozen=True)
class Session:
    id: int
    user: str
    groups: tuple[str, ...]
    profile: str
    cpu: float
    mem: int
    gpus: tuple[str, ...]
    started: float
    stopped: float | None
    #: When the server first answered (None while it starts): the run time counts from here.
    ready: float | None = None


class QuotaStore:
    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._policy: tuple[int, Policy] | None = None
        self._policy_lock = threading.Lock()
        private_file(self.path)
        with self._busy_as_error():
            db = sqlite3.connect(self.path, timeout=busy_timeout)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
                if "ready" not in columns:  # a store from before readiness was recorded
                    db.execute("ALTER TABLE sessions ADD COLUMN ready REAL")
            finally:
                db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): all of it or nothing."""
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout)
        with self._busy_as_error(), write_transaction(connection) as db:
            yield db

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read-only snapshot: it takes no lock a writer waits for (WAL)."""
        with self._busy_as_error():
            db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            try:
                db.execute("BEGIN")  # deferred: one consistent snapshot for the block
                yield db
            finally:
                db.close()

    @contextmanager
    def _busy_as_error(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e):
                raise
            raise QuotaStoreBusy(self.path, self.busy_timeout) from e

    # policy

    def policy(self, default: dict | None = None) -> Policy:
        """The policy in force (the latest accepted one, or ``default`` if none yet)."""
        with self.reading() as db:
            (latest,) = db.execute("SELECT max(id) FROM policy").fetchone()
            with self._policy_lock:
                if self._policy is not None and self._policy[0] == latest:
                    return self._policy[1]
            row = db.execute("SELECT document FROM policy WHERE id = ?", (latest,)).fetchone()
        if row is None:
            if default is None:
                raise PolicyError("policy", "no policy has been set", "아직 정해진 정책이 없습니다")
            return parse_policy(default)
        policy = parse_policy(json.loads(row[0]))
        with self._policy_lock:
            self._policy = (latest, policy)
        return policy

    def set_policy(self, document: dict, actor: str) -> Policy:
        """Check and put a policy in force, recording before → after in the audit log.

        A document that fails the check raises PolicyError and changes nothing."""
        policy = parse_policy(document)
        normalised = json.dumps(policy.to_document(), ensure_ascii=False, sort_keys=True)
        with self.transaction() as db:
            row = db.execute("SELECT document FROM policy ORDER BY id DESC LIMIT 1").fetchone()
            before = row[0] if row else None
            if before == normalised:
                return policy
            db.execute(
                "INSERT INTO policy (document, actor, created) VALUES (?, ?, ?)",
                (normalised, actor, time.time()),
            )
            self._audit(db, actor, "policy.set", "policy", before, normalised)
        return policy

    def ensure_policy(self, document: dict) -> Policy:
        """Put ``document`` in force if no policy exists yet (first start)."""
        with self.reading() as db:
            exists = db.execute("SELECT 1 FROM policy LIMIT 1").fetchone()
        return self.policy() if exists else self.set_policy(document, actor="system")

    # audit

    def audit(self, actor: str, action: str, target: str, before=None, after=None) -> None:
        with self.transaction() as db:
            self._audit(db, actor, action, target, before, after)

    def _audit(self, db, actor, action, target, before, after) -> None:
        db.execute(
            "INSERT INTO audit (time, actor, action, target, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), actor, action, target, _text(before), _text(after)),
        )

    def audit_log(self, limit: int = 200) -> list[dict]:
        with self.reading() as db:
            rows = db.execute(
                "SELECT time, actor, action, target, before, after FROM audit"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        keys = ("time", "actor", "action", "target", "before", "after")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # sessions

    def open_session(
        self,
        user: str,
        groups: set[str],
        profile,
        *,
        host_mem: int,
        gpu_inventory: tuple[str, ...],
    ) -> Session:
        """Admit a server and hand it its GPUs, atomically; raise QuotaRefused if it does
        not fit (memory of running servers, free GPUs). Any open session of the same user
        is closed first (a server that died without a stop)."""
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "UPDATE sessions SET stopped = ? WHERE user = ? AND stopped IS NULL", (now, user)
            )
            running = db.execute(
                "SELECT coalesce(sum(mem), 0) FROM sessions WHERE stopped IS NULL"
            ).fetchone()[0]
            if running + profile.mem > host_mem:
                free = max(host_mem - running, 0) / 2**30
                raise QuotaRefused(
                    f"서버 메모리 여유가 부족합니다 (요청 {profile.mem / 2**30:.1f} GiB,"
                    f" 남은 용량 {free:.1f} GiB). 잠시 후 다시 시도하거나 더 작은 프로필을"
                    " 선택해 주세요.",
                    reason="capacity",
                )
            devices: tuple[str, ...] = ()
            if profile.gpus:
                used = set()
                for (gpus,) in db.execute("SELECT gpus FROM sessions WHERE stopped IS NULL"):
                    used.update(json.loads(gpus))
                free_gpus = [g for g in gpu_inventory if g not in used]
                if len(free_gpus) < profile.gpus:
                    raise QuotaRefused(
                        f"지금은 사용할 수 있는 GPU가 없습니다 (요청 {profile.gpus}개,"
                        f" 사용 가능 {len(free_gpus)}개). GPU가 반납되면 다시 시도해 주세요.",
                        reason="gpu-exhausted",
                    )
                devices = tuple(free_gpus[: profile.gpus])
            cursor = db.execute(
                "INSERT INTO sessions (user, groups, profile, cpu, mem, gpus, started)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    user,
                    json.dumps(sorted(groups)),
                    profile.slug,
                    profile.cpu,
                    profile.mem,
                    json.dumps(list(devices)),
                    now,
                ),
            )
            session_id = cursor.lastrowid
        return Session(
            session_id,
            user,
            tuple(sorted(groups)),
            profile.slug,
            profile.cpu,
            profile.mem,
            devices,
            now,
            None,
        )

    def mark_ready(self, user: str) -> None:
        """The user's server answered: its run time (``max_age``) counts from now."""
        with self.transaction() as db:
            db.execute(
                "UPDATE sessions SET ready = ? WHERE user = ? AND stopped IS NULL"
                " AND ready IS NULL",
                (time.time(), user),
            )

    def close_sessions(self, user: str) -> int:
        """End the user's open sessions (the server stopped); return how many."""
        with self.transaction() as db:
            return db.execute(
                "UPDATE sessions SET stopped = ? WHERE user = ? AND stopped IS NULL",
                (time.time(), user),
            ).rowcount

    def reconcile(self, running: dict[str, dict], *, starting_grace: float = 600) -> None:
        """Make open sessions match the containers that run (after a hub restart, or a
        lost store): close those whose container is gone, and adopt running containers
        that have no open session, with the limits and GPUs they carry.

        A session whose server has not answered yet is a spawn under way (its container
        may not exist yet): it stays booked, unless it is older than ``starting_grace``
        seconds (a spawn no hub finished).

        running: user → {"profile", "cpu", "mem", "gpus"} read from the containers."""
        now = time.time()
        with self.transaction() as db:
            open_users = {
                u for (u,) in db.execute("SELECT user FROM sessions WHERE stopped IS NULL")
            }
            settled = {
                u
                for (u,) in db.execute(
                    "SELECT user FROM sessions WHERE stopped IS NULL"
                    " AND (ready IS NOT NULL OR started < ?)",
                    (now - starting_grace,),
                )
            }
            for user in settled - set(running):
                db.execute(
                    "UPDATE sessions SET stopped = ? WHERE user = ? AND stopped IS NULL",
                    (now, user),
                )
            for user in set(running) - open_users:
                found = running[user]
                db.execute(  # it runs, so it is ready; its run time counts from adoption
                    "INSERT INTO sessions (user, groups, profile, cpu, mem, gpus, started, ready)"
                    " VALUES (?, '[]', ?, ?, ?, ?, ?, ?)",
                    (
                        user,
                        found["profile"],
                        found["cpu"],
                        found["mem"],
                        json.dumps(list(found["gpus"])),
                        now,
                        now,
                    ),
                )
                self._audit(db, "system", "session.adopted", user, None, found)

    def session_spans(self) -> list[tuple[float, float | None]]:
        """(started, stopped) of every session; stopped is None while the server runs."""
        with self.reading() as db:
            return db.execute("SELECT started, stopped FROM sessions").fetchall()

    def sessions(
        self, *, open_only: bool = False, since: float = 0, until: float | None = None
    ) -> list[Session]:
        """Sessions overlapping [since, until) (all open ones with ``open_only``)."""
        query = (
            "SELECT id, user, groups, profile, cpu, mem, gpus, started, stopped, ready"
            " FROM sessions WHERE (stopped IS NULL OR stopped > ?)"
        )
        params: list = [since]
        if until is not None:
            query += " AND started < ?"
            params.append(until)
        if open_only:
            query += " AND stopped IS NULL"
        with self.reading() as db:
            rows = db.execute(query + " ORDER BY id", params).fetchall()
        return [
            Session(
                r[0],
                r[1],
                tuple(json.loads(r[2])),
                r[3],
                r[4],
                r[5],
                tuple(json.loads(r[6])),
                r[7],
                r[8],
                r[9],
            )
            for r in rows
        ]


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
