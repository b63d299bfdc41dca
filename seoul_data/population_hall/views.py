"""What the 서울 인구관 dashboard shows, as plain data: the menus, indicator cards, map
values by year, rankings, two-district comparisons and the downloadable table (drawn by
``page``).

An indicator can hold several kinds of period in one year (year end '2020-12', a quarter
'2021-Q2', a calendar year '2020'); the hall shows one per year: the calendar year or the
year end when there is one, else the latest period of that year.
"""

from __future__ import annotations

import functools

import pandas as pd

from seoul_data.population_hall.model import AREAS, IndicatorNotSupported
from seoul_data.population_hall.registry import definitions, get, indicator
from seoul_data.prepared import prepared

#: The map levels the hall offers, and their Korean names.
MAP_LEVELS = {"gu": "자치구", "dong": "행정동"}


def main_periods(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of one period per year and level: the calendar year or year end, else the
    latest period of that year."""
    if frame.empty:
        return frame
    periods = frame[["level", "year", "period"]].drop_duplicates()
    periods = periods.assign(
        rank=[
            0 if p in (str(y), f"{y}-12") else 1
            for y, p in zip(periods.year, periods.period, strict=True)
        ]
    )
    chosen = periods.sort_values(["rank", "period"], ascending=[True, False])
    chosen = chosen.drop_duplicates(["level", "year"])
    keep = set(zip(chosen.level, chosen.year, chosen.period, strict=True))
    mask = [key in keep for key in zip(frame.level, frame.year, frame.period, strict=True)]
    return frame[mask].reset_index(drop=True)


@functools.lru_cache(maxsize=256)
@prepared
def _values(indicator_id: str) -> pd.DataFrame:
    return main_periods(indicator(indicator_id))


def values(indicator_id: str, level: str | None = None, gu: str | None = None) -> pd.DataFrame:
    """The indicator's values (one period per year) at a level, optionally in one gu."""
    frame = _values(indicator_id)
    if level:
        frame = frame[frame.level == level]
    if gu:
        frame = frame[frame.gu == gu]
    return frame.reset_index(drop=True)


def levels(indicator_id: str) -> list[str]:
    """Map levels (gu, dong) with values for this indicator."""
    definition = get(indicator_id)
    if not definition.supported:
        return []
    present = set(_values(indicator_id).level)
    return [level for level in MAP_LEVELS if level in present]


def years(indicator_id: str, level: str) -> list[int]:
    """The years with values at a level, oldest first."""
    return sorted(int(y) for y in values(indicator_id, level).year.unique())


def default_year(indicator_id: str, level: str) -> int:
    """The year a map opens at: the latest year in which the most areas of the level have a
    value. A newest year that lacks some areas (강동구 missing from one release) would open
    the hall on a grey district; the slider still reaches it."""
    rows = values(indicator_id, level).dropna(subset=["value"])
    areas = rows.groupby("year").area_name.nunique()
    return int(max(areas.index[areas == areas.max()]))


def indicators_of(area: str) -> list[dict]:
    """The indicators of one hall (area): id, name, unit, supported, missing."""
    if area not in AREAS:
        raise ValueError(f"알 수 없는 전시관입니다: {area!r} (가능: {', '.join(AREAS)})")
    return [
        {"id": d.id, "name": d.name, "unit": d.unit, "supported": d.supported, "missing": d.missing}
        for d in definitions()
        if d.area == area
    ]


def card(indicator_id: str) -> dict:
    """One indicator card: the latest city value with its year and source, the change from
    the year before, the city series, the definition; or what data is missing."""
    d = get(indicator_id)
    base = {
        "id": d.id,
        "name": d.name,
        "unit": d.unit,
        "definition": d.definition,
        "note": d.note,
        "supported": d.supported,
        "missing": d.missing,
    }
    if not d.supported:
        return {**base, "value": None, "series": []}
    try:
        city = values(indicator_id, "city")
    except IndicatorNotSupported as e:
        return {**base, "supported": False, "missing": str(e), "value": None, "series": []}
    if city.empty:
        # no city total (e.g. dong-only measures): the latest year's gu median stands in
        gu = values(indicator_id, "gu")
        if gu.empty:
            return {**base, "value": None, "series": []}
        city = gu.groupby(["year", "period"], as_index=False).agg(
            value=("value", "median"), source=("source", "first")
        )
        base["note"] = ("자치구 중앙값 (서울시 합계가 없는 지표). " + base["note"]).strip()
    city = city.dropna(subset=["value"]).sort_values("year")
    if city.empty:
        return {**base, "value": None, "series": []}
    last = city.iloc[-1]
    before = city.iloc[-2] if len(city) > 1 else None
    return {
        **base,
        "value": float(last.value),
        "year": int(last.year),
        "period": str(last.period),
        "source": str(last.source),
        "change": None if before is None else float(last.value - before.value),
        "change_from": None if before is None else str(before.period),
        "series": [{"period": str(r.period), "value": float(r.value)} for r in city.itertuples()],
    }


def map_frame(indicator_id: str, year: int, level: str = "gu"):
    """A GeoDataFrame of every area of the level (boundary order) with the indicator's
    value for the year (NaN where it has none), its period and source."""
    from seoul_data.geo import boundaries

    shapes = boundaries(level)
    rows = values(indicator_id, level)
    rows = rows[rows.year == year]
    if level == "gu":
        keys = shapes["name_ko"]
        by_key = rows.set_index("area_name")
    else:
        keys = shapes["gu_name_ko"] + " " + shapes["name_ko"]
        by_key = rows.assign(key=rows.gu + " " + rows.area_name).set_index("key")
    by_key = by_key[~by_key.index.duplicated()]
    frame = shapes.assign(
        place=shapes["name_ko"],
        gu=shapes["name_ko"] if level == "gu" else shapes["gu_name_ko"],
        value=keys.map(by_key["value"]).astype(float).to_numpy(),
        period=keys.map(by_key["period"]).to_numpy(),
        source=keys.map(by_key["source"]).to_numpy(),
    )
    return frame[["place", "gu", "value", "period", "source", "geometry"]]


def ranking(indicator_id: str, year: int, level: str = "gu", top: int = 25) -> pd.DataFrame:
    """Areas by value, highest first (areas without a value left out)."""
    frame = values(indicator_id, level)
    frame = frame[(frame.year == year)].dropna(subset=["value"])
    return frame.sort_values("value", ascending=False).head(top).reset_index(drop=True)


def compare(indicator_id: str, first: str, second: str) -> pd.DataFrame:
    """The two gu's values side by side, one row per year."""
    frame = values(indicator_id, "gu")
    table = frame[frame.area_name.isin([first, second])].pivot_table(
        index="year", columns="area_name", values="value"
    )
    return table.reindex(columns=[first, second])


def table(indicator_id: str) -> pd.DataFrame:
    """The indicator's whole table with Korean column names (for download)."""
    d = get(indicator_id)
    frame = indicator(indicator_id)
    level_names = {"city": "서울시", **MAP_LEVELS}
    return pd.DataFrame(
        {
            "지표": d.name,
            "지역": frame.area_name,
            "단위지역": frame.level.map(level_names),
            "자치구": frame.gu,
            "연도": frame.year,
            "기간": frame.period,
            "값": frame.value,
            "단위": frame.unit,
            "출처": frame.source,
        }
    )


def supported(area: str) -> list[tuple[str, str]]:
    """(name, id) of the hall's indicators that have data: the indicator menu."""
    return [(i["name"], i["id"]) for i in indicators_of(area) if i["supported"]]


def level_options(indicator_levels: list[str]) -> list[tuple[str, str]]:
    """(Korean name, level) of the levels: the level buttons."""
    return [(MAP_LEVELS[level], level) for level in indicator_levels]


@prepared
def gu_names() -> list[str]:
    """The 25 gu in the maps' order: the comparison menus."""
    from seoul_data.geo import boundaries

    return list(boundaries("gu")["name_ko"])
