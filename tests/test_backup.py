"""``seoul-hub backup`` and ``restore``: a running hub's state into a fresh one, and what a
damaged or altered backup does (nothing)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import stat
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from hub import cli
from hub.accounts import AccountStore
from hub.backup import BackupError, create_backup, restore_backup
from hub.default_policy import default_policy
from hub.quota_store import QuotaStore
from hub.state_files import private_file, read_or_create_secret
from seoul_data.catalog import Catalog, Dataset, Field
from tests.postgres_server import PostgresServer
from tests.running_hub import hub_settings_for, run_code


def _use(monkeypatch, settings) -> None:
    """Point ``seoul-hub`` (HubSettings.from_env) at ``settings``."""
    for key, value in settings.environment().items():
        monkeypatch.setenv(key, value)


def _changed_policy(settings) -> dict:
    document = default_policy(settings)
    document["profiles"][0]["idle_timeout"] = 5400
    document["profiles"][0]["description"] = "백업 시험 정책"
    return document


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_private(settings) -> None:
    assert _mode(settings.state_dir) == 0o700
    for path in settings.state_dir.iterdir():
        if path.is_file():
            assert _mode(path) == 0o600, path


@pytest.mark.docker
def test_backup_of_a_running_hub_restores_into_a_fresh_state(
    make_hub, docker_engine, tmp_path, monkeypatch
):
    hub = make_hub()
    hub.add_user("alice", "analyst")
    hub.add_user("bob", "staff")
    Catalog(hub.settings.data_dir).upsert([_dataset()])
    hub.start()
    token = hub.start_servers("alice")["alice"]
    out = run_code(hub, token, "alice", "open('/home/jovyan/keep.txt', 'w').write('지켜진 파일')")
    assert "Error" not in out, out
    policy = _changed_policy(hub.settings)
    QuotaStore(hub.settings.quota_db).set_policy(policy, actor="test:boss")

    # while the hub (and alice's server) runs
    file = tmp_path / "backup.tar.gz"
    _use(monkeypatch, hub.settings)
    assert cli.main(["backup", str(file)]) == 0
    assert _mode(file) == 0o600
    with tarfile.open(file) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {m["role"] for m in manifest["members"]} == {
        "accounts",
        "quota",
        "hub-db",
        "catalog",
        "cookie-secret",
        "proxy-token",
    }

    # the machine is lost: servers, hub and proxy stop; the homes and the data stay
    assert hub.api(token, "DELETE", "/users/alice/server").status_code in (202, 204)
    hub.wait_stopped(token, "alice")
    hub.stop()

    fresh = make_hub(**{**hub.settings.__dict__, "state_dir": tmp_path / "fresh" / "state"})
    _use(monkeypatch, fresh.settings)
    assert cli.main(["restore", str(file)]) == 0
    _assert_private(fresh.settings)
    fresh.start()

    for name in ("alice", "bob"):
        assert fresh.login(name, hub.passwords[name]).login_status == 302, name
    assert fresh.login("bob", "not-bobs-password").login_status != 302
    store = QuotaStore(fresh.settings.quota_db)
    assert store.policy().to_document() == QuotaStore(hub.settings.quota_db).policy().to_document()
    assert store.policy().to_document()["profiles"][0]["idle_timeout"] == 5400
    assert any(e["actor"] == "test:boss" and e["action"] == "policy.set" for e in store.audit_log())
    assert [s.user for s in store.sessions()] == ["alice"]
    # the hub database came back: alice's API token is still hers
    assert fresh.api(token, "GET", "/users/alice").status_code == 200

    fresh.passwords = hub.passwords  # the old ones: start_servers logs in with them
    token = fresh.start_servers("alice")["alice"]
    out = run_code(fresh, token, "alice", "print(open('/home/jovyan/keep.txt').read())")
    assert out.strip() == "지켜진 파일", out


def _dataset() -> Dataset:
    return Dataset(
        id="test.backup",
        title="백업 시험 데이터",
        field="일반행정",
        access="public",
        schema=(Field("gu", role="gu"), Field("count", "integer")),
    )


def _platform(tmp: Path, **overrides):
    """A stopped platform's state: two accounts, a policy change, a hub database, secrets
    and a catalog (no hub runs: these tests need no Docker)."""
    settings = hub_settings_for(tmp, **overrides)
    accounts = AccountStore(settings.accounts_db)
    accounts.add("alice", groups=["analyst"], password="alice-password-1")
    accounts.add("bob", groups=["staff"], password="bob-password-22")
    quota = QuotaStore(settings.quota_db)
    quota.ensure_policy(default_policy(settings))
    quota.set_policy(_changed_policy(settings), actor="test:boss")
    if not settings.db_url:
        db = sqlite3.connect(private_file(settings.state_dir / "jupyterhub.sqlite"))
        with db:
            db.execute("CREATE TABLE users (name TEXT)")
            db.execute("INSERT INTO users VALUES ('alice')")
        db.close()
    read_or_create_secret(settings.state_dir / "jupyterhub_cookie_secret")
    read_or_create_secret(settings.state_dir / "proxy_token")
    Catalog(settings.data_dir).upsert([_dataset()])
    return settings


def _snapshot(*folders: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folders``: content and mode."""
    return {
        str(path): (path.read_bytes(), path.stat().st_mode)
        for folder in folders
        if folder.exists()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_restore_into_a_fresh_platform_brings_everything_back(tmp_path, monkeypatch):
    source = _platform(tmp_path / "a")
    file = tmp_path / "backup.tar.gz"
    _use(monkeypatch, source)
    assert cli.main(["backup", str(file)]) == 0
    assert cli.main(["backup", str(file)]) == 2  # never overwritten

    # another machine: nothing of the old platform, not even its data directory
    target = replace(source, state_dir=tmp_path / "b" / "state", data_dir=tmp_path / "b" / "data")
    lines = restore_backup(target, file)
    assert any("catalog" in line for line in lines)
    _assert_private(target)
    assert AccountStore(target.accounts_db).verify("bob", "bob-password-22").groups == ("staff",)
    quota = QuotaStore(target.quota_db)
    assert quota.policy().to_document()["profiles"][0]["idle_timeout"] == 5400
    assert [e["actor"] for e in quota.audit_log()] == ["test:boss", "system"]
    assert Catalog(target.data_dir).get("test.backup").title == "백업 시험 데이터"
    for name in ("jupyterhub_cookie_secret", "proxy_token"):
        assert (target.state_dir / name).read_bytes() == (source.state_dir / name).read_bytes()
    with sqlite3.connect(target.state_dir / "jupyterhub.sqlite") as db:
        assert db.execute("SELECT name FROM users").fetchall() == [("alice",)]

    # a second restore needs --force; a running hub is refused even then
    with pytest.raises(BackupError, match="refusing to overwrite .*--force"):
        restore_backup(target, file)
    pid_file = target.state_dir / "hub.pid"
    pid_file.write_text(str(os.getpid()))
    with pytest.raises(BackupError, match="the hub is running"):
        restore_backup(target, file, force=True)
    pid_file.unlink()

    AccountStore(target.accounts_db).remove("alice")
    restore_backup(target, file, force=True)
    assert AccountStore(target.accounts_db).get("alice")
    assert not list(target.state_dir.glob(".*restore*"))


def test_new_secrets_and_an_existing_catalog_are_left_alone(tmp_path):
    source = _platform(tmp_path / "a")
    file = tmp_path / "backup.tar.gz"
    create_backup(source, file)
    # the same data directory (it survived), a fresh state directory
    target = replace(source, state_dir=tmp_path / "b" / "state")
    catalog = (source.data_dir / "catalog.sqlite").read_bytes()
    lines = restore_backup(target, file, new_secrets=True)
    assert any(line.startswith("kept") and "catalog" in line for line in lines)
    assert (source.data_dir / "catalog.sqlite").read_bytes() == catalog
    assert not (target.state_dir / "jupyterhub_cookie_secret").exists()
    assert not (target.state_dir / "proxy_token").exists()
    assert AccountStore(target.accounts_db).verify("alice", "alice-password-1")


def _rewrite(file: Path, target: Path, change) -> None:
    """Copy the backup ``file`` to ``target``, member by member, through ``change(name,
    data, manifest) -> data`` (None drops the member)."""
    with tarfile.open(file) as tar:
        members = [(info, tar.extractfile(info).read()) for info in tar.getmembers()]
    manifest = json.loads(members[0][1])
    with tarfile.open(target, "w:gz") as tar:
        for info, data in members:
            data = change(info.name, data, manifest)
            if data is None:
                continue
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _flip_a_byte(name, data, manifest):
    if name == "state/accounts.sqlite":
        return data[:2000] + bytes([data[2000] ^ 1]) + data[2001:]
    return data


def _escape(name, data, manifest):
    if name == "manifest.json":
        for member in manifest["members"]:
            if member["role"] == "accounts":
                member["name"] = "../../etc/accounts.sqlite"
        return json.dumps(manifest).encode()
    return data


def _newer(name, data, manifest):
    return json.dumps({**manifest, "version": 2}).encode() if name == "manifest.json" else data


def _drop_quota(name, data, manifest):
    return None if name == "state/quota.sqlite" else data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_flip_a_byte, "state/accounts.sqlite does not match its size and SHA-256"),
        (_escape, "invalid member entry"),
        (_drop_quota, "state/quota.sqlite listed in the manifest but missing"),
        ("truncate", "not a readable backup"),
        ("not-gzip", "not a readable backup"),
        ("newer", "backup format version 2"),
    ],
)
def test_a_damaged_or_altered_backup_is_refused_and_changes_nothing(tmp_path, change, message):
    source = _platform(tmp_path / "a")
    good = tmp_path / "backup.tar.gz"
    create_backup(source, good)
    bad = tmp_path / "bad.tar.gz"
    if change == "truncate":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif change == "not-gzip":
        bad.write_text("서울 데이터 허브\n")
    elif change == "newer":
        _rewrite(good, bad, _newer)
    else:
        _rewrite(good, bad, change)

    # an existing platform, even with --force, and a fresh one
    existing = _platform(tmp_path / "c")
    fresh = replace(source, state_dir=tmp_path / "f" / "state", data_dir=tmp_path / "f" / "data")
    for target in (existing, fresh):
        before = _snapshot(target.state_dir, target.data_dir)
        with pytest.raises(BackupError, match=message) as refused:
            restore_backup(target, bad, force=True)
        assert str(bad) in str(refused.value)
        assert _snapshot(target.state_dir, target.data_dir) == before
    assert not fresh.state_dir.exists()


