"""Data views: a container reads what its user's groups may read, decided when it starts and
kept true while it runs; the files are the platform's alone on the host; fails closed."""

from __future__ import annotations

import sqlite3
import stat
from dataclasses import replace

import pytest

from seoul_data import data_permissions
from seoul_data.catalog import Catalog, Dataset, Field
from seoul_data.ingest import ingest
from tests.running_hub import run_code
from tests.security.probes import read_from

PUBLIC, STAFF_ONLY = "test.open_table", "test.staff_only"
CSV = "gu,count\n종로구,1\n중구,2\n"


def _dataset(dataset_id: str, access: str = "public", groups: tuple = ()) -> Dataset:
    return Dataset(
        id=dataset_id,
        title="시험 데이터",
        field="일반행정",
        access=access,
        allowed_groups=groups,
        schema=(Field("gu", role="gu"), Field("count", "integer")),
    )


def _ingest(data_dir, dataset: Dataset) -> str:
    csv = data_dir.parent / f"{dataset.id}.csv"
    csv.write_text(CSV, encoding="utf-8")
    version = ingest(dataset, data_dir=data_dir, path=csv).version
    return f"/srv/data/{version.path}"


# pure: no hub, no container


def test_files_get_their_access_class_and_the_catalog_its_gids(tmp_path):
    data_dir = tmp_path / "data"
    data_permissions.enforce(data_dir)
    public = _ingest(data_dir, _dataset(PUBLIC)).removeprefix("/srv/data/")
    staff = _ingest(data_dir, _dataset(STAFF_ONLY, "restricted", ("staff",)))
    staff = staff.removeprefix("/srv/data/")
    (data_dir / "datasets" / "unknown.leftover").mkdir(mode=0o755)
    data_permissions.enforce(data_dir)

    def owner(path):
        info = (data_dir / path).stat()
        return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)

    with sqlite3.connect(data_dir / "catalog.sqlite") as db:
        gids = dict(db.execute("SELECT key, gid FROM access_gids"))
    assert owner(".")[1:] == (gids["public"], 0o750)
    assert owner("catalog.sqlite")[1:] == (gids["public"], 0o640)
    assert owner(public) == (0, gids["public"], 0o640)
    assert owner(f"datasets/{STAFF_ONLY}") == (0, gids[f"restricted:{STAFF_ONLY}"], 0o750)
    assert owner(staff) == (0, gids[f"restricted:{STAFF_ONLY}"], 0o640)
    # what the catalog does not know is root's alone
    assert owner("datasets/unknown.leftover") == (0, 0, 0o700)
    # nothing is readable by other host accounts
    for path in data_dir.rglob("*"):
        assert path.stat().st_mode & 0o007 == 0, path

    staff_gids = data_permissions.gids_for(data_dir, {"staff"})
    analyst_gids = data_permissions.gids_for(data_dir, {"analyst"})
    assert gids[f"restricted:{STAFF_ONLY}"] in staff_gids
    assert gids[f"restricted:{STAFF_ONLY}"] not in analyst_gids
    assert gids["public"] in analyst_gids and gids["internal"] in analyst_gids
    assert data_permissions.gids_for(data_dir, set()) == [gids["public"]]
    assert sorted(data_permissions.gids_for(data_dir, {"admin"})) == sorted(gids.values())


def test_a_missing_or_broken_catalog_gives_no_data_view(tmp_path):
    data_dir = tmp_path / "data"
    data_permissions.enforce(data_dir)
    assert data_permissions.gids_for(data_dir, {"analyst"})  # the probe works
    assert data_permissions.gids_for(tmp_path / "nowhere", {"analyst"}) == []
    (data_dir / "catalog.sqlite").write_bytes(b"not a database")
    assert data_permissions.gids_for(data_dir, {"analyst"}) == []


