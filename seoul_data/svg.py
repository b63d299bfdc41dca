"""Small inline SVG pictures for previews: a map thumbnail of a dataset and a chart of a
series. Plain SVG text, no JavaScript and no assets, so they work in the REST API, in HTML
widgets and air-gapped browsers alike.

    >>> svg.map_thumbnail("facilities.public_toilets")   # points over the 25 gu
    >>> svg.series_chart([{"period": "2019", "value": 1.2}, ...], unit="명")
"""

from __future__ import annotations

import html
import math

import numpy as np

#: Seoul's extent (lon/lat) with a margin; everything is drawn in this frame.
WEST, EAST, SOUTH, NORTH = 126.76, 127.19, 37.42, 37.71
#: Points drawn at most (a sample beyond that: a thumbnail shows where, not how many).
MAX_POINTS = 3000
OUTLINE = "#9aa6b8"
FILL = "#1f5fa8"


def _xy(lon, lat, width: float, height: float) -> tuple[np.ndarray, np.ndarray]:
    x = (np.asarray(lon, dtype=float) - WEST) / (EAST - WEST) * width
    y = (NORTH - np.asarray(lat, dtype=float)) / (NORTH - SOUTH) * height
    return x, y


def _height(width: int) -> int:
    # equirectangular with the latitude's cosine: Seoul is wider than tall
    ratio = (NORTH - SOUTH) / ((EAST - WEST) * math.cos(math.radians((NORTH + SOUTH) / 2)))
    return round(width * ratio)


def _path(geometry, width: float, height: float) -> str:
    """SVG path data of a (multi)polygon's exterior rings."""
    polygons = getattr(geometry, "geoms", [geometry])
    parts = []
    for polygon in polygons:
        ring = getattr(polygon, "exterior", None)
        if ring is None:
            continue
        lon, lat = np.asarray(ring.coords).T[:2]
        x, y = _xy(lon, lat, width, height)
        parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True)) + "Z")
    return "".join(parts)


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(label)}">'
        f"<title>{html.escape(label)}</title>{body}</svg>"
    )


def _outline(width: int, height: int, highlighted: frozenset[str] = frozenset()) -> str:
    from seoul_data.geo import boundaries

    shapes = []
    for name, geometry in zip(*[boundaries("gu")[c] for c in ("name_ko", "geometry")], strict=True):
        fill = FILL if name in highlighted else "#f3f5f8"
        opacity = ' fill-opacity="0.55"' if name in highlighted else ""
        shapes.append(
            f'<path d="{_path(geometry.simplify(0.002), width, height)}" fill="{fill}"{opacity} '
            f'stroke="{OUTLINE}" stroke-width="0.6"/>'
        )
    return "".join(shapes)


def map_thumbnail(dataset_id: str, width: int = 200) -> str | None:
    """A thumbnail map of a dataset: its shapes, its points over the gu outline, or the gu
    its rows name; None for a dataset without a place or one that cannot be read."""
    from seoul_data.load import describe, load

    info = describe(dataset_id)
    if not info["loadable"]:
        return None
    roles = {f["role"]: f["name"] for f in info["schema"] if f.get("role")}
    geometry = any(f["type"] == "geometry" for f in info["schema"])
    height = _height(width)
    label = f"{info['title']} 지도 미리보기"
    if geometry:
        frame = load(dataset_id)
        shapes = frame.geometry.to_crs(4326) if frame.crs else frame.geometry
        paths = "".join(
            f'<path d="{_path(g.simplify(0.0005), width, height)}" fill="{FILL}" '
            f'fill-opacity="0.25" stroke="{FILL}" stroke-width="0.5"/>'
            for g in shapes
            if g is not None
        )
        return _svg(width, height, paths, label)
    if "lon" in roles and "lat" in roles:
        frame = load(dataset_id, columns=[roles["lon"], roles["lat"]])
        lon = np.asarray(frame[roles["lon"]], dtype=float)
        lat = np.asarray(frame[roles["lat"]], dtype=float)
        inside = (lon > WEST) & (lon < EAST) & (lat > SOUTH) & (lat < NORTH)
        lon, lat = lon[inside], lat[inside]
        if len(lon) > MAX_POINTS:
            keep = np.random.default_rng(0).choice(len(lon), MAX_POINTS, replace=False)
            lon, lat = lon[keep], lat[keep]
        x, y = _xy(lon, lat, width, height)
        dots = "".join(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="1"/>' for a, b in zip(x, y, strict=True)
        )
        body = _outline(width, height) + f'<g fill="{FILL}" fill-opacity="0.6">{dots}</g>'
        return _svg(width, height, body, label)
    if "gu" in roles:
        from seoul_data.geo import find_gu

        names = load(dataset_id, columns=[roles["gu"]])[roles["gu"]].dropna().unique()
        found = frozenset(g for g in map(find_gu, map(str, names)) if g)
        return _svg(width, height, _outline(width, height, found), label) if found else None
    return None


def series_chart(series: list[dict], unit: str = "", width: int = 320, height: int = 120) -> str:
    """A line chart of ``[{"period": ..., "value": ...}, ...]`` with the first and last
    periods and the lowest and highest values labelled."""
    points = [(str(p["period"]), float(p["value"])) for p in series if p.get("value") is not None]
    if len(points) < 2:
        raise ValueError("그래프를 그리려면 두 기간 이상의 값이 필요합니다.")
    values = np.array([v for _, v in points])
    low, high = float(values.min()), float(values.max())
    span = (high - low) or abs(high) or 1.0
    left, right, top, bottom = 8, 8, 14, 18
    x = left + np.arange(len(points)) / (len(points) - 1) * (width - left - right)
    y = top + (high - values) / span * (height - top - bottom)
    line = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
    body = (
        f'<polyline points="{line}" fill="none" stroke="{FILL}" stroke-width="2"/>'
        + "".join(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{FILL}"/>'
            for a, b in zip(x, y, strict=True)
        )
        + _text(left, height - 4, points[0][0], "start")
        + _text(width - right, height - 4, points[-1][0], "end")
        + _text(width - right, 10, f"최고 {_number(high)}{unit}", "end")
    )
    label = f"{points[0][0]}–{points[-1][0]} 추이 ({_number(low)}–{_number(high)}{unit})"
    return _svg(width, height, body, label)


def _text(x: float, y: float, text: str, anchor: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="10" fill="#3a4658" '
        f'text-anchor="{anchor}">{html.escape(text)}</text>'
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"
