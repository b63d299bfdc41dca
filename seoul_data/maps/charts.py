"""Any table with a place on a map, in one call; the renderer is chosen by size.

    sd.maps.choropleth("facilities.public_libraries", level="dong")   # libraries per dong
    sd.maps.density("safety.ansimi_cctv", value="cameras")            # 83,000 points → WebGL
    sd.maps.compare(a, b)                                             # two maps side by side

Each function takes a dataset id (loaded, with its publisher's attribution) or a DataFrame
(pass ``attribution=``), finds where its rows are (places.py; ``place=`` overrides), and
returns a ``MapPage``: a standalone offline HTML page (Leaflet through folium, or deck.gl
above ``WEBGL_POINTS`` points / ``WEBGL_POLYGONS`` areas; see bench/map_render.py) that
shows in a notebook, saves as HTML and exports a PNG. Rows that cannot be placed are counted
in ``page.report``; titles, legends and tooltips are Korean.
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from seoul_data.catalog.model import CatalogError, Dataset
from seoul_data.display import with_unit
from seoul_data.maps import webgl
from seoul_data.maps.classes import classify
from seoul_data.maps.leaflet import json_script, offline_html, page_iframe, static_text
from seoul_data.maps.places import Located, MapError, PlaceColumns, PlaceReport, locate

#: Above these sizes Leaflet slows down and deck.gl draws instead (bench/map_render.py, 2
#: cores, software WebGL: 20k points 0.65 s Leaflet vs 0.62 s WebGL, 80k 29 s vs 0.52 s;
#: 3k polygons 0.47 vs 0.58 s, 6k 0.73 vs 0.63 s, 19k 6.3 s vs 0.86 s).
WEBGL_POINTS = 20_000
WEBGL_POLYGONS = 3_000
#: An internal tile server, e.g. http://tiles.seoul.internal/{z}/{x}/{y}.png (off by default:
#: our own boundaries are the basemap).
TILE_URL_ENV = "SDH_MAP_TILE_URL"
TILE_ATTRIBUTION_ENV = "SDH_MAP_TILE_ATTRIBUTION"
BOUNDARY_CREDIT = {
    "gu": "경계: 행정안전부 도로명주소 시군구 (southkorea/seoul-maps)",
    "dong": "경계: 통계청 SGIS 행정동 2021-04 (vuski/admdongkor, CC BY 4.0)",
}
CHART_TYPES = {
    "choropleth": "단계구분도 (구·동별 색)",
    "symbols": "크기 기호 (값에 비례한 원)",
    "clusters": "점 묶음 (클러스터)",
    "density": "밀도 (히트맵)",
    "hexbin": "육각형 집계",
}
LEVELS = {"gu": "자치구", "dong": "행정동"}
_BLUE = (31, 95, 168)


@dataclass(frozen=True)
class MapPage:
    """A drawn map: one standalone HTML page that needs no network."""

    html: str
    title: str
    renderer: str  # 'leaflet' or 'webgl'
    features: int
    report: PlaceReport | None = None

    def _repr_html_(self) -> str:
        return self.iframe()

    def iframe(self, height: int = 520) -> str:
        return page_iframe(self.html, height, self.title)

    def save(self, path: str | Path) -> Path:
        """The page as an HTML file that opens offline."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def png(self, path: str | Path, width: int = 1200, height: int = 800) -> Path:
        """A picture of the drawn map, taken by headless Chromium."""
        from seoul_data.maps.snapshot import screenshot

        return screenshot(self.html, Path(path), width, height)


#: The keys of a catalog entry, among those ``describe`` returns.
_DATASET_KEYS = {f.name for f in fields(Dataset)}


@dataclass(frozen=True)
class _Source:
    located: Located
    name: str
    attribution: str
    titles: dict = field(default_factory=dict)  # column → its Korean title (the schema's)
    #: measures that do not add up over places (rates, shares): averaged, never summed
    not_summed: frozenset = frozenset()

    def title(self, column: str | None) -> str:
        return self.titles.get(column, column) if column else ""


