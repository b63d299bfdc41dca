"""Where each row of a table is: coordinates, a gu, or a dong, found from the dataset's schema
roles or, failing those, from column names and values; rows that cannot be placed are counted.

    place = detect(frame, schema)              # PlaceColumns: kind, columns, code system
    located = locate(frame, place, level)      # Located: GeoDataFrame + Korean report
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Longitude and latitude of a box around Seoul: points outside it are not placed.
SEOUL_BOX = (126.70, 37.40, 127.30, 37.72)
_LAT = re.compile(r"^(lat|latitude|위도|y좌표|y_wgs84)$", re.I)
_LON = re.compile(r"^(lon|lng|long|longitude|경도|x좌표|x_wgs84)$", re.I)
_GU = re.compile(r"^(gu|자치구|자치구명|구명|시군구명?|sigungu)$", re.I)
_GU_CODE = re.compile(r"^(gu_code|자치구코드|시군구코드|sig_cd)$", re.I)
_DONG = re.compile(r"^(dong|행정동|행정동명|동명|adm_nm)$", re.I)
_DONG_CODE = re.compile(r"^(dong_code|행정동코드|adm_cd|adm_cd2|h_code)$", re.I)
_ADDRESS = re.compile(r"(address|주소)", re.I)
KIND_NAMES = {"point": "좌표(점)", "dong": "행정동", "gu": "자치구", "address": "주소(자치구)"}


class MapError(ValueError):
    """A request the maps cannot draw; the message says what and where, in Korean."""


@dataclass(frozen=True)
class PlaceColumns:
    """How a table says where its rows are.

    kind: 'point' (columns = (lon, lat)), 'gu' or 'dong' (one column of names or codes), or
    'address' (one column of addresses that name the gu).
    """

    kind: str
    columns: tuple[str, ...]
    system: str | None = None

    def label(self) -> str:
        return f"{KIND_NAMES[self.kind]}: {', '.join(self.columns)}"


@dataclass(frozen=True)
class PlaceReport:
    """How many rows were placed, and examples of those that were not."""

    total: int
    placed: int
    examples: list = field(default_factory=list)

    @property
    def unplaced(self) -> int:
        return self.total - self.placed

    def __str__(self) -> str:
        text = f"전체 {self.total:,}행 중 {self.placed:,}행을 지도에 표시"
        if self.unplaced:
            text += f", 위치를 찾지 못한 {self.unplaced:,}행은 제외"
            if self.examples:
                text += f" (예: {', '.join(map(str, self.examples[:5]))})"
        return text


@dataclass(frozen=True)
class Located:
    """The placed rows (EPSG:4326 points or areas) and the report on the rest."""

    frame: object  # geopandas.GeoDataFrame
    place: PlaceColumns
    report: PlaceReport


def candidates(frame: pd.DataFrame, schema: list[dict] | tuple = ()) -> list[PlaceColumns]:
    """Every way the table says where its rows are, best first (coordinates, then dong,
    then gu, then addresses). Schema roles win over column names."""
    roles = {c.get("role"): c["name"] for c in schema if c.get("role") and c["name"] in frame}
    found: list[PlaceColumns] = []
    lat = roles.get("lat") or _named(frame, _LAT)
    lon = roles.get("lon") or _named(frame, _LON)
    if lat and lon and _looks_like(frame[lat], 33, 39) and _looks_like(frame[lon], 124, 132):
        found.append(PlaceColumns("point", (lon, lat), "wgs84"))
    for kind, role_keys, patterns in (
        ("dong", ("dong_code", "dong"), (_DONG_CODE, _DONG)),
        ("gu", ("gu_code", "gu"), (_GU_CODE, _GU)),
    ):
        for role, pattern in zip(role_keys, patterns, strict=True):
            column = roles.get(role) or _named(frame, pattern)
            if column:
                system = "name" if role in ("dong", "gu") else None
                found.append(PlaceColumns(kind, (column,), system))
    address = _named(frame, _ADDRESS)
    if address:
        found.append(PlaceColumns("address", (address,), "name"))
    return list(dict.fromkeys(found))


def detect(frame: pd.DataFrame, schema: list[dict] | tuple = ()) -> PlaceColumns:
    """The best way the table says where its rows are; MapError when there is none."""
    found = candidates(frame, schema)
    if not found:
        raise MapError(
            "위치를 나타내는 열을 찾지 못했습니다 (위도·경도, 자치구, 행정동, 주소). "
            f"있는 열: {', '.join(map(str, frame.columns[:20]))}"
        )
    return found[0]


def value_columns(frame: pd.DataFrame, place: PlaceColumns | None = None) -> list[str]:
    """Numeric columns that can be drawn (not the coordinates or codes themselves)."""
    skip = set(place.columns) if place else set()
    numeric = frame.select_dtypes("number").columns
    return [
        c
        for c in numeric
        if c not in skip and not re.search(r"(code|코드|_id$|seq|lat|lon|x_tm|y_tm)", str(c), re.I)
    ]  # noqa: E501


def locate(
    frame: pd.DataFrame,
    place: PlaceColumns | None = None,
    *,
    level: str | None = None,
    schema: list[dict] | tuple = (),
) -> Located:
    """The rows of ``frame`` with a geometry: points for coordinates, areas for gu and dong
    (``level`` 'gu' places dong-level rows in their gu). Unplaced rows are left out and
    counted in the report, never silently dropped."""
    import geopandas as gpd

    from seoul_data.geo import find_gu, join_places

    place = place or detect(frame, schema)
    for column in place.columns:
        if column not in frame.columns:
            raise MapError(
                f"열 '{column}'이(가) 표에 없습니다. 있는 열: {', '.join(frame.columns)}"
            )
    if place.kind == "point":
        lon, lat = (pd.to_numeric(frame[c], errors="coerce").to_numpy() for c in place.columns)
        west, south, east, north = SEOUL_BOX
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        bad = frame.loc[~inside, list(place.columns)].head(5)
        examples = [
            f"({x}, {y})" if x == x and y == y else "좌표 없음"
            for x, y in bad.itertuples(index=False)
        ]
        placed = gpd.GeoDataFrame(
            frame.loc[inside].copy(),
            geometry=gpd.points_from_xy(lon[inside], lat[inside]),
            crs=4326,
        )
        return Located(placed, place, PlaceReport(len(frame), int(inside.sum()), examples))
    column = place.columns[0]
    area_level = level or place.kind
    if place.kind == "address":
        gu = frame[column].map(lambda v: find_gu(str(v)) if isinstance(v, str) else None)
        frame = frame.assign(__gu=gu)
        column, area_level, system = "__gu", "gu", "name"
    else:
        system = place.system
        if place.kind == "gu" and area_level == "dong":
            raise MapError(
                "자치구 단위 자료는 행정동 지도로 그릴 수 없습니다: 자치구 지도를 고르세요."
            )
    try:
        joined, report = join_places(frame, column, area_level, system)
    except (KeyError, ValueError) as e:
        raise MapError(f"'{place.columns[0]}' 열로 위치를 찾을 수 없습니다: {e}") from None
    joined = joined.drop(columns=["__gu"], errors="ignore")
    found = joined.geometry.notna().to_numpy()
    examples = [v for v in report.unmatched_values if v is not None][:5]
    return Located(joined.loc[found], place, PlaceReport(len(frame), int(found.sum()), examples))


def _named(frame: pd.DataFrame, pattern: re.Pattern) -> str | None:
    if pattern is _ADDRESS:
        texts = [
            c
            for c in frame.columns
            if pattern.search(str(c))
            and frame[c].dtype == object
            or pattern.search(str(c))
            and pd.api.types.is_string_dtype(frame[c])
        ]
        road = [c for c in texts if "road" in str(c) or "도로명" in str(c)]
        return (road or texts or [None])[0]
    return next((c for c in frame.columns if pattern.match(str(c).strip())), None)


def _looks_like(values: pd.Series, low: float, high: float) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    numbers = numbers[~np.isnan(numbers)]
    return len(numbers) > 0 and ((numbers >= low) & (numbers <= high)).mean() >= 0.5
