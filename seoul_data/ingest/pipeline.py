"""Ingest: read → transform → check against the schema → write a new version, atomically.

The Parquet file is written into a staging folder beside the dataset's versions, then
renamed to ``v<N>`` inside the same catalog transaction that records it. Until that
transaction commits, neither the catalog nor any reader sees the new version; if anything
fails (a bad cell on line 40,000, a full disk, a kill), the staging folder is all that is
left, and the next ingest removes it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from seoul_data.catalog import Catalog, Dataset, Version
from seoul_data.ingest.errors import IngestError
from seoul_data.ingest.readers import read_table
from seoul_data.ingest.validate import conform

DATASETS_DIR = "datasets"
STAGING_PREFIX = ".staging-"


@dataclass(frozen=True)
class IngestResult:
    version: Version
    #: False when the data were identical to the current version (nothing written).
    changed: bool


def ingest(
    dataset: Dataset,
    *,
    data_dir: str | Path,
    path: str | Path | None = None,
    frame: pd.DataFrame | None = None,
    read_options: dict | None = None,
    transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    provenance: dict | None = None,
) -> IngestResult:
    """Ingest a file (``path``) or a collected table (``frame``) as a new version.

    read_options: passed to :func:`seoul_data.ingest.readers.read_table`. transform: a
    function from the table as read to the table the schema describes. An identical
    result to the current version writes nothing.
    """
    if (path is None) == (frame is None):
        raise ValueError("give exactly one of path= or frame=")
    if not dataset.loadable:
        raise IngestError(f"dataset {dataset.id!r} has no schema: nothing to ingest into")
    source = str(path) if path is not None else (provenance or {}).get("url", "collected table")
    if path is not None:
        frame = read_table(path, **(read_options or {}))
    if transform is not None:
        first_line = frame.attrs.get("first_line", 1)
        try:
            frame = transform(frame)
        except (KeyError, ValueError) as e:
            raise IngestError(f"the layout is not the expected one: {e}", source=source) from e
        frame.attrs.setdefault("first_line", first_line)
    typed = conform(frame, dataset, source)

    catalog = Catalog(data_dir)
    dataset_dir = Path(data_dir) / DATASETS_DIR / dataset.id
    # root's alone until the catalog transaction gives it the dataset's data view
    dataset_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_stale_staging(dataset_dir)
    staging = dataset_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        target = staging / "data.parquet"
        _write_parquet(typed, target)
        digest = _sha256(target)
        current = catalog.versions(dataset.id) if _known(catalog, dataset.id) else []
        if current and current[-1].sha256 == digest:
            catalog.upsert([dataset])  # metadata may have changed
            return IngestResult(current[-1], changed=False)
        with catalog.transaction() as db:
            number = catalog.next_version(db, dataset.id)
            final = dataset_dir / f"v{number}"
            version = Version(
                dataset_id=dataset.id,
                version=number,
                path=str(final.relative_to(data_dir) / "data.parquet"),
                rows=len(typed),
                sha256=digest,
                created=datetime.now(UTC).isoformat(timespec="seconds"),
                provenance={
                    "source": source,
                    "source_sha256": _sha256(Path(path)) if path is not None else "",
                    **(provenance or {}),
                },
            )
            catalog.upsert([dataset], db=db)
            catalog.add_version(db, version)
            staging.rename(final)
        return IngestResult(version, changed=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _known(catalog: Catalog, dataset_id: str) -> bool:
    with catalog.reading() as db:
        return (
            db.execute("SELECT 1 FROM datasets WHERE id = ?", (dataset_id,)).fetchone() is not None
        )


def _write_parquet(frame: pd.DataFrame, target: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, target, compression="zstd")
    with open(target, "rb") as f:
        os.fsync(f.fileno())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_stale_staging(dataset_dir: Path) -> None:
    """Remove what a killed ingest left behind (never a committed version)."""
    for leftover in dataset_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
