"""seoul_data: find, load and analyse Seoul city data.

    import seoul_data as sd
    sd.catalog(field="인구/가구")
    sd.load("population.gu_resident_total", gu="강남", years=range(2015, 2021))

The same functions serve notebooks, dashboards, the CLI and the hub's services.
"""

from __future__ import annotations

from seoul_data import geo, living, maps
from seoul_data.load import catalog, describe, load, sql
from seoul_data.paths import data_dir
from seoul_data.population_hall import indicator, indicators
from seoul_data.search import ask, search, search_session

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ask",
    "catalog",
    "data_dir",
    "describe",
    "geo",
    "indicator",
    "indicators",
    "living",
    "load",
    "maps",
    "search",
    "search_session",
    "sql",
]