def choropleth(
    data,
    value: str | None = None,
    *,
    level: str | None = None,
    agg: str = "sum",
    period: str | None = None,
    place: PlaceColumns | None = None,
    title: str | None = None,
    unit: str = "",
    attribution: str = "",
    renderer: str = "auto",
) -> MapPage:
    """Areas coloured by a value: each gu or dong (``level``) gets the sum (``agg``: 'sum',
    'mean', 'count') of ``value`` over its rows, or the number of rows without ``value``
    (points are counted in the area they lie in). A GeoDataFrame of polygons is drawn as is.
    period: of a dataset of measures, the period drawn ('2019', '2025-Q2'; 'all' for every
    row); the latest by default, so that a stock counted each period is not added up."""
    source = _source(data, place, level, attribution, period)
    areas, level, label = _areas(source, value, level, agg)
    title = title or f"{source.name}: {LEVELS.get(level, '구역')}별 {label}"
    return _area_page(areas, title, label, unit, source, level, renderer)


def symbols(
    data,
    value: str | None = None,
    *,
    level: str | None = None,
    agg: str = "sum",
    place: PlaceColumns | None = None,
    title: str | None = None,
    unit: str = "",
    attribution: str = "",
    renderer: str = "auto",
) -> MapPage:
    """Circles sized by a value: at each point, or at the centre of each gu or dong for
    area data (the same totals as ``choropleth``)."""
    source = _source(data, place, level, attribution)
    if source.located.place.kind == "point" and value and not level:
        frame = source.located.frame
        values = _numbers(frame, value) if value else np.ones(len(frame))
        label = source.title(value)
        lon, lat = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
        names = _names(frame)
    else:
        areas, level, label = _areas(source, value, level, agg)
        areas = areas[areas["value"].fillna(0) > 0]
        centres = areas.geometry.representative_point()
        lon, lat, values, names = (
            centres.x.to_numpy(),
            centres.y.to_numpy(),
            areas["value"].to_numpy(),
            areas["name"].tolist(),
        )
    title = title or f"{source.name}: {label} (원 크기)"
    top = np.nanmax(values) if len(values) and np.nanmax(values) > 0 else 1.0
    radius = 3 + 21 * np.sqrt(np.clip(np.nan_to_num(values), 0, None) / top)
    tips = [_tip(n, label, v, unit) for n, v in zip(names, values, strict=True)]
    legend = (
        f"<b>{html.escape(label)}</b><br>가장 큰 원: {_value(top, unit)}"
        "<br><small>원의 면적이 값에 비례</small>"
    )
    if _webgl(renderer, len(lon), WEBGL_POINTS):
        layer = {
            "type": "points",
            "id": "symbols",
            "positions": _flat(lon, lat),
            "radius": np.round(radius, 1).tolist(),
            "colour": [*_BLUE, 150],
            "stroke": True,
            "tooltips": tips if len(tips) <= WEBGL_POINTS else None,
        }
        return _webgl_page([layer], title, legend, source, len(lon), lon, lat)

    m = _leaflet(lon, lat)
    order = np.argsort(-radius)  # small circles on top of large ones
    rows = [
        [round(float(lat[i]), 6), round(float(lon[i]), 6), round(float(radius[i]), 1), tips[i]]
        for i in order
    ]
    _script(m, "leaflet-symbols", {"map": m.get_name(), "rows": rows})
    return _leaflet_page(m, title, legend, source, len(lon))


