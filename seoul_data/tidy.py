"""A dataset's rows with standard keys, read from what its schema declares
(:mod:`seoul_data.catalog.meaning`): which level and area each row is for, its period, and
its year. Direct answers and the Population Hall's tables both start from here.

    keyed(dataset, frame)    # the frame plus _level, _area, _dong, _key, _year, _period (, _ts)
    area_rows(id, columns)   # the Population Hall's rows: level, gu, area_name, year, period …
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from seoul_data import geo
from seoul_data.catalog import CatalogError, Dataset
from seoul_data.catalog.meaning import layout
from seoul_data.load import load
from seoul_data.sources import declared

CITY = "서울특별시"
#: How quarters and months are written in the sources ('2019-Q1', '20191', '2019.1/4';
#: '2024-01', '202401', '2024.01'), read into one key: '2019-Q1', '2024-01'.
_PERIODS = {
    "quarter": (re.compile(r"^(\d{4})[-.\s]?Q?([1-4])(?:/4)?$"), "-Q", "2024-Q1"),
    "month": (re.compile(r"^(\d{4})[-.\s]?(0[1-9]|1[0-2])$"), "-", "2024-01"),
}
#: The Population Hall's key columns, and the dataset ids each row's values come from.
HALL_COLUMNS = ["level", "gu", "area_name", "year", "period", "datasets"]


def keyed(dataset: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with key columns added: ``_level`` ('city', 'gu', 'dong' or 'sido'),
    ``_area`` (the gu, 서울특별시 or the 시도), ``_dong`` (the dong's name, for dong rows),
    ``_key`` (the period: '2019', '2017-Q1', '2024-01'; hourly rows: their month), ``_year``,
    ``_period`` (the period as the Population Hall says it: a year's stock at '2019-12', a
    flow over '2019') and, for hourly rows, ``_ts`` (the hour's start)."""
    where = layout(dataset)
    if where is None:
        raise CatalogError(f"dataset {dataset.id}: its schema declares no time column")
    frame = frame.copy()
    if where.area:
        frame["_area"] = frame[where.area].astype(str)
    elif where.dong_code and where.dong_code[1] == "mois8":  # the gu from the dong code
        codes = frame[where.dong_code[0]].astype(str).str[:5]
        frame["_area"] = codes.map({c: geo.gu_name(c, "mois") for c in codes.unique()})
    else:
        frame["_area"] = CITY
    if where.level == "dong":
        frame["_level"] = "dong"
        frame["_dong"] = frame[where.dong].astype(str)
    else:
        frame["_level"] = np.where(frame["_area"] == CITY, "city", where.level)
    time = frame[where.time]
    if where.grain == "year":
        frame["_key"] = time.astype(int).astype(str)
    elif where.grain == "hour":
        stamp = pd.to_datetime(time)
        if where.hour:
            stamp = stamp + pd.to_timedelta(frame[where.hour], unit="h")
        frame["_ts"] = stamp
        frame["_key"] = stamp.dt.strftime("%Y-%m")
    else:
        frame["_key"] = _period_keys(time, where.grain, dataset.id)
    frame["_year"] = frame["_key"].str[:4].astype(int)
    frame["_period"] = frame["_key"]
    if where.as_of_column:
        frame["_period"] = frame[where.as_of_column].astype(str)
    elif where.as_of:
        frame["_period"] = frame["_key"] + f"-{int(where.as_of):02d}"
    return frame


def area_rows(dataset_id: str, columns: Mapping[str, str] | list[str]) -> pd.DataFrame:
    """The dataset's rows as the Population Hall reads them: :data:`HALL_COLUMNS`, then
    ``dong_code`` where the dataset has one, then the columns asked for as float64 (NaN for
    missing values), renamed where ``columns`` is a mapping {column: name}."""
    dataset = declared(dataset_id)
    names = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    where = layout(dataset)
    needed = [
        where.area,
        where.dong,
        where.dong_code and where.dong_code[0],
        where.time,
        where.hour,
        where.as_of_column,
        *names,
    ]
    frame = keyed(dataset, load(dataset_id, columns=list(dict.fromkeys(c for c in needed if c))))
    rows = pd.DataFrame(
        {
            "level": frame["_level"],
            "gu": frame["_area"].where(frame["_level"].isin(["gu", "dong"])),
            "area_name": frame["_dong"] if where.level == "dong" else frame["_area"],
            "year": frame["_year"],
            "period": frame["_period"],
            "datasets": dataset_id,
        }
    )
    if where.dong_code:
        rows["dong_code"] = frame[where.dong_code[0]].astype(str)
    values = frame[list(names)].astype("float64").rename(columns=names)
    return pd.concat([rows, values], axis=1)


def _period_keys(time: pd.Series, grain: str, dataset_id: str) -> pd.Series:
    """Quarter and month texts as keys ('2019-Q1', '2024-01'); other grains as they are."""
    text = time.astype(str).str.strip()
    if grain not in _PERIODS:
        return text
    pattern, separator, example = _PERIODS[grain]
    parts = text.str.extract(pattern)
    bad = parts[0].isna() & time.notna()
    if bad.any():
        raise CatalogError(
            f"dataset {dataset_id}: {text[bad].iloc[0]!r} is not a {grain} (e.g. {example})"
        )
    return parts[0] + separator + parts[1]


def period_label(key: str) -> str:
    """A period key as said in Korean: '2019' → '2019년', '2017-Q1' → '2017년 1분기',
    '2024-03' → '2024년 3월'; anything else as it is."""
    if re.fullmatch(r"\d{4}", key):
        return f"{key}년"
    if match := re.fullmatch(r"(\d{4})-Q(\d)", key):
        return f"{match[1]}년 {match[2]}분기"
    if match := re.fullmatch(r"(\d{4})-(\d{2})", key):
        return f"{match[1]}년 {int(match[2])}월"
    return key


def one_period(
    dataset: Dataset, frame: pd.DataFrame, period: str | None = None
) -> tuple[pd.DataFrame, str]:
    """The rows of one period of a table of measures (the latest unless ``period`` names a
    key such as '2019' or '2025-Q2'), and that period in Korean: a map or a total of a stock
    counted every quarter must not add the quarters up. A table that declares no measure, or
    holds one period, is returned whole with ''."""
    where = layout(dataset)
    if where is None or not any(c.measure for c in dataset.schema) or period == "all":
        return frame, ""
    keys = keyed(dataset, frame)["_key"]
    if period is None:
        if keys.nunique() < 2:
            return frame, ""
        period = keys.max()
    if not (keys == period).any():
        raise CatalogError(
            f"dataset {dataset.id}: no rows for the period {period!r} "
            f"(it holds {keys.min()} to {keys.max()})"
        )
    return frame[(keys == period).to_numpy()], period_label(period)
