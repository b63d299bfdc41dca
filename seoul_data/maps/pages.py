"""A map's page: the standalone offline HTML that shows areas or points, with Leaflet
(through folium) or, above ``WEBGL_POINTS`` points / ``WEBGL_POLYGONS`` areas, deck.gl; its
legend, tooltips and credits in Korean (see :mod:`seoul_data.maps.charts` for the charts).
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seoul_data.display import with_unit
from seoul_data.maps import placed, webgl
from seoul_data.maps.classes import classify
from seoul_data.maps.leaflet import json_script, offline_html, page_iframe, static_text
from seoul_data.maps.places import MapError, PlaceReport

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


LEVELS = {"gu": "자치구", "dong": "행정동"}
BLUE = (31, 95, 168)


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


def area_page(
    areas, title, label, unit, source: placed.Rows, level, renderer, reference=None
) -> MapPage:
    classes = classify(areas["value"].to_numpy(dtype=float), reference=reference)
    legend = classes.legend_html(unit, label)
    tips = [tip(n, label, v, unit) for n, v in zip(areas["name"], areas["value"], strict=True)]
    west, south, east, north = areas.total_bounds
    if use_webgl(renderer, len(areas), WEBGL_POLYGONS):
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
        return webgl_page(
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

    m = leaflet_map(np.array([west, east]), np.array([south, north]))
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
    return leaflet_page(m, title, legend, source, len(areas), level)


def credit_line(source: placed.Rows, level: str | None) -> str:
    parts = [
        source.attribution,
        BOUNDARY_CREDIT["dong"] if level == "dong" else "",
        BOUNDARY_CREDIT["gu"],
    ]  # the gu outlines are always drawn
    tiles = os.environ.get(TILE_ATTRIBUTION_ENV) if os.environ.get(TILE_URL_ENV) else ""
    return " | ".join(html.escape(p) for p in dict.fromkeys([*parts, tiles]) if p)


def gu_outline() -> dict:
    from seoul_data.geo import boundaries

    return json.loads(boundaries("gu")[["geometry"]].to_json(drop_id=True, ensure_ascii=False))


def leaflet_map(lon: np.ndarray, lat: np.ndarray):
    """A folium map fitted to the points, our gu outlines as its basemap (or the
    configured internal tile server)."""
    import folium

    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, maxZoom=18, minZoom=9)
    url = os.environ.get(TILE_URL_ENV)
    if url:
        folium.TileLayer(url, attr=os.environ.get(TILE_ATTRIBUTION_ENV) or "내부 지도").add_to(m)
    folium.GeoJson(
        gu_outline(),
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


def leaflet_page(
    m, title, legend, source: placed.Rows, features: int, level: str | None = None
) -> MapPage:
    import folium

    credit = credit_line(source, level)
    root = m.get_root()
    root.html.add_child(
        folium.Element(
            f'<div class="sd-title">{html.escape(title)}</div>'
            f'<div class="sd-legend-box">{legend}</div>'
            f"<style>{webgl.CSS.replace('#sd-map', '.folium-map')}"
            ".leaflet-container { background: #fdfdfb; }</style>"
        )
    )
    add_script(m, "leaflet-page", {"map": m.get_name(), "credit": credit})
    root.title = title
    page = offline_html(m).replace("<head>", '<head>\n<meta charset="utf-8">', 1)
    page = page.replace("<body>", '<body data-renderer="leaflet">', 1)
    return MapPage(page, title, "leaflet", features, source.located.report)


def add_script(m, name: str, data: dict) -> None:
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


def webgl_page(
    layers, title, legend, source: placed.Rows, features, lon, lat, level=None
) -> MapPage:
    layers = [
        {
            "type": "outline",
            "id": "gu",
            "geojson": gu_outline(),
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
        attribution=credit_line(source, level),
        tile_url=os.environ.get(TILE_URL_ENV) or None,
    )
    return MapPage(page, title, "webgl", features, source.located.report)


def use_webgl(renderer: str, size: int, threshold: int) -> bool:
    if renderer not in ("auto", "leaflet", "webgl"):
        raise MapError(f"renderer는 auto, leaflet, webgl 중 하나입니다: {renderer!r}")
    return renderer == "webgl" or (renderer == "auto" and size > threshold)


def bounds_points(areas) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = areas.total_bounds
    return np.array([west, east]), np.array([south, north])


def flat(lon: np.ndarray, lat: np.ndarray) -> list[float]:
    return np.round(np.c_[lon, lat].reshape(-1), 6).tolist()


def palette():
    from seoul_data.maps.classes import PALETTE

    return PALETTE


def ramp_legend(low: str, high: str) -> str:
    stops = ", ".join("rgb({},{},{})".format(*c) for c in palette())
    return (
        f'<div style="width:140px;height:10px;background:linear-gradient(90deg,{stops})"></div>'
        f'<div style="display:flex;justify-content:space-between;width:140px">'
        f"<span>{low}</span><span>{high}</span></div>"
    )


def value_text(value: float, unit: str) -> str:
    return html.escape(with_unit(value, unit, missing="자료 없음"))


def tip(name, label: str, value: float, unit: str) -> str:
    """An area's or a point's tooltip (HTML): its name, what is shown and the value."""
    return f"<b>{html.escape(str(name))}</b><br>{html.escape(label)}: {value_text(value, unit)}"


def player(time: str) -> str:
    """The slider and play button of an animated map (static/leaflet-animation.js)."""
    return (
        '<div class="sd-player" style="position:absolute;top:44px;left:50%;'
        "transform:translateX(-50%);z-index:1000;background:rgba(255,255,255,.92);"
        'padding:4px 10px;border-radius:4px;font-size:13px;box-shadow:0 1px 4px rgba(0,0,0,.2)">'
        '<button id="sd-play" type="button" aria-label="재생">▶ 재생</button> '
        f'<label>{html.escape(time)} <input id="sd-step" type="range" min="0" value="0"></label> '
        '<b id="sd-step-label"></b></div>'
    )