def clusters(
    data,
    *,
    place: PlaceColumns | None = None,
    title: str | None = None,
    attribution: str = "",
    renderer: str = "auto",
) -> MapPage:
    """Points grouped into clusters that split as you zoom in (Leaflet.markercluster); above
    ``WEBGL_POINTS``, counts on a screen grid (deck.gl)."""
    source = _source(data, place, None, attribution)
    lon, lat = _points(source)
    title = title or f"{source.name}: 위치 ({len(lon):,}곳)"
    legend = "<b>점 묶음</b><br>숫자: 묶인 곳의 수<br><small>확대하면 나뉩니다</small>"
    if _webgl(renderer, len(lon), WEBGL_POINTS):
        layer = {
            "type": "grid",
            "id": "clusters",
            "positions": _flat(lon, lat),
            "cell_px": 28,
            "colours": [list(c) for c in _palette()],
        }
        legend = "<b>격자별 개수</b><br>" + _ramp_legend("적음", "많음")
        return _webgl_page([layer], title, legend, source, len(lon), lon, lat)
    from folium.plugins import FastMarkerCluster

    m = _leaflet(lon, lat)
    # folium's FastMarkerCluster takes the function that makes each marker as JavaScript
    # source; circles, because its default markers load their icons from a CDN
    callback = (
        "function (row) { return L.circleMarker(new L.LatLng(row[0], row[1]), "
        "{radius: 5, color: '#1f5fa8', weight: 1, fillOpacity: 0.7}); }"
    )
    FastMarkerCluster(
        np.c_[np.round(lat, 6), np.round(lon, 6)].tolist(),
        callback=callback,
        options={"chunkedLoading": True},
    ).add_to(m)
    return _leaflet_page(m, title, legend, source, len(lon))


def density(
    data,
    value: str | None = None,
    *,
    place: PlaceColumns | None = None,
    title: str | None = None,
    attribution: str = "",
    renderer: str = "auto",
    radius_px: int = 18,
) -> MapPage:
    """Where points are dense (a heat map), weighted by ``value`` if given."""
    source = _source(data, place, None, attribution)
    lon, lat = _points(source)
    frame = source.located.frame
    weight = _numbers(frame, value) if value else np.ones(len(lon))
    weight = np.nan_to_num(weight)
    title = title or f"{source.name}: {source.title(value) + ' 가중 ' if value else ''}밀도"
    legend = "<b>밀도</b><br>" + _ramp_legend("낮음", "높음")
    if _webgl(renderer, len(lon), WEBGL_POINTS):
        layer = {
            "type": "heatmap",
            "id": "density",
            "positions": _flat(lon, lat),
            "weight": None if value is None else np.round(weight, 3).tolist(),
            "radius_px": radius_px * 2,
        }
        return _webgl_page([layer], title, legend, source, len(lon), lon, lat)
    from folium.plugins import HeatMap

    m = _leaflet(lon, lat)
    top = weight.max() if len(weight) and weight.max() > 0 else 1.0
    HeatMap(
        np.c_[np.round(lat, 6), np.round(lon, 6), weight / top].tolist(),
        radius=radius_px,
        blur=radius_px * 0.8,
        min_opacity=0.25,
    ).add_to(m)
    return _leaflet_page(m, title, legend, source, len(lon))


