"""생활인구 (living population): where people are, hour by hour, at city scale.

- ``layout``: the official file layout (date, hour, area code, total, 28 age×sex bands) and
  our column names.
- ``generator``: a synthetic full year at 집계구 (census output area) and 행정동 level in
  that layout, calibrated on the real samples, reproducible from a seed, marked synthetic.
- ``store``: Parquet partitioned by month (``month=YYYY-MM/day=….parquet``), rows sorted by
  area; ingest of the official CP949 CSVs in bounded memory.
- ``queries``: the analyses staff and analysts ask for (``sd.living``), in DuckDB.
"""

from seoul_data.living.queries import (
    compare,
    day_night,
    heatmap,
    inflow,
    peak_hour,
    profile,
    ranking,
)

__all__ = ["compare", "day_night", "heatmap", "inflow", "peak_hour", "profile", "ranking"]
