"""The 서울 인구관 (Population Hall) indicators: 69 indicators in six areas.

    from seoul_data import population_hall as indicators as ind
    ind.indicators(area="인구변화")                  # what there is, and what is missing
    ind.indicator("population_change.aging_index", gu="강남구")

Every value is computed from the real datasets of the catalog (see each indicator's
``datasets``); an indicator whose data is missing says exactly what is missing and raises
:class:`IndicatorNotSupported` instead of giving a value.
"""

from __future__ import annotations

from seoul_data.population_hall.model import (
    AREAS,
    LEVELS,
    Computation,
    Gap,
    Indicator,
    IndicatorNotSupported,
    Table,
)
from seoul_data.population_hall.registry import definitions, get, indicator, indicators

__all__ = [
    "AREAS",
    "LEVELS",
    "Computation",
    "Gap",
    "Indicator",
    "IndicatorNotSupported",
    "Table",
    "definitions",
    "get",
    "indicator",
    "indicators",
]
