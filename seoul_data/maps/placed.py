"""The rows a map draws: a dataset (one period of a table of measures, as its schema
declares) or a table, placed by :mod:`seoul_data.maps.places`, and gathered into the areas
of a level with the value each area gets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from seoul_data.catalog.model import CatalogError, Dataset
from seoul_data.maps.places import Located, MapError, PlaceColumns, PlaceReport, locate

#: The keys of a catalog entry, among those ``describe`` returns.
_DATASET_KEYS = {f.name for f in fields(Dataset)}


@dataclass(frozen=True)
class Rows:
    located: Located
    name: str
    attribution: str
    titles: dict = field(default_factory=dict)  # column → its Korean title (the schema's)
    #: measures that do not add up over places (rates, shares): averaged, never summed
    not_summed: frozenset = frozenset()

    def title(self, column: str | None) -> str:
        return self.titles.get(column, column) if column else ""


def rows_of(data, place, level, attribution, period: str | None = None) -> Rows:
    import geopandas as gpd

    from seoul_data.catalog.meaning import summable
    from seoul_data.load import describe, load
    from seoul_data.sources import concepts
    from seoul_data.tidy import one_period

    if isinstance(data, str):
        try:
            meta = describe(data)
        except (KeyError, CatalogError):
            raise MapError(f"없는 데이터셋입니다: {data!r}") from None
        if not meta.get("loadable"):
            raise MapError(
                f"'{meta['title']}'은(는) 불러올 수 있는 자료가 아닙니다 (목록 정보만 있음)."
            )
        frame = load(data)
        if isinstance(frame, gpd.GeoDataFrame):
            frame = pd.DataFrame(frame.drop(columns="geometry"))
        dataset = Dataset.from_dict({k: v for k, v in meta.items() if k in _DATASET_KEYS})
        try:
            frame, said = one_period(dataset, frame, period)
        except CatalogError as e:
            raise MapError(f"그 기간의 자료가 없습니다: {e}") from None
        located = locate(frame, place, level=level, schema=meta["schema"])
        titles = {c["name"]: c["title"] for c in meta["schema"] if c.get("title")}
        measured = {c.name for c in dataset.schema if c.measure}
        return Rows(
            located,
            f"{meta['title']} ({said})" if said else meta["title"],
            attribution or meta.get("attribution", ""),
            titles,
            frozenset(measured - summable(dataset, concepts())),
        )
    if isinstance(data, gpd.GeoDataFrame):
        frame = data.to_crs(4326)
        kind = "point" if (frame.geom_type == "Point").all() else "area"
        report = PlaceReport(len(frame), len(frame))
        return Rows(Located(frame, PlaceColumns(kind, ("geometry",)), report), "지도", attribution)
    if isinstance(data, pd.DataFrame):
        return Rows(locate(data, place, level=level), "표", attribution)
    raise MapError(f"데이터셋 id, DataFrame 또는 GeoDataFrame을 주세요: {type(data).__name__}")


def areas_of(source: Rows, value, level, agg):
    """Every area of the level with its aggregated value (NaN where no row has one)."""
    import geopandas as gpd

    from seoul_data.geo import boundaries

    located = source.located
    frame = located.frame
    if agg == "sum" and value in source.not_summed:
        agg = "mean"  # a rate of several rows is not their sum
    how = {"sum": "sum", "mean": "mean", "count": "size"}.get(agg if value else "count")
    if how is None:
        raise MapError(f"집계 방법은 sum, mean, count 중 하나입니다: {agg!r}")
    if value and value not in frame.columns:
        raise MapError(
            f"값 열 '{value}'이(가) 없습니다. 있는 열: {', '.join(map(str, frame.columns))}"
        )
    label = (
        "개수" if how == "size" else f"{source.title(value)} {'합계' if how == 'sum' else '평균'}"
    )
    if located.place.kind == "area":
        numbers = values_of(frame, value) if value else np.ones(len(frame))
        areas = gpd.GeoDataFrame(
            {"name": names_of(frame), "value": numbers},
            geometry=frame.geometry.to_numpy(),
            crs=4326,
        )
        return areas, None, (source.title(value) or "값")
    level = level or ("dong" if located.place.kind in ("point", "dong") else "gu")
    shapes = boundaries(level)
    key = "mois" if level == "gu" else "mois10"
    if located.place.kind == "point":
        joined = gpd.sjoin(
            frame,
            shapes[[key, "geometry"]].rename(columns={key: "__key"}),
            how="inner",
            predicate="within",
        )
        keys = joined["__key"]
        rows = joined
    else:
        keys = frame[key] if key in frame.columns else frame[f"{key}_place"]
        rows = frame
    numbers = pd.Series(values_of(rows, value) if value else np.ones(len(rows)), index=rows.index)
    totals = numbers.groupby(keys.to_numpy()).agg(how)
    names = shapes["name_ko"] if level == "gu" else shapes["gu_name_ko"] + " " + shapes["name_ko"]
    values = shapes[key].map(totals)
    if how == "size":
        values = values.fillna(0)
    areas = gpd.GeoDataFrame(
        {"name": names.to_numpy(), "value": values.to_numpy(dtype=float)},
        geometry=shapes.geometry.to_numpy(),
        crs=4326,
    )
    return areas, level, label


def points_of(source: Rows) -> tuple[np.ndarray, np.ndarray]:
    if source.located.place.kind != "point":
        raise MapError(
            f"이 지도는 좌표(위도·경도)가 있는 자료로 그립니다: '{source.name}'은(는) "
            f"{source.located.place.label()} 단위입니다. 단계구분도나 크기 기호를 고르세요."
        )
    frame = source.located.frame
    return frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()


def values_of(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        raise MapError(
            f"값 열 '{column}'이(가) 없습니다. 있는 열: {', '.join(map(str, frame.columns))}"
        )
    numbers = pd.to_numeric(frame[column], errors="coerce")
    if numbers.notna().sum() == 0 and len(frame):
        raise MapError(f"'{column}' 열에 숫자가 없습니다: 다른 값 열을 고르세요.")
    return numbers.to_numpy(dtype=float)


def names_of(frame: pd.DataFrame) -> list[str]:
    for column in ("name", "name_ko", "시설명", "title", "address", "road_address", "gu"):
        if column in frame.columns:
            return frame[column].astype(str).tolist()
    return [f"{i + 1}번" for i in range(len(frame))]