def hexbin(
    data,
    value: str | None = None,
    *,
    radius_m: float = 500,
    agg: str = "sum",
    place: PlaceColumns | None = None,
    title: str | None = None,
    unit: str = "",
    attribution: str = "",
    renderer: str = "auto",
) -> MapPage:
    """Points gathered into hexagons ``radius_m`` metres across the corner: the number of
    points in each (or the sum or mean of ``value``)."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    source = _source(data, place, None, attribution)
    lon, lat = _points(source)
    if radius_m < 50:
        raise MapError(f"육각형 크기는 50m 이상이어야 합니다: {radius_m}m")
    values = _numbers(source.located.frame, value) if value else np.ones(len(lon))
    # flat-topped hexagons on a local metric plane (Seoul spans ~0.6°: the error is < 1 %)
    k = math.cos(math.radians(37.55))
    x, y = lon * 111_320 * k, lat * 110_574
    q = (2 / 3 * x) / radius_m
    r = (-1 / 3 * x + math.sqrt(3) / 3 * y) / radius_m
    cells = _hex_round(q, r)
    frame = pd.DataFrame({"q": cells[0], "r": cells[1], "v": values})
    how = {"sum": "sum", "mean": "mean", "count": "size"}.get(agg if value else "count")
    if how is None:
        raise MapError(f"집계 방법은 sum, mean, count 중 하나입니다: {agg!r}")
    grouped = frame.groupby(["q", "r"])["v"].agg(how).rename("value").reset_index()
    corners = [(math.cos(math.radians(60 * i)), math.sin(math.radians(60 * i))) for i in range(6)]
    shapes = []
    for cq, cr in zip(grouped.q, grouped.r, strict=True):
        cx, cy = radius_m * 1.5 * cq, radius_m * math.sqrt(3) * (cr + cq / 2)
        shapes.append(
            Polygon(
                [
                    ((cx + radius_m * a) / (111_320 * k), (cy + radius_m * b) / 110_574)
                    for a, b in corners
                ]
            )
        )
    label = "개수" if not value else f"{source.title(value)} {'합계' if agg == 'sum' else '평균'}"
    areas = gpd.GeoDataFrame(
        {
            "name": [f"육각형 {i + 1}" for i in range(len(grouped))],
            "value": grouped.value.to_numpy(),
        },
        geometry=shapes,
        crs=4326,
    )
    title = title or f"{source.name}: 육각형({radius_m:g}m)별 {label}"
    return _area_page(areas, title, label, unit, source, None, renderer)


def compare(left: MapPage, right: MapPage, *, title: str | None = None) -> MapPage:
    """Two maps side by side that pan and zoom together (two periods, two indicators)."""
    title = title or f"{left.title} · {right.title}"
    frames = "".join(
        f'<iframe id="sd-{side}" title="{html.escape(page.title)}" '
        f'srcdoc="{html.escape(page.html, quote=True)}"></iframe>'
        for side, page in (("left", left), ("right", right))
    )
    page = f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>
html, body {{ margin: 0; height: 100%; font-family: 'NanumGothic', sans-serif; }}
body {{ display: flex; flex-direction: column; }}
h1 {{ font-size: 15px; margin: 6px 10px; }}
.sd-pair {{ flex: 1; display: flex; gap: 4px; }}
.sd-pair iframe {{ flex: 1; border: 0; height: 100%; }}
</style></head><body data-renderer="compare">
<h1>{html.escape(title)}</h1><div class="sd-pair">{frames}</div>
<script>{static_text("compare.js")}</script></body></html>"""
    report = left.report
    return MapPage(page, title, "compare", left.features + right.features, report)


def compare_columns(
    data,
    first: str,
    second: str,
    *,
    level: str | None = None,
    agg: str = "sum",
    place: PlaceColumns | None = None,
    title: str | None = None,
    unit: str = "",
    attribution: str = "",
    renderer: str = "auto",
) -> MapPage:
    """Two value columns of one dataset (two periods, two indicators) as choropleths side by
    side, on one colour scale so the same colour means the same value in both."""
    source = _source(data, place, level, attribution)
    (left, level, left_label), (right, _, right_label) = (
        _areas(source, column, level, agg) for column in (first, second)
    )
    both = np.concatenate([left["value"].to_numpy(float), right["value"].to_numpy(float)])
    pages = [
        _area_page(areas, source.title(column), label, unit, source, level, renderer, both)
        for areas, column, label in ((left, first, left_label), (right, second, right_label))
    ]
    title = title or f"{source.name}: {source.title(first)} · {source.title(second)}"
    return compare(*pages, title=title)


