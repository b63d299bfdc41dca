"""The catalog: dataset metadata and versions in one SQLite file in the data directory.

The hub side writes it (ingest); user containers see the data directory read-only and open
it read-only. A version row is committed only after its Parquet file is in place, so a
reader never sees a version without data, and a failed ingest leaves no trace.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from seoul_data.catalog.model import CatalogError, Dataset, Version
from seoul_data.transactions import write_transaction

CATALOG_FILE = "catalog.sqlite"
#: The columns of :meth:`Catalog.summaries` (and of ``sd.catalog()``).
SUMMARY_COLUMNS = (
    "id",
    "title",
    "field",
    "publisher",
    "provider",
    "access",
    "loadable",
    "source_id",
    "landing_page",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    field TEXT NOT NULL,
    title TEXT NOT NULL,
    provider TEXT NOT NULL,
    publisher TEXT NOT NULL,
    access TEXT NOT NULL,
    source_id TEXT NOT NULL,
    loadable INTEGER NOT NULL,
    landing_page TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS datasets_field ON datasets (field);
-- kept apart so that a keyword scan reads short rows, not the documents
CREATE TABLE IF NOT EXISTS search (
    id TEXT PRIMARY KEY REFERENCES datasets (id),
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS datasets_source ON datasets (source_id);
CREATE TABLE IF NOT EXISTS versions (
    dataset_id TEXT NOT NULL REFERENCES datasets (id),
    version INTEGER NOT NULL,
    path TEXT NOT NULL,
    rows INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created TEXT NOT NULL,
    provenance TEXT NOT NULL,
    PRIMARY KEY (dataset_id, version)
);
"""


