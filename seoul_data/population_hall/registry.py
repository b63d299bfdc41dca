"""The indicators of the 서울 인구관: list them, describe them, compute their values."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd

from seoul_data.population_hall.areas import (
    births_deaths,
    foreigners,
    households,
    marriage,
    migration,
    population_change,
)
from seoul_data.population_hall.model import (
    AREAS,
    KEY_COLUMNS,
    LEVEL_NAMES,
    LEVELS,
    Computation,
    Indicator,
    IndicatorNotSupported,
    Level,
)

VALUE_COLUMNS = ["area_name", "level", "gu", "year", "period", "value", "unit", "source"]
_LEVEL_ALIASES = {"서울시": "city", "자치구": "gu", "행정동": "dong"}
_AREA_MODULES = (households, marriage, births_deaths, population_change, migration, foreigners)


@cache
def _registry() -> dict[str, Indicator]:
    found = [indicator for module in _AREA_MODULES for indicator in module.INDICATORS]
    by_id = {i.id: i for i in found}
    if len(by_id) != len(found):
        raise ValueError("indicator ids declared twice")
    return dict(sorted(by_id.items(), key=lambda item: AREAS.index(item[1].area)))


def definitions() -> list[Indicator]:
    """Every indicator, area by area in the order of :data:`AREAS`."""
    return list(_registry().values())


def indicators(area: str | None = None) -> pd.DataFrame:
    """One row per indicator (of one area, or all): id, name, area, unit, level, years,
    datasets, supported, missing, then definition, formula and note."""
    if area is not None and area not in AREAS:
        raise ValueError(f"알 수 없는 영역입니다: {area!r}. 영역: {', '.join(AREAS)}")
    rows = [
        {
            "id": d.id,
            "name": d.name,
            "area": d.area,
            "unit": d.unit,
            "level": d.levels,
            "years": d.years,
            "datasets": d.datasets,
            "supported": d.supported,
            "missing": d.missing,
            "definition": d.definition,
            "formula": d.formula,
            "note": d.note,
        }
        for d in definitions()
        if area is None or d.area == area
    ]
    return pd.DataFrame(rows)


def get(indicator_id: str) -> Indicator:
    """The definition of one indicator; ValueError naming close ids when there is none."""
    registry = _registry()
    if indicator_id in registry:
        return registry[indicator_id]
    by_name = {d.name: d.id for d in registry.values()}
    close = difflib.get_close_matches(str(indicator_id), list(registry), n=5, cutoff=0.8)
    close += [by_name[n] for n in difflib.get_close_matches(str(indicator_id), list(by_name), n=3)]
    hint = ", ".join(f"{i} ({registry[i].name})" for i in dict.fromkeys(close))
    raise ValueError(
        f"알 수 없는 지표입니다: {indicator_id!r}. "
        + (f"비슷한 지표: {hint}" if hint else "지표 목록은 indicators()로 볼 수 있습니다.")
    )


def indicator(
    indicator_id: str,
    gu: str | None = None,
    year: int | Iterable[int] | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """The values of one indicator: one row per area and period.

    Columns: area_name (서울특별시, the gu or the dong), level ('city' | 'gu' | 'dong'),
    gu, year, period (what the year means: '2020-12' year end, '2021-08' August,
    '2020' calendar year, '2017-Q1', '2024-01'), value, unit, source (publisher and
    dataset id).

    gu: a gu name ('강남구', '강남'): that gu and its dongs. year: one year or several.
    level: 'city', 'gu' or 'dong' (or 서울시/자치구/행정동); all levels when None.
    Raises IndicatorNotSupported, in Korean with the missing data, when the indicator (or
    the level asked for) has no real data behind it.
    """
    definition = get(indicator_id)
    if not definition.supported:
        raise IndicatorNotSupported(
            f"'{definition.name}' ({definition.id}) 지표는 계산할 수 없습니다. "
            f"필요한 자료가 없습니다 — {definition.missing}"
        )
    levels = _levels_asked(definition, level, gu)
    years = _years_asked(definition, year)
    gu_name = _gu_name(gu) if gu is not None else None
    frames = [
        _values(computation, levels, gu_name, years)
        for computation in definition.computations
        if set(computation.levels) & set(levels)
    ]
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    result = pd.concat(frames, ignore_index=True)
    sources = {ids: _source(ids.split(", ")) for ids in result["datasets"].unique()}
    result = result.assign(unit=definition.unit, source=result["datasets"].map(sources))
    result["gu"] = result["gu"].astype(object).where(result["level"] != "city", None)
    order = result["level"].map(LEVELS.index)
    result = result.assign(_order=order).sort_values(["_order", "gu", "area_name", "period"])
    return result[VALUE_COLUMNS].reset_index(drop=True)


def _values(
    computation: Computation, levels: list[Level], gu: str | None, years: list[int] | None
) -> pd.DataFrame:
    """The finite values of one computation at the levels, gu and years asked for."""
    table = computation.table.build()
    rows = table[[*KEY_COLUMNS, "datasets"]].assign(value=computation.formula(table).astype(float))
    keep = rows["level"].isin([lv for lv in computation.levels if lv in levels])
    keep &= np.isfinite(rows["value"])
    if gu is not None:
        keep &= rows["gu"] == gu
    if years is not None:
        keep &= rows["year"].isin(years)
    return rows[keep]


def _levels_asked(definition: Indicator, level: str | None, gu: str | None) -> list[Level]:
    if level is None:
        if gu is None:
            return list(definition.levels)
        within_gu = [lv for lv in definition.levels if lv != "city"]
        return within_gu or _levels_asked(definition, "gu", gu)
    asked = _LEVEL_ALIASES.get(level, level)
    if asked not in LEVELS:
        raise ValueError(
            f"알 수 없는 단위입니다: {level!r} (city·gu·dong 또는 서울시·자치구·행정동)"
        )
    if asked == "city" and gu is not None:
        raise ValueError("서울시 단위(level='city')에는 자치구(gu)를 지정할 수 없습니다")
    if asked not in definition.levels:
        gap = next((g for g in definition.gaps if asked in g.levels), None)
        reason = gap.missing if gap else "이 단위의 자료가 없습니다"
        available = "·".join(LEVEL_NAMES[lv] for lv in definition.levels)
        raise IndicatorNotSupported(
            f"'{definition.name}' ({definition.id})은(는) {LEVEL_NAMES[asked]} 단위 값이 "
            f"없습니다 — {reason}. 제공 단위: {available}"
        )
    return [asked]


def _years_asked(definition: Indicator, year: int | Iterable[int] | None) -> list[int] | None:
    if year is None:
        return None
    years = [int(year)] if isinstance(year, int | np.integer) else [int(y) for y in year]
    if not set(years) & set(definition.years):
        span = f"{definition.years[0]}–{definition.years[-1]}"
        raise ValueError(f"'{definition.name}'에는 {years}년 값이 없습니다 (제공 연도: {span})")
    return years


def _gu_name(text: str) -> str:
    from seoul_data.geo import find_gu

    name = find_gu(text)
    if name is None:
        raise ValueError(f"서울 자치구 이름이 아닙니다: {text!r}")
    return name


def _source(dataset_ids: Iterable[str]) -> str:
    """'publisher (dataset id)' for each dataset, from the catalog."""
    from seoul_data.load import describe

    return " · ".join(f"{describe(i)['publisher']} ({i})" for i in dataset_ids)