def animate(
    data,
    time: str,
    value: str | None = None,
    *,
    level: str | None = None,
    agg: str = "sum",
    place: PlaceColumns | None = None,
    title: str | None = None,
    unit: str = "",
    attribution: str = "",
    interval_ms: int = 900,
) -> MapPage:
    """Areas coloured by a value at each step of ``time`` (a year, a month, an hour), with a
    slider and a play button; the colours keep one scale for every step."""
    import folium

    source = _source(data, place, level, attribution, period="all")  # every step
    frame = source.located.frame
    if time not in frame.columns:
        raise MapError(
            f"시간 열 '{time}'이(가) 없습니다. 있는 열: {', '.join(map(str, frame.columns))}"
        )
    steps = sorted(frame[time].dropna().unique().tolist())
    if not 2 <= len(steps) <= 500:
        raise MapError(
            f"'{time}' 열의 시점이 {len(steps)}개입니다: 애니메이션은 2–500개일 때 그립니다."
        )
    per_step = []
    for step in steps:
        part = Located(frame[frame[time] == step], source.located.place, source.located.report)
        areas, level, label = _areas(
            _Source(part, source.name, source.attribution), value, level, agg
        )
        per_step.append(areas)
    values = np.vstack([a["value"].to_numpy(dtype=float) for a in per_step])
    classes = classify(values.reshape(-1))
    colours = [[classes.hex(i) for i in row] for row in classes.index.reshape(values.shape)]
    names = per_step[0]["name"]
    tips = [[_tip(n, label, v, unit) for n, v in zip(names, row, strict=True)] for row in values]
    areas = per_step[0]
    title = (
        title or f"{source.name}: {LEVELS.get(level, '구역')}별 {label} ({steps[0]}–{steps[-1]})"
    )
    m = _leaflet(*_bounds_points(areas))
    outline = areas[["name", "geometry"]].reset_index(drop=True).to_json(ensure_ascii=False)
    shapes = folium.GeoJson(
        outline, style_function=lambda f: {"color": "#555", "weight": 0.6, "fillOpacity": 0.85}
    )
    shapes.add_to(m)
    m.get_root().html.add_child(folium.Element(_player(time)))
    spec = {
        "layer": shapes.get_name(),
        "steps": [str(s) for s in steps],
        "colours": colours,
        "tips": tips,
        "interval": interval_ms,
    }
    _script(m, "leaflet-animation", spec)
    legend = classes.legend_html(unit, label)
    return _leaflet_page(m, title, legend, source, len(areas))


# -- sources -------------------------------------------------------------------------------