def test_a_reclassification_that_fails_changes_nothing(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    data_permissions.enforce(data_dir)
    _ingest(data_dir, _dataset(PUBLIC))
    catalog = Catalog(data_dir)

    def refuse(*args, **kwargs):
        raise data_permissions.DataPermissionError("시험: 권한 설정 실패")

    monkeypatch.setattr(data_permissions, "_apply_tree", refuse)
    with pytest.raises(data_permissions.DataPermissionError):
        catalog.upsert([replace(catalog.get(PUBLIC), access="restricted")])
    assert catalog.get(PUBLIC).access == "public"


def test_the_living_population_stores_have_an_access_class(tmp_path):
    from seoul_data.living.store import register_official

    data_dir = tmp_path / "data"
    official = data_dir / "living" / "official" / "month=2024-01"
    official.mkdir(parents=True)
    (official / "day=2024-01-01.parquet").write_bytes(b"rows")
    data_permissions.enforce(data_dir)
    assert stat.S_IMODE((data_dir / "living" / "official").stat().st_mode) == 0o700  # unknown
    register_official(data_dir)  # what `seoul-data living ingest` does after an ingest
    with sqlite3.connect(data_dir / "catalog.sqlite") as db:
        internal = db.execute("SELECT gid FROM access_gids WHERE key = 'internal'").fetchone()[0]
    day = official / "day=2024-01-01.parquet"
    assert (day.stat().st_gid, stat.S_IMODE(day.stat().st_mode)) == (internal, 0o640)


# real hub, real containers


@pytest.fixture(scope="module")
def data(running_hub):
    data_dir = running_hub.settings.data_dir
    return {
        PUBLIC: _ingest(data_dir, _dataset(PUBLIC)),
        STAFF_ONLY: _ingest(data_dir, _dataset(STAFF_ONLY, "restricted", ("staff",))),
    }


@pytest.fixture(scope="module")
def servers(running_hub, docker_engine, data):
    return running_hub.start_servers("alice", "carol")  # an analyst and a staff member


@pytest.mark.docker
def test_restricted_data_is_read_by_its_group_only(running_hub, servers, data):
    assert read_from(running_hub, servers["carol"], "carol", data[STAFF_ONLY]).startswith("ok")
    assert read_from(running_hub, servers["alice"], "alice", data[PUBLIC]).startswith("ok")
    assert read_from(running_hub, servers["alice"], "alice", data[STAFF_ONLY]) == (
        "PermissionError"
    )
    # nor by a path around it: the folder cannot be listed
    listing = run_code(
        running_hub,
        servers["alice"],
        "alice",
        f"import os\ntry:\n    os.listdir('/srv/data/datasets/{STAFF_ONLY}')\n"
        "except OSError as e:\n    print(type(e).__name__)",
    )
    assert listing.strip() == "PermissionError"


@pytest.mark.docker
def test_a_reclassification_reaches_running_servers_at_once(running_hub, servers, data):
    catalog = Catalog(running_hub.settings.data_dir)
    assert read_from(running_hub, servers["alice"], "alice", data[PUBLIC]).startswith("ok")
    # restricted to staff while alice's server runs: closed for her at once
    catalog.upsert([replace(catalog.get(PUBLIC), access="restricted", allowed_groups=("staff",))])
    try:
        assert read_from(running_hub, servers["alice"], "alice", data[PUBLIC]) == (
            "PermissionError"
        )
        load = run_code(
            running_hub,
            servers["alice"],
            "alice",
            f"import seoul_data as sd\ntry:\n    sd.load({PUBLIC!r})\n"
            "except PermissionError as e:\n    print(e)",
        )
        assert "열람 권한이 없습니다" in load, load
        # a wider view needs a new start (its gid is given at start): carol's running
        # server waits for her next one, and fails closed meanwhile
        assert read_from(running_hub, servers["carol"], "carol", data[PUBLIC]) == (
            "PermissionError"
        )
    finally:
        catalog.upsert([replace(catalog.get(PUBLIC), access="public", allowed_groups=())])
    # and public again: open again, without a restart
    assert read_from(running_hub, servers["alice"], "alice", data[PUBLIC]).startswith("ok")


@pytest.mark.docker
def test_data_ingested_while_servers_run_follows_its_class(running_hub, servers):
    data_dir = running_hub.settings.data_dir
    public = _ingest(data_dir, _dataset("test.new_public"))
    secret = _ingest(data_dir, _dataset("test.new_admin_only", "restricted"))
    assert read_from(running_hub, servers["alice"], "alice", public).startswith("ok")
    assert read_from(running_hub, servers["alice"], "alice", secret) == "PermissionError"
