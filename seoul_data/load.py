"""Find and load datasets: ``sd.catalog()``, ``sd.describe()``, ``sd.load()``, ``sd.sql()``.

Loading goes through DuckDB over the dataset's Parquet file, so column choices and filters
are pushed down: only the rows and columns asked for are read.

An analyst's own code may filter with SQL (``where="population > 100000"``): it runs in
their own server, with their own rights. Code that serves input from the network (the data
search REST API) filters with structured conditions only (``where=[["gu", "=", "강남구"]]``,
values bound as parameters) and runs inside :func:`untrusted_input`, where every DuckDB
session is locked to the files it was opened for (:func:`lock`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from seoul_data.access import check_access, check_readable, log_usage
from seoul_data.catalog import Catalog, CatalogError, Dataset, Field
from seoul_data.catalog.store import SUMMARY_COLUMNS
from seoul_data.paths import data_dir

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Operators of a structured filter condition ``[column, op, value]``.
FILTER_OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "in", "like")
_NUMERIC_TYPES = ("integer", "number", "year")
_TEXT_TYPES = ("string", "date", "datetime")
_locked: ContextVar[bool] = ContextVar("seoul_data_locked_duckdb", default=False)


class FilterError(CatalogError):
    """A structured filter that cannot be used; the message (Korean) says what is wrong."""


@contextmanager
def untrusted_input() -> Iterator[None]:
    """Within the block (in this thread or task), every DuckDB session this module opens
    is locked (:func:`lock`): for work that answers requests from the network, where a
    filter or a name may have been written by anyone."""
    token = _locked.set(True)
    try:
        yield
    finally:
        _locked.reset(token)


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


def column_options(dataset_id: str, names: Iterable[str]) -> list[tuple[str, str]]:
    """Menu entries for columns: each by its Korean title with its name beside it
    ('재정자립도 (fiscal_independence)'), or by its name where the schema gives no title."""
    titles = {f.name: f.title for f in open_catalog().get(dataset_id).schema}
    return [(f"{titles[n]} ({n})" if titles.get(n) else n, n) for n in names]


def load(
    dataset_id: str,
    columns: Iterable[str] | None = None,
    *,
    where: str | Sequence[Sequence] | None = None,
    gu: str | Iterable[str] | None = None,
    years: int | Iterable[int] | None = None,
    version: int | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Load a dataset (its latest version unless ``version``) as a DataFrame.

    columns: the columns to read. where: a SQL condition on the columns (DuckDB syntax),
    e.g. ``"population > 100000"``, or structured conditions, all of which must hold:
    ``[["gu", "=", "강남구"], ["year", ">=", 2019]]`` (operators: ``FILTER_OPERATORS``;
    ``in`` takes a list of values; FilterError when one cannot be used). gu: one or more
    gu names (aliases like '강남' work), for datasets with a gu column. years: one year or
    several, for datasets with a year column. A dataset with a geometry column comes back
    as a GeoDataFrame.
    """
    import duckdb

    store = open_catalog()
    dataset = store.get(dataset_id)
    check_access(dataset)
    path = str(store.data_dir / store.current(dataset_id, version).path)
    check_readable(dataset, path)
    query, params = _select(dataset, path, columns, where, gu, years, limit)
    locked = _locked.get()
    con = locked_duckdb([path]) if locked else _duckdb()
    try:
        frame = con.execute(query, params).df()
    except duckdb.ConversionException as e:
        if where is None or isinstance(where, str):
            raise
        raise FilterError(f"필터 값이 '{dataset.id}'의 열 형식에 맞지 않습니다: {e}") from None
    finally:
        if locked:
            con.close()
    log_usage("load", dataset.id)
    return _with_geometry(frame, dataset)