def _source(data, place, level, attribution, period: str | None = None) -> _Source:
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
        return _Source(
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
        return _Source(
            Located(frame, PlaceColumns(kind, ("geometry",)), report), "지도", attribution
        )
    if isinstance(data, pd.DataFrame):
        return _Source(locate(data, place, level=level), "표", attribution)
    raise MapError(f"데이터셋 id, DataFrame 또는 GeoDataFrame을 주세요: {type(data).__name__}")


def _areas(source: _Source, value, level, agg):
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
        numbers = _numbers(frame, value) if value else np.ones(len(frame))
        areas = gpd.GeoDataFrame(
            {"name": _names(frame), "value": numbers}, geometry=frame.geometry.to_numpy(), crs=4326
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
    numbers = pd.Series(_numbers(rows, value) if value else np.ones(len(rows)), index=rows.index)
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


def _points(source: _Source) -> tuple[np.ndarray, np.ndarray]:
    if source.located.place.kind != "point":
        raise MapError(
            f"이 지도는 좌표(위도·경도)가 있는 자료로 그립니다: '{source.name}'은(는) "
            f"{source.located.place.label()} 단위입니다. 단계구분도나 크기 기호를 고르세요."
        )
    frame = source.located.frame
    return frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        raise MapError(
            f"값 열 '{column}'이(가) 없습니다. 있는 열: {', '.join(map(str, frame.columns))}"
        )
    numbers = pd.to_numeric(frame[column], errors="coerce")
    if numbers.notna().sum() == 0 and len(frame):
        raise MapError(f"'{column}' 열에 숫자가 없습니다: 다른 값 열을 고르세요.")
    return numbers.to_numpy(dtype=float)


def _names(frame: pd.DataFrame) -> list[str]:
    for column in ("name", "name_ko", "시설명", "title", "address", "road_address", "gu"):
        if column in frame.columns:
            return frame[column].astype(str).tolist()
    return [f"{i + 1}번" for i in range(len(frame))]


# -- pages -----------------------------------------------------------------------------------


def _area_page(
    areas, title, label, unit, source: _Source, level, renderer, reference=None
) -> MapPage:
    classes = classify(areas["value"].to_numpy(dtype=float), reference=reference)
    legend = classes.legend_html(unit, label)
    tips = [_tip(n, label, v, unit) for n, v in zip(areas["name"], areas["value"], strict=True)]
    west, south, east, north = areas.total_bounds
    if _webgl(renderer, len(areas), WEBGL_POLYGONS):
        shapes = json.loads(areas[["geometry"]].to_json(drop_id=True, ensure_ascii=False))
        for i, feature in enumerate(shapes["features"]):
            feature["properties"] = {"__i": i}
        fill = [[*classes.rgb(i), 220] for i in classes.index]
        layer = {
            "type": "polygons",
            "id": "areas",
            "geojson": shapes,
            "fill": fill,
            "tooltips": tips,
            "line_px": 0.4 if len(areas) > 1000 else 0.8,
        }
        return _webgl_page(
            [layer],
            title,
            legend,
            source,
            len(areas),
            np.array([west, east]),
            np.array([south, north]),
            level,
        )
    import folium

    m = _leaflet(np.array([west, east]), np.array([south, north]))
    shapes = areas.assign(colour=[classes.hex(i) for i in classes.index], tip=tips)
    folium.GeoJson(
        shapes[["tip", "colour", "geometry"]].reset_index(drop=True).to_json(ensure_ascii=False),
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#555",
            "weight": 0.6,
            "fillOpacity": 0.85,
        },
        highlight_function=lambda f: {"weight": 2, "color": "#222"},
        tooltip=folium.GeoJsonTooltip(["tip"], labels=False),
    ).add_to(m)
    return _leaflet_page(m, title, legend, source, len(areas), level)


def _credit(source: _Source, level: str | None) -> str:
    parts = [
        source.attribution,
        BOUNDARY_CREDIT["dong"] if level == "dong" else "",
        BOUNDARY_CREDIT["gu"],
    ]  # the gu outlines are always drawn
    tiles = os.environ.get(TILE_ATTRIBUTION_ENV) if os.environ.get(TILE_URL_ENV) else ""
    return " | ".join(html.escape(p) for p in dict.fromkeys([*parts, tiles]) if p)


def _gu_outline() -> dict:
    from seoul_data.geo import boundaries

    return json.loads(boundaries("gu")[["geometry"]].to_json(drop_id=True, ensure_ascii=False))


def _leaflet(lon: np.ndarray, lat: np.ndarray):
    """A folium map fitted to the points, our gu outlines as its basemap (or the
    configured internal tile server)."""
    import folium

    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, maxZoom=18, minZoom=9)
    url = os.environ.get(TILE_URL_ENV)
    if url:
        folium.TileLayer(url, attr=os.environ.get(TILE_ATTRIBUTION_ENV) or "내부 지도").add_to(m)
    folium.GeoJson(
        _gu_outline(),
        name="자치구 경계",
        interactive=False,
        style_function=lambda f: {
            "color": "#888",
            "weight": 1,
            "fill": True,
            "fillColor": "#f4f4f2",
            "fillOpacity": 0.6,
        },
    ).add_to(m)
    if len(lon):
        m.fit_bounds(
            [
                [float(np.nanmin(lat)), float(np.nanmin(lon))],
                [float(np.nanmax(lat)), float(np.nanmax(lon))],
            ]
        )
    return m


def _leaflet_page(
    m, title, legend, source: _Source, features: int, level: str | None = None
) -> MapPage:
    import folium

    credit = _credit(source, level)
    root = m.get_root()
    root.html.add_child(
        folium.Element(
            f'<div class="sd-title">{html.escape(title)}</div>'
            f'<div class="sd-legend-box">{legend}</div>'
            f"<style>{webgl.CSS.replace('#sd-map', '.folium-map')}"
            ".leaflet-container { background: #fdfdfb; }</style>"
        )
    )
    _script(m, "leaflet-page", {"map": m.get_name(), "credit": credit})
    root.title = title
    page = offline_html(m).replace("<head>", '<head>\n<meta charset="utf-8">', 1)
    page = page.replace("<body>", '<body data-renderer="leaflet">', 1)
    return MapPage(page, title, "leaflet", features, source.located.report)


