"""Any table with a place on a map, in one call; the renderer is chosen by size.

    sd.maps.choropleth("facilities.public_libraries", level="dong")   # libraries per dong
    sd.maps.density("safety.ansimi_cctv", value="cameras")            # 83,000 points → WebGL
    sd.maps.compare(a, b)                                             # two maps side by side

Each function takes a dataset id (loaded, with its publisher's attribution) or a DataFrame
(pass ``attribution=``), finds where its rows are (places.py; ``place=`` overrides), and
returns a ``MapPage``: a standalone offline HTML page (Leaflet through folium, or deck.gl
above the sizes in :mod:`.pages`; bench/map_render.py) that
shows in a notebook, saves as HTML and exports a PNG. Rows that cannot be placed are counted
in ``page.report``; titles, legends and tooltips are Korean.

The rows come from :mod:`seoul_data.maps.placed` (one period of a table of measures, placed
and gathered into areas); the pages are made by :mod:`seoul_data.maps.pages`.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from seoul_data.maps import pages, placed
from seoul_data.maps.classes import classify
from seoul_data.maps.leaflet import static_text
from seoul_data.maps.pages import MapPage
from seoul_data.maps.places import Located, MapError, PlaceColumns

CHART_TYPES = {
    "choropleth": "단계구분도 (구·동별 색)",
    "symbols": "크기 기호 (값에 비례한 원)",
    "clusters": "점 묶음 (클러스터)",
    "density": "밀도 (히트맵)",
    "hexbin": "육각형 집계",
}


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
    source = placed.rows_of(data, place, level, attribution, period)
    areas, level, label = placed.areas_of(source, value, level, agg)
    title = title or f"{source.name}: {pages.LEVELS.get(level, '구역')}별 {label}"
    return pages.area_page(areas, title, label, unit, source, level, renderer)


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
    source = placed.rows_of(data, place, level, attribution)
    if source.located.place.kind == "point" and value and not level:
        frame = source.located.frame
        values = placed.values_of(frame, value) if value else np.ones(len(frame))
        label = source.title(value)
        lon, lat = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
        names = placed.names_of(frame)
    else:
        areas, level, label = placed.areas_of(source, value, level, agg)
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
    tips = [pages.tip(n, label, v, unit) for n, v in zip(names, values, strict=True)]
    legend = (
        f"<b>{html.escape(label)}</b><br>가장 큰 원: {pages.value_text(top, unit)}"
        "<br><small>원의 면적이 값에 비례</small>"
    )
    if pages.use_webgl(renderer, len(lon), pages.WEBGL_POINTS):
        layer = {
            "type": "points",
            "id": "symbols",
            "positions": pages.flat(lon, lat),
            "radius": np.round(radius, 1).tolist(),
            "colour": [*pages.BLUE, 150],
            "stroke": True,
            "tooltips": tips if len(tips) <= pages.WEBGL_POINTS else None,
        }
        return pages.webgl_page([layer], title, legend, source, len(lon), lon, lat)

    m = pages.leaflet_map(lon, lat)
    order = np.argsort(-radius)  # small circles on top of large ones
    rows = [
        [round(float(lat[i]), 6), round(float(lon[i]), 6), round(float(radius[i]), 1), tips[i]]
        for i in order
    ]
    pages.add_script(m, "leaflet-symbols", {"map": m.get_name(), "rows": rows})
    return pages.leaflet_page(m, title, legend, source, len(lon))


def clusters(
    data,
    *,
    place: PlaceColumns | None = None,
    title: str | None = None,
    attribution: str = "",
    renderer: str = "auto",
) -> MapPage:
    """Points grouped into clusters that split as you zoom in (Leaflet.markercluster); above
    ``pages.WEBGL_POINTS``, counts on a screen grid (deck.gl)."""
    source = placed.rows_of(data, place, None, attribution)
    lon, lat = placed.points_of(source)
    title = title or f"{source.name}: 위치 ({len(lon):,}곳)"
    legend = "<b>점 묶음</b><br>숫자: 묶인 곳의 수<br><small>확대하면 나뉩니다</small>"
    if pages.use_webgl(renderer, len(lon), pages.WEBGL_POINTS):
        layer = {
            "type": "grid",
            "id": "clusters",
            "positions": pages.flat(lon, lat),
            "cell_px": 28,
            "colours": [list(c) for c in pages.palette()],
        }
        legend = "<b>격자별 개수</b><br>" + pages.ramp_legend("적음", "많음")
        return pages.webgl_page([layer], title, legend, source, len(lon), lon, lat)
    from folium.plugins import FastMarkerCluster

    m = pages.leaflet_map(lon, lat)
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
    return pages.leaflet_page(m, title, legend, source, len(lon))


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
    source = placed.rows_of(data, place, None, attribution)
    lon, lat = placed.points_of(source)
    frame = source.located.frame
    weight = placed.values_of(frame, value) if value else np.ones(len(lon))
    weight = np.nan_to_num(weight)
    title = title or f"{source.name}: {source.title(value) + ' 가중 ' if value else ''}밀도"
    legend = "<b>밀도</b><br>" + pages.ramp_legend("낮음", "높음")
    if pages.use_webgl(renderer, len(lon), pages.WEBGL_POINTS):
        layer = {
            "type": "heatmap",
            "id": "density",
            "positions": pages.flat(lon, lat),
            "weight": None if value is None else np.round(weight, 3).tolist(),
            "radius_px": radius_px * 2,
        }
        return pages.webgl_page([layer], title, legend, source, len(lon), lon, lat)
    from folium.plugins import HeatMap

    m = pages.leaflet_map(lon, lat)
    top = weight.max() if len(weight) and weight.max() > 0 else 1.0
    HeatMap(
        np.c_[np.round(lat, 6), np.round(lon, 6), weight / top].tolist(),
        radius=radius_px,
        blur=radius_px * 0.8,
        min_opacity=0.25,
    ).add_to(m)
    return pages.leaflet_page(m, title, legend, source, len(lon))


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

    source = placed.rows_of(data, place, None, attribution)
    lon, lat = placed.points_of(source)
    if radius_m < 50:
        raise MapError(f"육각형 크기는 50m 이상이어야 합니다: {radius_m}m")
    values = placed.values_of(source.located.frame, value) if value else np.ones(len(lon))
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
    return pages.area_page(areas, title, label, unit, source, None, renderer)


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
    source = placed.rows_of(data, place, level, attribution)
    (left, level, left_label), (right, _, right_label) = (
        placed.areas_of(source, column, level, agg) for column in (first, second)
    )
    both = np.concatenate([left["value"].to_numpy(float), right["value"].to_numpy(float)])
    drawn = [
        pages.area_page(areas, source.title(column), label, unit, source, level, renderer, both)
        for areas, column, label in ((left, first, left_label), (right, second, right_label))
    ]
    title = title or f"{source.name}: {source.title(first)} · {source.title(second)}"
    return compare(*drawn, title=title)


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

    source = placed.rows_of(data, place, level, attribution, period="all")  # every step
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
        areas, level, label = placed.areas_of(
            placed.Rows(part, source.name, source.attribution), value, level, agg
        )
        per_step.append(areas)
    values = np.vstack([a["value"].to_numpy(dtype=float) for a in per_step])
    classes = classify(values.reshape(-1))
    colours = [[classes.hex(i) for i in row] for row in classes.index.reshape(values.shape)]
    names = per_step[0]["name"]
    tips = [
        [pages.tip(n, label, v, unit) for n, v in zip(names, row, strict=True)] for row in values
    ]
    areas = per_step[0]
    title = (
        title
        or f"{source.name}: {pages.LEVELS.get(level, '구역')}별 {label} ({steps[0]}–{steps[-1]})"
    )
    m = pages.leaflet_map(*pages.bounds_points(areas))
    outline = areas[["name", "geometry"]].reset_index(drop=True).to_json(ensure_ascii=False)
    shapes = folium.GeoJson(
        outline, style_function=lambda f: {"color": "#555", "weight": 0.6, "fillOpacity": 0.85}
    )
    shapes.add_to(m)
    m.get_root().html.add_child(folium.Element(pages.player(time)))
    spec = {
        "layer": shapes.get_name(),
        "steps": [str(s) for s in steps],
        "colours": colours,
        "tips": tips,
        "interval": interval_ms,
    }
    pages.add_script(m, "leaflet-animation", spec)
    legend = classes.legend_html(unit, label)
    return pages.leaflet_page(m, title, legend, source, len(areas))


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