def test_a_tampered_database_with_a_matching_hash_is_refused(tmp_path):
    """The hash only proves the file is what the manifest says; SQLite's own check catches a
    database altered together with its manifest entry."""
    source = _platform(tmp_path / "a")
    good = tmp_path / "backup.tar.gz"
    create_backup(source, good)

    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(good) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        quota = tar.extractfile("state/quota.sqlite").read()
    # zero the second page (a b-tree page): the file no longer holds together
    page = int.from_bytes(quota[16:18], "big")
    altered = quota[:page] + bytes(page) + quota[2 * page :]
    for member in manifest["members"]:
        if member["name"] == "state/quota.sqlite":
            member["sha256"] = hashlib.sha256(altered).hexdigest()
            member["size"] = len(altered)

    def with_manifest(name, data, _):
        if name == "manifest.json":
            return json.dumps(manifest).encode()
        return altered if name == "state/quota.sqlite" else data

    _rewrite(good, bad, with_manifest)
    fresh = replace(source, state_dir=tmp_path / "f" / "state", data_dir=tmp_path / "f" / "data")
    with pytest.raises(BackupError, match="state/quota.sqlite is not a sound SQLite database"):
        restore_backup(fresh, bad)
    assert not fresh.state_dir.exists()


def test_postgresql_hub_database_round_trip(tmp_path):
    """SDH_DB_URL on PostgreSQL: pg_dump into the backup, pg_restore into another database
    (one transaction), refused over a database that has tables."""
    server = PostgresServer().start()
    try:
        source = _platform(tmp_path / "a", db_url=server.create_database("hub_a"))
        with server.connect("hub_a") as db:
            db.execute("CREATE TABLE users (id serial PRIMARY KEY, name text)")
            db.execute("INSERT INTO users (name) VALUES ('alice'), ('bob')")
        file = tmp_path / "backup.tar.gz"
        manifest = create_backup(source, file)
        assert manifest["hub_database"] == "pgdump"

        target = replace(
            source, state_dir=tmp_path / "b" / "state", db_url=server.create_database("hub_b")
        )
        restore_backup(target, file)
        with server.connect("hub_b") as db:
            names = [r[0] for r in db.execute("SELECT name FROM users ORDER BY id")]
        assert names == ["alice", "bob"]
        with pytest.raises(BackupError, match="refusing to overwrite .*hub_b"):
            restore_backup(replace(target, state_dir=tmp_path / "c" / "state"), file)
        # a SQLite platform cannot take a PostgreSQL backup's hub database
        with pytest.raises(BackupError, match="is PostgreSQL, but .* is SQLite"):
            restore_backup(replace(source, state_dir=tmp_path / "d" / "state", db_url=""), file)
    finally:
        server.stop()
