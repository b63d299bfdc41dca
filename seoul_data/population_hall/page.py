"""The 서울 인구관 page (dashboards/population_hall.ipynb), drawn from ``views``: the cards
as HTML, the 3D map's layers and the 2D map, the ranking and comparison charts, the download
links, and the two helpers its wiring uses. The notebook builds the widgets and calls these;
tests call them directly.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pandas as pd

from seoul_data import svg
from seoul_data.display import csv_bytes, download_link, esc, image, number, png, with_unit
from seoul_data.maps import Classes, classify, iframe
from seoul_data.population_hall.registry import get
from seoul_data.population_hall.views import (
    MAP_LEVELS,
    card,
    compare,
    indicators_of,
    map_frame,
    ranking,
    table,
)
from seoul_data.prepared import prepared

#: The tallest area is drawn this many metres high (deck.gl elevation), whatever the unit.
TALLEST = 10000
#: Said instead of the map when an indicator has a city value only.
CITY_ONLY = (
    "이 지표는 서울시 전체 값만 있어 지도와 순위가 없습니다. 위 카드에서 값과 추이를 보세요."
)
#: Said for an area or a year without a value.
NO_VALUE = "자료 없음"
#: Korean text in the charts (the font ships in every image); NanumGothic has no U+2212 minus.
CHART_STYLE = {"font.family": ["NanumGothic"], "axes.unicode_minus": False}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The page's classes: cards, values, legend (with seoul_data.display.STYLE for the panels).
STYLE = """<style>
.sd-app { font-family: "NanumGothic", "Nanum Gothic", "Noto Sans KR", sans-serif; }
.sd-title { font-size: 1.7em; font-weight: bold; }
.sd-sub, .sd-count { color: #555; margin: 4px 0 8px; }
.sd-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
.sd-card { border: 1px solid #dde2ea; border-radius: 6px; padding: 8px 10px; background: #fff; }
.sd-chosen { border: 2px solid #1f5fa8; }
.sd-card-name { font-weight: bold; }
.sd-value { font-size: 1.4em; font-weight: bold; color: #1f5fa8; }
.sd-period, .sd-src, .sd-def { font-size: .85em; color: #3a4658; }
.sd-missing { font-size: .85em; color: #8a6d3b; }
.sd-change { margin-left: 6px; }
.sd-legend { font-size: .85em; line-height: 1.6; }
.sd-download { display: inline-block; margin-right: 12px; }
</style>"""


def card_html(card: dict, chosen: bool = False) -> str:
    """One indicator card: latest value, period, change, trend, definition and source (or
    what data is missing)."""
    head = (
        f'<div class="sd-card{" sd-chosen" if chosen else ""}" data-id="{esc(card["id"])}">'
        f'<div class="sd-card-name">{esc(card["name"])}</div>'
    )
    if card["value"] is None:
        missing = card["missing"] or "표시할 값이 없습니다."
        return head + f'<div class="sd-missing">{NO_VALUE} — {esc(missing)}</div></div>'
    trend = ""
    if len(card["series"]) >= 2:
        trend = svg.series_chart(card["series"], unit="", width=240, height=70)
    return (
        head
        + f'<div class="sd-value">{esc(with_unit(card["value"], card["unit"]))}</div>'
        + f'<div class="sd-period">{esc(card["period"])} · 서울시 {_change_html(card)}</div>'
        + trend
        + f'<div class="sd-def">{esc(card["definition"])}</div>'
        + f'<div class="sd-src">출처: {esc(card["source"])}</div></div>'
    )


def _change_html(card: dict) -> str:
    change = card.get("change")
    if change is None:
        return ""
    arrow = "▲" if change > 0 else "▼" if change < 0 else "―"
    return (
        f'<span class="sd-change">{arrow} {esc(with_unit(abs(change), card["unit"]))}'
        f" ({esc(card['change_from'])} 대비)</span>"
    )


@prepared
def cards_html(area: str, chosen: str | None = None) -> str:
    """Every card of a hall (``chosen``: the indicator marked), and how many have data."""
    cards = [card(i["id"]) for i in indicators_of(area)]
    shown = sum(c["value"] is not None for c in cards)
    return (
        f'<div class="sd-count">{esc(area)}: 지표 {len(cards)}개 중 {shown}개는 실제 자료로 '
        f"계산했고, 나머지는 필요한 자료가 없어 표시하지 않습니다.</div>"
        f'<div class="sd-cards">{"".join(card_html(c, c["id"] == chosen) for c in cards)}</div>'
    )


@dataclass(frozen=True)
class MapLayers:
    """Every area of a level with one year's values, ready to draw: the map's per-area
    lists (in ``frame``'s order), the legend and the classes behind the colours."""

    indicator_id: str
    year: int
    level: str
    frame: Any  # map_frame's GeoDataFrame
    elevation: list[float]
    fill: list[tuple[int, int, int]]
    tooltips: list[str]
    legend: str
    classes: Classes


@prepared
def map_layers(indicator_id: str, year: int, level: str) -> MapLayers:
    """The areas of a level with the indicator's values for one year: heights, colours,
    tooltips (value, period, source) and the legend."""
    d = get(indicator_id)
    frame = map_frame(indicator_id, year, level)
    classes = classify(frame["value"])
    top = frame["value"].max()
    scale = TALLEST / top if top and top > 0 else 0
    tooltips = [
        _tooltip(row, d.name, d.unit, year, level)
        for row in frame.drop(columns="geometry").itertuples()
    ]
    return MapLayers(
        indicator_id=indicator_id,
        year=year,
        level=level,
        frame=frame,
        elevation=[0 if v != v or v < 0 else v * scale for v in frame["value"]],
        fill=[classes.rgb(i) for i in classes.index],
        tooltips=tooltips,
        legend=classes.legend_html(d.unit, f"{d.name} ({year}년, {MAP_LEVELS[level]})")
        + _without_values(frame, year, level),
        classes=classes,
    )


def _without_values(frame, year: int, level: str) -> str:
    """A line under the legend naming the areas the year has no value for (grey)."""
    missing = frame.loc[frame["value"].isna(), "place"].tolist()
    if not missing or len(missing) == len(frame):
        return ""
    names = ", ".join(missing[:3]) + (f" 외 {len(missing) - 3}곳" if len(missing) > 3 else "")
    return f'<div class="sd-missing">{year}년 {MAP_LEVELS[level]} 값이 없는 곳: {esc(names)}</div>'


def _tooltip(row, name: str, unit: str, year: int, level: str) -> str:
    where = "" if level == "gu" else f" ({esc(row.gu)})"
    value = with_unit(row.value, unit, missing=NO_VALUE)
    when = f"{esc(row.period)} · {esc(row.source)}" if pd.notna(row.period) else f"{year}년"
    return f"<b>{esc(row.place)}</b>{where}<br>{esc(name)}: {esc(value)}<br><small>{when}</small>"


@prepared
def flat_view(indicator_id: str, year: int, level: str) -> str:
    """The 2D map of one indicator, year and level (the 2D tab)."""
    return flat_map(map_layers(indicator_id, year, level))


def flat_map(layers: MapLayers) -> str:
    """The same values as a 2D Leaflet choropleth in an iframe (Leaflet inlined; no tiles)."""
    import folium

    m = folium.Map(
        location=[37.5565, 126.99],
        zoom_start=11,
        tiles=None,
        control_scale=True,
        attribution_control=False,
    )
    shapes = layers.frame.assign(
        colour=[layers.classes.hex(i) for i in layers.classes.index],
        shown=[number(v, missing=NO_VALUE) for v in layers.frame["value"]],
    )
    style = {"color": "#555", "weight": 0.6, "fillOpacity": 0.85}
    title = f"{get(layers.indicator_id).name} ({layers.year}년)"
    folium.GeoJson(
        shapes[["place", "gu", "shown", "colour", "geometry"]].to_json(),
        style_function=lambda f: {**style, "fillColor": f["properties"]["colour"]},
        tooltip=folium.GeoJsonTooltip(["place", "shown"], aliases=["지역", title]),
    ).add_to(m)
    return iframe(m, height=460)


def show_map(box, layers: MapLayers, height: int = 540) -> None:
    """Draw ``layers`` in ``box`` (an ipywidgets Box), on the 3D map there where it can."""
    from seoul_data.maps import deck3d

    deck3d.show(
        box,
        layers.frame,
        level=layers.level,
        elevation=layers.elevation,
        fill=layers.fill,
        tooltips=layers.tooltips,
        height=height,
    )


def ranking_png(indicator_id: str, year: int, level: str) -> bytes:
    """The areas by value as a bar chart: every gu, or the top 20 dongs."""
    import matplotlib
    from matplotlib.figure import Figure

    d = get(indicator_id)
    top = ranking(indicator_id, year, level, top=25 if level == "gu" else 20)
    with matplotlib.rc_context(CHART_STYLE):
        fig = Figure(figsize=(7, 0.28 * max(len(top), 4) + 1))
        ax = fig.subplots()
        ax.barh(top.area_name[::-1], top.value[::-1], color="#1f5fa8")
        ax.set_xlabel(f"{d.name} ({d.unit})")
        ax.set_title(
            f"{d.name} 순위 — {year}년 {MAP_LEVELS[level]}{'' if level == 'gu' else ' (상위 20)'}"
        )
        source = top.source.iloc[0] if len(top) else ""
        ax.text(
            1,
            -0.08,
            f"출처: {source}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#555",
        )
        return png(fig, dpi=110)


def compare_png(indicator_id: str, first: str, second: str) -> bytes:
    """Two gu's values over the years as two lines."""
    import matplotlib
    from matplotlib.figure import Figure

    d = get(indicator_id)
    table = compare(indicator_id, first, second)
    with matplotlib.rc_context(CHART_STYLE):
        fig = Figure(figsize=(7, 3.4))
        ax = fig.subplots()
        for name, colour in ((first, "#1f5fa8"), (second, "#d9534f")):
            if name in table:
                ax.plot(table.index, table[name], marker="o", color=colour, label=name)
        ax.set_title(f"{d.name}: {first} · {second}")
        ax.set_ylabel(d.unit)
        ax.legend()
        ax.grid(alpha=0.3)
        return png(fig, dpi=110)


@prepared
def ranking_image(indicator_id: str, year: int, level: str) -> str:
    """The ranking chart as an inline image."""
    name = get(indicator_id).name
    return image(ranking_png(indicator_id, year, level), f"{name} 순위")


@prepared
def compare_image(indicator_id: str, first: str, second: str) -> str:
    """The two-gu comparison as an inline image."""
    return image(compare_png(indicator_id, first, second), "자치구 비교")


def downloads(indicator_id: str, year: int, level: str) -> dict[str, bytes]:
    """The files offered for download: the indicator table (CSV, XLSX) and the ranking chart."""
    frame = table(indicator_id)
    excel = io.BytesIO()
    frame.to_excel(excel, index=False, sheet_name="지표")
    return {
        f"{indicator_id}.csv": csv_bytes(frame),
        f"{indicator_id}.xlsx": excel.getvalue(),
        f"{indicator_id}_{year}_{level}.png": ranking_png(indicator_id, year, level),
    }


@prepared
def download_links(indicator_id: str, year: int, level: str) -> str:
    """The download links of :func:`downloads`, one a line."""
    labels = [
        ("text/csv", "지표 표 (CSV)"),
        (XLSX, "지표 표 (XLSX)"),
        ("image/png", "순위 그래프 (PNG)"),
    ]
    files = downloads(indicator_id, year, level).items()
    return "<br>".join(
        download_link(data, name, label, mime)
        for (name, data), (mime, label) in zip(files, labels, strict=True)
    )


# -- wiring --------------------------------------------------------------------------------


def set_range(widget, low: int, high: int, value: int | None = None) -> None:
    """Move a slider's range (widening first: min may never pass max) and go to ``value``
    (the end when none is given)."""
    widget.max = max(widget.max, high)
    widget.min = min(widget.min, low)
    widget.min, widget.max = low, high
    widget.value = high if value is None else value
