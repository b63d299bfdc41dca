"""Find and load datasets: ``sd.catalog()``, ``sd.describe()``, ``sd.load()``, ``sd.sql()``.

Loading goes through DuckDB over the dataset's Parquet file, so column choices and filters
are pushed down: only the rows and columns asked for are read.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable

import pandas as pd

from seoul_data.access import check_access, log_usage
from seoul_data.catalog import Catalog, CatalogError, Dataset
from seoul_data.catalog.store import SUMMARY_COLUMNS
from seoul_data.paths import data_dir

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def open_catalog() -> Catalog:
    """The catalog of the platform data directory (read-only where the data dir is)."""
    directory = data_dir()
    return _catalog_for(directory, os.access(directory, os.W_OK))


@functools.lru_cache(maxsize=8)
def _catalog_for(directory, writable: bool) -> Catalog:
    return Catalog(directory, readonly=not writable)


def catalog(
    field: str | None = None,
    keyword: str | None = None,
    *,
    provider: str | None = None,
    access: str | None = None,
    loadable: bool | None = None,
) -> pd.DataFrame:
    """The catalog as a table, filtered by field (분야), keyword, provider, access level."""
    rows = open_catalog().summaries(
        field=field, keyword=keyword, provider=provider, access=access, loadable=loadable
    )
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    frame["loadable"] = frame["loadable"].astype(bool)
    return frame


def describe(dataset_id: str) -> dict:
    """Everything the catalog knows of a dataset: metadata, schema, versions."""
    store = open_catalog()
    dataset = store.get(dataset_id)
    info = dataset.to_dict()
    info["loadable"] = dataset.loadable
    info["versions"] = [
        {"version": v.version, "rows": v.rows, "created": v.created, "sha256": v.sha256}
        for v in store.versions(dataset_id)
    ]
    return info


def load(
    dataset_id: str,
    columns: Iterable[str] | None = None,
    *,
    where: str | None = None,
    gu: str | Iterable[str] | None = None,
    years: int | Iterable[int] | None = None,
    version: int | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Load a dataset (its latest version unless ``version``) as a DataFrame.

    columns: the columns to read. where: a SQL condition on the columns (DuckDB syntax),
    e.g. ``"population > 100000"``. gu: one or more gu names (aliases like '강남' work),
    for datasets with a gu column. years: one year or several, for datasets with a year
    column. A dataset with a geometry column comes back as a GeoDataFrame.
    """
    store = open_catalog()
    dataset = store.get(dataset_id)
    check_access(dataset)
    path = store.data_dir / store.current(dataset_id, version).path
    query, params = _select(dataset, path, columns, where, gu, years, limit)
    frame = _duckdb().execute(query, params).df()
    log_usage("load", dataset.id)
    return _with_geometry(frame, dataset)


def sql(query: str) -> pd.DataFrame:
    """Run SQL over every loadable dataset you may read; a dataset is a view named by its
    id with dots as underscores (``population.gu_resident_total`` →
    ``population_gu_resident_total``)."""
    store = open_catalog()
    con = _duckdb()
    for dataset in store.find(loadable=True):
        try:
            check_access(dataset)
            version = store.current(dataset.id)
        except (CatalogError, PermissionError):
            continue
        view = dataset.id.replace(".", "_").replace("-", "_")
        path = str(store.data_dir / version.path).replace("'", "''")
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{path}')")
    frame = con.execute(query).df()
    log_usage("sql", query[:200])
    return frame


def _select(dataset: Dataset, path, columns, where, gu, years, limit) -> tuple[str, list]:
    known = {f.name for f in dataset.schema}
    if columns is None:
        select = "*"
    else:
        columns = list(columns)
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise CatalogError(
                f"dataset {dataset.id!r} has no column(s) {unknown}; it has {sorted(known)}"
            )
        select = ", ".join(f'"{c}"' for c in columns)
    conditions, params = [], [str(path)]
    if gu is not None:
        conditions.append(_gu_condition(dataset, gu, params))
    if years is not None:
        year = dataset.column("year")
        if year is None:
            raise CatalogError(f"dataset {dataset.id!r} has no year column to filter on")
        values = [years] if isinstance(years, int) else list(years)
        conditions.append(f'"{year.name}" IN ({", ".join("?" * len(values))})')
        params += [int(v) for v in values]
    if where:
        conditions.append(f"({where})")
    query = f"SELECT {select} FROM read_parquet(?)"
    if conditions:
        query += " WHERE " + " AND ".join(conditions)
    if limit is not None:
        query += f" LIMIT {int(limit)}"
    return query, params


def _gu_condition(dataset: Dataset, gu, params: list) -> str:
    from seoul_data.geo import find_gu

    column = dataset.column("gu")
    if column is None:
        raise CatalogError(f"dataset {dataset.id!r} has no gu column to filter on")
    names = []
    for text in [gu] if isinstance(gu, str) else list(gu):
        name = find_gu(text)
        if name is None:
            raise CatalogError(f"{text!r} is not a gu of Seoul (서울시 자치구가 아닙니다)")
        names.append(name)
    params += names
    return f'"{column.name}" IN ({", ".join("?" * len(names))})'


@functools.cache
def _duckdb_connection():
    import duckdb

    return duckdb.connect()


def _duckdb():
    """A cursor of one in-memory DuckDB connection (opening a connection costs ~10 ms)."""
    return _duckdb_connection().cursor()


def _with_geometry(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    geometry = next((f.name for f in dataset.schema if f.type == "geometry"), None)
    if geometry is None or geometry not in frame.columns:
        return frame
    import geopandas

    shapes = geopandas.GeoSeries.from_wkt(frame[geometry].astype(object), crs="EPSG:4326")
    return geopandas.GeoDataFrame(frame.drop(columns=geometry), geometry=shapes)
