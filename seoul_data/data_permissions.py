"""Data views, enforced by the file system: who may read a dataset's files, kept true live.

On the platform's data directory every dataset's files belong to a group of its own access
class, and a user's container gets, as supplementary groups, the gids of exactly what that
user's groups may read (``gids_for``). Re-classifying a dataset changes its files' group at
once, so a server that is already running loses (or never gains) access without a restart:
the kernel checks the file's group on every open.

- ``public`` files: group ``public``'s gid; every container gets it.
- ``internal``: group ``internal``'s gid; every platform user (someone with a group).
- ``restricted``: a gid of the dataset's own; containers of its readers only.

Directories are 0750 and files 0640, owned by the platform (root): other host accounts
read nothing. What the catalog does not know (a folder under ``datasets/`` with no entry,
a living-population store with no dataset) is root's alone (0700): a missing catalog,
or one that cannot be read, leaves every container with no data gid (fails closed).
The gids live in the catalog's ``access_gids`` table, made by :func:`enforce`; a data
directory without it (a user's own copy of the library) is left alone.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from seoul_data.catalog import Catalog, CatalogError, Dataset
from seoul_data.catalog.store import CATALOG_FILE

#: Gids are handed out from here on, one per access key; far above the host's own groups.
GID_BASE = 690_000
#: Living-population stores (under ``living/``) and the datasets they are.
LIVING_STORES = {
    "dong": "living.synthetic_dong",
    "oa": "living.synthetic_oa",
    "official": "living.official",
}
_TABLE = "CREATE TABLE IF NOT EXISTS access_gids (key TEXT PRIMARY KEY, gid INTEGER UNIQUE)"


class DataPermissionError(PermissionError):
    """The data files' permissions could not be set (the message says which and why)."""


def access_key(dataset: Dataset) -> str:
    """The group of files a dataset's data belongs to."""
    return f"restricted:{dataset.id}" if dataset.access == "restricted" else dataset.access


def is_enforced(data_dir: str | Path) -> bool:
    """Whether ``data_dir`` is a platform data directory with enforced data views."""
    path = Path(data_dir) / CATALOG_FILE
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return bool(db.execute("SELECT 1 FROM access_gids WHERE key = 'public'").fetchone())
    except sqlite3.Error:
        return False


def gids_for(data_dir: str | Path, groups: set[str]) -> list[int]:
    """The supplementary gids a container of a user in ``groups`` gets: the data views of
    everything those groups may read. Empty when the catalog cannot be read (fails closed)."""
    from seoul_data.access import may_read

    try:
        catalog = Catalog(data_dir, readonly=True)
        with catalog.reading() as db:
            gids = dict(db.execute("SELECT key, gid FROM access_gids"))
        datasets = catalog.find(access="restricted")
    except (sqlite3.Error, OSError, ValueError):
        return []
    keys = ["public"] + (["internal"] if groups else [])
    keys += [access_key(d) for d in datasets if may_read(d, groups)]
    return sorted(gids[k] for k in keys if k in gids)


def enforce(data_dir: str | Path) -> None:
    """Set every file of the data directory to its dataset's data view (idempotent).

    The first call makes the catalog's gid table; from then on ingests and
    re-classifications keep the files right (:func:`apply`)."""
    data_dir = Path(data_dir)
    catalog = Catalog(data_dir)
    # only what has files (the catalogue's tens of thousands of links have none)
    held = [p.name for p in (data_dir / "datasets").glob("*")] + list(LIVING_STORES.values())
    datasets = {}
    for dataset_id in held:
        try:
            datasets[dataset_id] = catalog.get(dataset_id)
        except CatalogError:
            continue
    with catalog.transaction() as db:
        gids = _gids(db, ["public", "internal", *map(access_key, datasets.values())])
    public = gids["public"]
    _set(data_dir, 0, public, 0o750)
    for entry in data_dir.iterdir():
        if entry.name == "datasets" and entry.is_dir():
            _set(entry, 0, public, 0o750)
            for folder in entry.iterdir():
                _apply_tree(folder, _gid(datasets.get(folder.name), gids))
        elif entry.name == "living" and entry.is_dir():
            _set(entry, 0, public, 0o750)
            for folder in entry.iterdir():
                dataset = datasets.get(LIVING_STORES.get(folder.name, ""))
                _apply_tree(folder, _gid(dataset, gids))
        else:
            # the catalog and other metadata: what exists is no secret, the data is
            _apply_tree(entry, public)


def apply(data_dir: str | Path, datasets: Iterable[Dataset], db: sqlite3.Connection) -> None:
    """Give these datasets' files their data view, inside the catalog transaction ``db``
    (which records new gids). Does nothing where data views are not enforced."""
    data_dir = Path(data_dir)
    if not db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'access_gids'"
    ).fetchone():
        return
    datasets = list(datasets)
    gids = _gids(db, [access_key(d) for d in datasets])
    for dataset in datasets:
        for path in dataset_paths(data_dir, dataset.id):
            if path.exists():
                _apply_tree(path, _gid(dataset, gids))


def dataset_paths(data_dir: Path, dataset_id: str) -> list[Path]:
    """Where a dataset's data lives under the data directory."""
    paths = [data_dir / "datasets" / dataset_id]
    paths += [data_dir / "living" / store for store, d in LIVING_STORES.items() if d == dataset_id]
    return paths


def _gids(db: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
    db.execute(_TABLE)
    known = dict(db.execute("SELECT key, gid FROM access_gids"))
    for key in keys:
        if key not in known:
            gid = max([GID_BASE - 1, *known.values()]) + 1
            db.execute("INSERT INTO access_gids VALUES (?, ?)", (key, gid))
            known[key] = gid
    return known


def _gid(dataset: Dataset | None, gids: dict[str, int]) -> int | None:
    return gids[access_key(dataset)] if dataset is not None else None


def _apply_tree(path: Path, gid: int | None) -> None:
    """Every file under ``path`` to group ``gid``; root's alone when ``gid`` is None."""
    if gid is None:
        dir_mode, file_mode, gid = 0o700, 0o600, 0
    else:
        dir_mode, file_mode = 0o750, 0o640
    if not path.is_dir() or path.is_symlink():
        _set(path, 0, gid, file_mode)
        return
    _set(path, 0, gid, dir_mode)
    for root, dirs, files in os.walk(path):
        for name in dirs:
            _set(Path(root) / name, 0, gid, dir_mode)
        for name in files:
            _set(Path(root) / name, 0, gid, file_mode)


def _set(path: Path, uid: int, gid: int, mode: int) -> None:
    try:
        os.chown(path, uid, gid, follow_symlinks=False)
        if not path.is_symlink():
            path.chmod(mode)
    except FileNotFoundError:
        pass  # removed meanwhile (a staging folder): nothing left to guard
    except PermissionError as e:
        raise DataPermissionError(
            f"{path}: 데이터 접근 권한을 설정할 수 없습니다 ({e.strerror}). 플랫폼 계정(root)으로"
            " 실행해야 데이터 보기가 지켜집니다."
        ) from e
