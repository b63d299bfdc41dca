"""Entries of the data.go.kr catalogue (공공데이터포털 목록) as metadata-only datasets.

Each record keeps its key (목록키) as ``source_id`` and links to its page on data.go.kr;
its 16-way category becomes one of Data300's 12 fields (:mod:`seoul_data.catalog.fields`).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

from seoul_data.catalog.fields import field_for_datagokr
from seoul_data.catalog.model import CatalogError, Dataset
from seoul_data.catalog.store import Catalog

PROVIDER = "공공데이터포털 (data.go.kr)"
LICENSE = "공공데이터포털 목록: 이용허락범위 제한 없음 (개별 데이터는 각 페이지의 이용조건)"
COLUMNS = (
    "목록키",
    "목록유형",
    "목록명",
    "목록설명",
    "분류체계",
    "기관명",
    "목록.등록일",
    "목록.수정일",
    "목록.URL",
)


def read_datagokr(path: str | Path) -> Iterator[Dataset]:
    """Datasets from a data.go.kr catalogue CSV (plain or .gz, UTF-8)."""
    path = Path(path)
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogError(f"{path}: not a data.go.kr catalogue (missing columns {missing})")
    for line, row in enumerate(reader, start=2):
        try:
            yield _dataset(row)
        except (CatalogError, ValueError) as e:
            raise CatalogError(f"{path}, line {line:,}: {e}") from None


def import_datagokr(catalog: Catalog, path: str | Path) -> int:
    """Upsert every record of the catalogue file in one transaction; return the count."""
    datasets = list(read_datagokr(path))
    with catalog.transaction() as db:
        return catalog.upsert(datasets, db=db)


def _dataset(row: dict) -> Dataset:
    key = row["목록키"].strip()
    title = row["목록명"].strip()
    publisher = row["기관명"].strip()
    return Dataset(
        id=f"datagokr.{key}",
        title=title,
        field=field_for_datagokr(row["분류체계"].strip(), title),
        description=(row["목록설명"] or "").strip(),
        publisher=publisher,
        provider=PROVIDER,
        license=LICENSE,
        attribution=f"출처: {publisher}, 공공데이터포털 (data.go.kr) 목록 {key}",
        issued=row["목록.등록일"],
        modified=row["목록.수정일"],
        spatial="gu" if publisher.endswith("구") else "",
        source_id=key,
        landing_page=row["목록.URL"].strip(),
        format=row["목록유형"].strip(),
        keywords=(row["분류체계"].strip(),),
    )