class Catalog:
    """Dataset metadata and versions under ``data_dir``."""

    def __init__(self, data_dir: str | Path, *, readonly: bool = False) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / CATALOG_FILE
        self.readonly = readonly
        if readonly:
            if not self.path.exists():
                raise CatalogError(f"no catalog at {self.path}: has the data been loaded?")
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            db = self._open()
            try:
                _upgrade(db)
                db.executescript(_SCHEMA)
            finally:
                db.close()

    def _open(self) -> sqlite3.Connection:
        if self.readonly:
            return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        return sqlite3.connect(self.path, timeout=30)

    def transaction(self):
        """A write transaction: all of it happens, or none."""
        return write_transaction(self._open())

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        db = self._open()
        try:
            yield db
        finally:
            db.close()

    # metadata

    def upsert(self, datasets: Iterable[Dataset], db: sqlite3.Connection | None = None) -> int:
        """Insert or replace dataset metadata; return how many. Where data views are
        enforced, the datasets' files get their (new) access class in the same transaction."""
        if db is None:
            with self.transaction() as tx:
                return self.upsert(datasets, db=tx)
        from seoul_data import data_permissions

        datasets = list(datasets)
        db.executemany(_UPSERT, [_dataset_row(d) for d in datasets])
        db.executemany(_UPSERT_SEARCH, [(d.id, _search_text(d)) for d in datasets])
        # the files follow a (re-)classification before it commits: a failure keeps both
        data_permissions.apply(self.data_dir, datasets, db)
        return len(datasets)

    def get(self, dataset_id: str) -> Dataset:
        """The dataset with this id; an unknown id raises with the closest ids."""
        with self.reading() as db:
            row = db.execute("SELECT doc FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
            if row is None:
                ids = [r[0] for r in db.execute("SELECT id FROM datasets WHERE loadable = 1")]
        if row is None:
            close = difflib.get_close_matches(dataset_id, ids, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CatalogError(f"unknown dataset id {dataset_id!r}{hint}")
        return Dataset.from_dict(json.loads(row[0]))

    def find(self, **filters) -> list[Dataset]:
        """Datasets matching every given filter (see :meth:`summaries` for the filters)."""
        where, params = _filters(**filters)
        with self.reading() as db:
            rows = db.execute(f"SELECT doc FROM datasets {where} ORDER BY id", params).fetchall()
        return [Dataset.from_dict(json.loads(r[0])) for r in rows]

    def summaries(self, **filters) -> list[tuple]:
        """Rows of SUMMARY_COLUMNS for the datasets matching every filter: ``field``,
        ``keyword`` (words found in title, description, keywords, columns or publisher),
        ``provider`` (a substring of provider or publisher), ``access``, ``loadable``,
        ``source_id``."""
        where, params = _filters(**filters)
        columns = ", ".join(SUMMARY_COLUMNS)
        with self.reading() as db:
            return db.execute(
                f"SELECT {columns} FROM datasets {where} ORDER BY id", params
            ).fetchall()

    def field_counts(self) -> dict[str, dict[str, int]]:
        """Per field: ``open``, the datasets with data to load now (an ingested version),
        and ``listed``, those the catalogue only describes. A data.go.kr record that a
        loaded dataset names (the same ``source_id``) counts once, as open."""
        with self.reading() as db:
            rows = db.execute(
                "SELECT d.field, EXISTS (SELECT 1 FROM versions v WHERE v.dataset_id = d.id)"
                " FROM datasets d WHERE d.loadable OR d.source_id = '' OR d.source_id NOT IN"
                " (SELECT source_id FROM datasets WHERE loadable AND source_id != '')"
            ).fetchall()
        counts: dict[str, dict[str, int]] = {}
        for field, has_data in rows:
            entry = counts.setdefault(field, {"open": 0, "listed": 0})
            entry["open" if has_data else "listed"] += 1
        return counts

    def count(self) -> int:
        with self.reading() as db:
            return db.execute("SELECT count(*) FROM datasets").fetchone()[0]

    # versions

    def versions(self, dataset_id: str) -> list[Version]:
        with self.reading() as db:
            rows = db.execute(
                "SELECT dataset_id, version, path, rows, sha256, created, provenance"
                " FROM versions WHERE dataset_id = ? ORDER BY version",
                (dataset_id,),
            ).fetchall()
        return [_version(r) for r in rows]

    def current(self, dataset_id: str, version: int | None = None) -> Version:
        """The latest version of a loadable dataset (or the given one)."""
        dataset = self.get(dataset_id)
        versions = self.versions(dataset_id)
        if not versions:
            what = "has no data yet" if dataset.loadable else "is metadata only (a link)"
            raise CatalogError(f"dataset {dataset_id!r} {what}")
        if version is None:
            return versions[-1]
        for v in versions:
            if v.version == version:
                return v
        known = ", ".join(str(v.version) for v in versions)
        raise CatalogError(f"dataset {dataset_id!r} has no version {version} (has {known})")

    def next_version(self, db: sqlite3.Connection, dataset_id: str) -> int:
        row = db.execute(
            "SELECT coalesce(max(version), 0) FROM versions WHERE dataset_id = ?", (dataset_id,)
        ).fetchone()
        return row[0] + 1

    def add_version(self, db: sqlite3.Connection, version: Version) -> None:
        db.execute(
            "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                version.dataset_id,
                version.version,
                version.path,
                version.rows,
                version.sha256,
                version.created,
                json.dumps(version.provenance, ensure_ascii=False),
            ),
        )


def _upgrade(db: sqlite3.Connection) -> None:
    """Bring a catalog written by an earlier version to the current schema, in place.

    0.1.0 catalogs had the search text inside ``datasets`` and no ``landing_page`` column."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(datasets)")}
    if not columns or "landing_page" in columns:
        return
    docs = [Dataset.from_dict(json.loads(doc)) for (doc,) in db.execute("SELECT doc FROM datasets")]
    statements = [
        "ALTER TABLE datasets RENAME TO datasets_old",
        "DROP INDEX IF EXISTS datasets_field",
        "DROP INDEX IF EXISTS datasets_source",
        *(part for part in _SCHEMA.split(";") if part.strip()),
    ]
    with write_transaction(sqlite3.connect(db_path(db))) as tx:
        for statement in statements:
            tx.execute(statement)
        tx.executemany(_UPSERT, [_dataset_row(d) for d in docs])
        tx.executemany(_UPSERT_SEARCH, [(d.id, _search_text(d)) for d in docs])
        tx.execute("DROP TABLE datasets_old")


def db_path(db: sqlite3.Connection) -> str:
    return db.execute("PRAGMA database_list").fetchone()[2]


_UPSERT = "INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT_SEARCH = "INSERT OR REPLACE INTO search VALUES (?, ?)"


def _filters(
    *,
    field: str | None = None,
    keyword: str | None = None,
    provider: str | None = None,
    access: str | None = None,
    loadable: bool | None = None,
    source_id: str | None = None,
) -> tuple[str, list]:
    clauses, params = [], []
    for column, value in (("field", field), ("access", access), ("source_id", source_id)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if loadable is not None:
        clauses.append("loadable = ?")
        params.append(int(loadable))
    if provider:
        clauses.append("(instr(provider, ?) > 0 OR instr(publisher, ?) > 0)")
        params += [provider, provider]
    words = (keyword or "").lower().split()
    if words:
        match = " AND ".join("instr(text, ?) > 0" for _ in words)
        clauses.append(f"id IN (SELECT id FROM search WHERE {match})")
        params += words
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _search_text(d: Dataset) -> str:
    return " ".join(
        [d.id, d.title, d.title_en, d.description, d.publisher, d.provider, *d.keywords]
        + [f"{f.name} {f.title}" for f in d.schema]
    ).lower()


def _dataset_row(d: Dataset) -> tuple:
    return (
        d.id,
        d.field,
        d.title,
        d.provider,
        d.publisher,
        d.access,
        d.source_id,
        int(d.loadable),
        d.landing_page,
        json.dumps(d.to_dict(), ensure_ascii=False),
    )


def _version(row: tuple) -> Version:
    dataset_id, version, path, rows, sha256, created, provenance = row
    return Version(dataset_id, version, path, rows, sha256, created, json.loads(provenance))