def sql(query: str) -> pd.DataFrame:
    """Run SQL over every loadable dataset you may read; a dataset is a view named by its
    id with dots as underscores (``population.gu_resident_total`` →
    ``population_gu_resident_total``). Inside :func:`untrusted_input` the session is
    locked once the views are made: the query reads those datasets and nothing else."""
    store = open_catalog()
    locked = _locked.get()
    con = _new_duckdb() if locked else _duckdb()
    paths = []
    for dataset in store.find(loadable=True):
        try:
            check_access(dataset)
            version = store.current(dataset.id)
        except (CatalogError, PermissionError):
            continue
        if not os.access(store.data_dir / version.path, os.R_OK):
            continue  # outside this server's data view
        view = dataset.id.replace(".", "_").replace("-", "_")
        paths.append(str(store.data_dir / version.path))
        path = paths[-1].replace("'", "''")
        # temporary: the views are this session's own, not the shared database's, so a
        # second sd.sql (or another reader's, with another data view) makes its own
        con.execute(f"CREATE TEMP VIEW {view} AS SELECT * FROM read_parquet('{path}')")
    if locked:
        lock(con, paths)
    try:
        frame = con.execute(query).df()
    finally:
        if locked:
            con.close()
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
        select = ", ".join(_quoted(c) for c in columns)
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
    if isinstance(where, str):
        if where.strip():
            conditions.append(f"({where})")
    elif where is not None:
        conditions += _filter_conditions(dataset, where, params)
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


def _filter_conditions(dataset: Dataset, where, params: list) -> list[str]:
    """SQL conditions for structured filters, their values appended to ``params``."""
    example = '예: [["gu", "=", "강남구"], ["year", ">=", 2019]]'
    if isinstance(where, str | bytes) or not isinstance(where, Sequence):
        raise FilterError(f"필터는 [열, 연산자, 값] 조건의 목록이어야 합니다 ({example}).")
    fields = {f.name: f for f in dataset.schema}
    conditions = []
    for condition in where:
        if isinstance(condition, str | bytes) or not (
            isinstance(condition, Sequence) and len(condition) == 3
        ):
            raise FilterError(
                f"필터 조건은 [열, 연산자, 값] 세 항목이어야 합니다: {condition!r} ({example})"
            )
        column, operator, value = condition
        field = fields.get(column) if isinstance(column, str) else None
        if field is None:
            raise FilterError(
                f"'{dataset.id}'에 없는 열입니다: {column!r}. 있는 열: {', '.join(fields)}"
            )
        if operator not in FILTER_OPERATORS:
            raise FilterError(
                f"쓸 수 없는 연산자입니다: {operator!r}. 쓸 수 있는 연산자: "
                + ", ".join(FILTER_OPERATORS)
            )
        if operator == "in":
            if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
                raise FilterError(f"'in'에는 값의 목록을 주세요: {value!r} (예: [\"종로구\"])")
            values = [_filter_value(field, v) for v in value]
            conditions.append(f"{_quoted(field.name)} IN ({', '.join('?' * len(values))})")
            params += values
            continue
        if operator == "like" and field.type != "string":
            raise FilterError(f"'like'는 글자 열에만 쓸 수 있습니다: {field.name!r}({field.type})")
        conditions.append(f"{_quoted(field.name)} {operator.upper()} ?")
        params.append(_filter_value(field, value))
    return conditions


def _filter_value(field: Field, value: object) -> object:
    """``value`` if it fits ``field``'s type, else FilterError."""
    if field.type in _NUMERIC_TYPES:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise FilterError(f"숫자 열 {field.name!r}에는 숫자를 주세요: {value!r}")
    if field.type == "boolean":
        if isinstance(value, bool):
            return value
        raise FilterError(f"참/거짓 열 {field.name!r}에는 true 또는 false를 주세요: {value!r}")
    if field.type in _TEXT_TYPES:
        if isinstance(value, str):
            return value
        raise FilterError(f"글자·날짜 열 {field.name!r}에는 문자열을 주세요: {value!r}")
    raise FilterError(f"{field.type} 열 {field.name!r}로는 거를 수 없습니다.")


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def lock(con: DuckDBPyConnection, allowed_paths: Iterable[str | Path] = ()) -> DuckDBPyConnection:
    """Lock a DuckDB session (and return it): from now on it reads only ``allowed_paths``
    and what was made in it before (views, tables). External access is off (other files,
    ``COPY``, ``ATTACH``, extensions, Python objects) and the configuration is locked, so
    no later statement can turn it back on. Make what the session needs first."""
    con.execute("SET allowed_paths = ?", [[str(p) for p in allowed_paths]])
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def locked_duckdb(allowed_paths: Iterable[str | Path] = ()) -> DuckDBPyConnection:
    """A new in-memory DuckDB session, locked (:func:`lock`) to ``allowed_paths``."""
    return lock(_new_duckdb(), allowed_paths)


def _new_duckdb() -> DuckDBPyConnection:
    import duckdb

    return duckdb.connect()


@functools.cache
def _duckdb_connection():
    return _new_duckdb()


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
