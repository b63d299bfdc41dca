"""The GIS chart gallery's logic (dashboards/gis_gallery.ipynb): which datasets can be mapped,
what their place and value columns are, the ready-made examples, and one ``draw`` for all."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from seoul_data.maps import charts
from seoul_data.maps.places import MapError, PlaceColumns, candidates, value_columns

COUNT = "(행 수 세기)"
LEVEL_CHOICES = {"자동": None, "자치구": "gu", "행정동": "dong"}


@dataclass(frozen=True)
class Example:
    """A ready-made map from the real data."""

    label: str
    dataset: str
    chart: str
    options: dict = field(default_factory=dict)
    latest_year: bool = False  # keep the last year of a yearly table
    compare: tuple[str, str] | None = None  # two value columns, side by side


EXAMPLES = (
    Example("동별 공공도서관 수", "facilities.public_libraries", "choropleth", {"level": "dong"}),
    Example("자치구별 사회복지시설 수", "facilities.social_welfare", "choropleth", {"level": "gu"}),
    Example(
        "동별 무더위쉼터 수용 인원",
        "safety.heat_shelters_2023",
        "choropleth",
        {"level": "dong", "value": "capacity", "unit": "명"},
    ),
    Example("안심이 CCTV 8만 대 밀도", "safety.ansimi_cctv", "density", {"value": "cameras"}),
    Example("공중화장실 점 묶음", "facilities.public_toilets", "clusters"),
    Example(
        "공영주차장 주차면수",
        "transport.public_parking",
        "symbols",
        {"value": "capacity", "unit": "면"},
    ),
    Example(
        "CCTV 육각형 집계 (500m)",
        "safety.ansimi_cctv",
        "hexbin",
        {"value": "cameras", "unit": "대"},
    ),
    Example(
        "동별 인구밀도 (최근 연도)",
        "population.dong_households_density",
        "choropleth",
        {"level": "dong", "value": "density", "agg": "mean", "unit": "명/km²"},
        latest_year=True,
    ),
    Example(
        "동별 인구밀도 연도별 변화",
        "population.dong_households_density",
        "animate",
        {"level": "dong", "value": "density", "agg": "mean", "time": "year", "unit": "명/km²"},
    ),
    Example(
        "자치구 CCTV: 2014년 · 2016년 설치",
        "misc.gu_cctv_2016",
        "choropleth",
        {"level": "gu", "unit": "대"},
        compare=("installed_2014", "installed_2016"),
    ),
)


#: Schema roles that place a row (places.py reads them first).
PLACE_ROLES = {"lat", "lon", "gu", "gu_code", "dong", "dong_code"}


def mappable() -> list[tuple[str, str]]:
    """(title, id) of every loadable dataset whose columns place its rows (coordinates, a
    gu or a dong, by schema role or an address column), by title. Boundaries and the
    living-population series (their own dashboard) are left out."""
    from seoul_data.load import catalog, describe

    found = []
    for dataset_id in catalog(loadable=True)["id"]:
        if dataset_id.startswith(("boundaries.", "living.")):
            continue
        meta = describe(dataset_id)
        roles = {c.get("role") for c in meta["schema"]}
        names = pd.DataFrame(columns=[c["name"] for c in meta["schema"]])
        if roles & PLACE_ROLES or any(p.kind == "address" for p in candidates(names)):
            found.append((meta["title"], dataset_id))
    return sorted(found)


def columns(dataset_id: str) -> tuple[pd.DataFrame, list[PlaceColumns], list[str]]:
    """The dataset, the ways its rows are placed (best first) and its value columns (the
    declared measures first)."""
    from seoul_data.load import describe, load

    frame = load(dataset_id)
    schema = describe(dataset_id)["schema"]
    places = candidates(frame, schema)
    if not places:
        raise MapError(
            "이 자료에서는 위치를 나타내는 열(위도·경도, 자치구, 행정동, 주소)을 찾지 못했습니다."
        )
    # the measures the schema declares first, then other numbers (a year, a count column)
    measured = {c["name"] for c in schema if c.get("measure")}
    values = sorted(value_columns(frame, places[0]), key=lambda column: column not in measured)
    return frame, places, values


def value_options(dataset_id: str, values: list[str]) -> list[tuple[str, str]]:
    """The value menu: counting rows, then each value column by its Korean title (the
    column's name beside it: '재정자립도 (fiscal_independence)')."""
    from seoul_data.load import column_options

    return [(COUNT, COUNT), *column_options(dataset_id, values)]


def default_value(place: PlaceColumns, values: list[str]) -> str:
    """What the value menu starts on: where each row is an area (a table by gu or dong), its
    first measure (counting rows would give every area the same one); where each row is a
    thing at a place (a library, a camera), the rows counted."""
    return values[0] if place.kind in ("gu", "dong") and values else COUNT


def draw(
    dataset_id: str,
    chart: str,
    *,
    place: PlaceColumns | None = None,
    value: str | None = None,
    level: str | None = None,
    **options,
) -> charts.MapPage:
    """One map of a dataset, as the gallery's menus describe it."""
    if chart not in charts.CHART_TYPES and chart != "animate":
        raise MapError(f"지도 종류를 고르세요: {', '.join(charts.CHART_TYPES.values())}")
    value = None if value in (None, "", COUNT) else value
    draw_chart = getattr(charts, chart)
    if chart in ("clusters",):
        return draw_chart(dataset_id, place=place)
    if chart in ("density",):
        return draw_chart(dataset_id, value, place=place)
    if chart == "hexbin":
        return draw_chart(dataset_id, value, place=place, **options)
    return draw_chart(dataset_id, value, place=place, level=level, **options)


def example(label: str) -> charts.MapPage:
    """A ready-made map by its label."""
    from seoul_data.load import describe, load

    found = next((e for e in EXAMPLES if e.label == label), None)
    if found is None:
        raise MapError(f"없는 예시입니다: {label!r}")
    meta = describe(found.dataset)
    options = dict(found.options)
    if found.compare:
        return charts.compare_columns(found.dataset, *found.compare, title=found.label, **options)
    if found.latest_year:
        frame = load(found.dataset)
        frame = frame[frame["year"] == frame["year"].max()]
        chart = getattr(charts, found.chart)
        year = int(frame["year"].iloc[0])
        options["title"] = f"{found.label.replace('최근 연도', f'{year}년')}"
        value = options.pop("value", None)
        place = candidates(frame, meta["schema"])[0]
        return chart(frame, value, place=place, attribution=meta["attribution"], **options)
    if found.chart == "animate":
        time = options.pop("time")
        value = options.pop("value", None)
        return charts.animate(found.dataset, time, value, **options)
    return draw(found.dataset, found.chart, **options)