def _script(m, name: str, data: dict) -> None:
    """Our script static/<name>.js, run once the map and the layers added so far exist,
    with ``data`` in the page for it (JSON, ``id="sd-<name>"``)."""
    import folium
    from branca.element import MacroElement
    from jinja2 import Template

    m.get_root().html.add_child(folium.Element(json_script(f"sd-{name}", data)))
    code = static_text(f"{name}.js")
    element = MacroElement()
    element._template = Template(
        "{% macro script(this, kwargs) %}{% raw %}" + code + "{% endraw %}{% endmacro %}"
    )
    m.add_child(element)


def _webgl_page(layers, title, legend, source: _Source, features, lon, lat, level=None) -> MapPage:
    layers = [
        {
            "type": "outline",
            "id": "gu",
            "geojson": _gu_outline(),
            "fill": [],
            "line": [120, 120, 120, 160],
            "line_px": 1,
        },
        *layers,
    ]
    west, east = float(np.nanmin(lon)), float(np.nanmax(lon))
    south, north = float(np.nanmin(lat)), float(np.nanmax(lat))
    page = webgl.page(
        layers,
        title=title,
        bounds=(west, south, east, north),
        legend=legend,
        attribution=_credit(source, level),
        tile_url=os.environ.get(TILE_URL_ENV) or None,
    )
    return MapPage(page, title, "webgl", features, source.located.report)


def _webgl(renderer: str, size: int, threshold: int) -> bool:
    if renderer not in ("auto", "leaflet", "webgl"):
        raise MapError(f"renderer는 auto, leaflet, webgl 중 하나입니다: {renderer!r}")
    return renderer == "webgl" or (renderer == "auto" and size > threshold)


def _bounds_points(areas) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = areas.total_bounds
    return np.array([west, east]), np.array([south, north])


def _flat(lon: np.ndarray, lat: np.ndarray) -> list[float]:
    return np.round(np.c_[lon, lat].reshape(-1), 6).tolist()


def _hex_round(q: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axial hexagon coordinates of the hexagon each fractional (q, r) falls in."""
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    return rq.astype(int), rr.astype(int)


def _palette():
    from seoul_data.maps.classes import PALETTE

    return PALETTE


def _ramp_legend(low: str, high: str) -> str:
    stops = ", ".join("rgb({},{},{})".format(*c) for c in _palette())
    return (
        f'<div style="width:140px;height:10px;background:linear-gradient(90deg,{stops})"></div>'
        f'<div style="display:flex;justify-content:space-between;width:140px">'
        f"<span>{low}</span><span>{high}</span></div>"
    )


def _value(value: float, unit: str) -> str:
    return html.escape(with_unit(value, unit, missing="자료 없음"))


def _tip(name, label: str, value: float, unit: str) -> str:
    """An area's or a point's tooltip (HTML): its name, what is shown and the value."""
    return f"<b>{html.escape(str(name))}</b><br>{html.escape(label)}: {_value(value, unit)}"


def _player(time: str) -> str:
    """The slider and play button of an animated map (static/leaflet-animation.js)."""
    return (
        '<div class="sd-player" style="position:absolute;top:44px;left:50%;'
        "transform:translateX(-50%);z-index:1000;background:rgba(255,255,255,.92);"
        'padding:4px 10px;border-radius:4px;font-size:13px;box-shadow:0 1px 4px rgba(0,0,0,.2)">'
        '<button id="sd-play" type="button" aria-label="재생">▶ 재생</button> '
        f'<label>{html.escape(time)} <input id="sd-step" type="range" min="0" value="0"></label> '
        '<b id="sd-step-label"></b></div>'
    )
