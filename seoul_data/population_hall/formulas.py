"""The families of formulas: how an indicator's value is computed from a table's row.

Each function takes a table (see :mod:`seoul_data.population_hall.tables`) and returns one value
per row, NaN where there is none (a zero denominator, a missing part); the definitions bind
the parameters with :func:`functools.partial`. Age bands are inclusive ``(first, last)``
ages; ``last=None`` is open-ended (65세 이상).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seoul_data.population_hall.model import Formula

Band = tuple[int, int | None]
Columns = str | tuple[str, ...]

YOUTH: Band = (0, 14)
WORKING_AGE: Band = (15, 64)
OLD_AGE: Band = (65, None)


def count(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as it is (a count or a rate published by the source)."""
    return frame[column]


def _total(frame: pd.DataFrame, columns: Columns) -> pd.Series:
    names = [columns] if isinstance(columns, str) else list(columns)
    return frame[names].sum(axis=1, min_count=len(names))


def ratio(
    frame: pd.DataFrame, numerator: Columns, denominator: Columns, scale: float = 1.0
) -> pd.Series:
    """numerator / denominator × scale; a tuple of columns is their sum."""
    return _total(frame, numerator) / _total(frame, denominator) * scale


def _age_groups(frame: pd.DataFrame, prefix: str) -> list[tuple[int, str]]:
    """The table's age-group columns (``age_0``, ``age_5`` …) as (first age, name), sorted."""
    groups = []
    for name in frame.columns:
        rest = name.removeprefix(prefix)
        if rest != name and rest.isdigit():
            groups.append((int(rest), name))
    if not groups:
        raise ValueError(f"the table has no {prefix}N age columns")
    return sorted(groups)


def band_total(frame: pd.DataFrame, band: Band, prefix: str = "age_") -> pd.Series:
    """People aged band[0] to band[1] (inclusive; None: and over).

    The band must start and end on the table's age-group edges: 19–39 cannot be cut out of
    5-year groups, and saying so beats an estimate.
    """
    first, last = band
    groups = _age_groups(frame, prefix)
    starts = [start for start, _ in groups]
    if first not in starts or (last is not None and last + 1 not in starts):
        raise ValueError(
            f"age band {first}–{'' if last is None else last} does not fall on the age "
            f"groups of this table (groups start at {starts})"
        )
    names = [name for start, name in groups if start >= first and (last is None or start <= last)]
    return frame[names].sum(axis=1, min_count=len(names))


def age_ratio(
    frame: pd.DataFrame,
    numerator: tuple[Band, ...],
    denominator: tuple[Band, ...] | None = None,
    scale: float = 100.0,
    prefix: str = "age_",
) -> pd.Series:
    """People in the numerator bands per people in the denominator bands (all ages when
    None) × scale: age shares, dependency ratios, the aging index."""
    top = sum(band_total(frame, band, prefix) for band in numerator)
    if denominator is None:
        bottom = band_total(frame, (0, None), prefix)
    else:
        bottom = sum(band_total(frame, band, prefix) for band in denominator)
    return top / bottom * scale


def age_ratio_per_capita(
    frame: pd.DataFrame, column: str, band: Band, scale: float = 1000.0, prefix: str = "age_"
) -> pd.Series:
    """A count (births, marriages) per person of an age band × scale: the general rates."""
    return frame[column] / band_total(frame, band, prefix) * scale


def median_age(frame: pd.DataFrame, prefix: str = "age_") -> pd.Series:
    """The age that halves the population, from single-year ages.

    Each age x is taken as the interval [x, x+1) with its people spread evenly over it, so
    the median is x + (half − people younger than x) / people aged x. The open last group
    (100세 이상) can hold no median of a real population; if it did, the value is NaN.
    """
    groups = _age_groups(frame, prefix)
    starts = np.array([start for start, _ in groups])
    if not (np.diff(starts) == 1).all():
        raise ValueError("the median age needs single-year ages (0, 1, 2 …)")
    people = frame[[name for _, name in groups]].to_numpy(dtype=float)
    below = np.cumsum(people, axis=1) - people
    half = people.sum(axis=1, keepdims=True) / 2
    holds = (below <= half) & (below + people > half)
    column = holds.argmax(axis=1)
    rows = np.arange(len(frame))
    value = starts[column] + (half[:, 0] - below[rows, column]) / people[rows, column]
    open_ended = column == len(starts) - 1
    valid = holds.any(axis=1) & ~open_ended & ~np.isnan(people).any(axis=1)
    return pd.Series(np.where(valid, value, np.nan), index=frame.index)


def _year_before(period: pd.Series) -> pd.Series:
    """The same period one year earlier: '2020' → '2019', '2020-12' → '2019-12'."""
    return (period.str[:4].astype(int) - 1).astype(str) + period.str[4:]


def _area_key(frame: pd.DataFrame) -> pd.Series:
    return frame["level"] + "|" + frame["gu"].fillna("") + "|" + frame["area_name"]


def yearly_change(frame: pd.DataFrame, of: Formula, percent: bool = False) -> pd.Series:
    """Change of a measure since the same period a year before (× 100 / before: percent).

    Only periods exactly twelve months apart are compared: 2021-08 has no 2020-08 in the
    gu tables, so it gets no value rather than an eight-month change called annual.
    """
    values = pd.DataFrame(
        {"area": _area_key(frame), "period": frame["period"], "value": of(frame)},
        index=frame.index,
    )
    before = values.rename(columns={"value": "before"})
    merged = values.assign(period=_year_before(values["period"])).merge(
        before, on=["area", "period"], how="left"
    )
    merged.index = frame.index
    change = merged["value"] - merged["before"]
    return change / merged["before"] * 100 if percent else change


def share_of_seoul(frame: pd.DataFrame, of: Formula) -> pd.Series:
    """The area's share of Seoul's value in the same period, in percent."""
    values = pd.Series(of(frame), index=frame.index)
    city = values[frame["level"] == "city"].groupby(frame["period"]).first()
    return values / frame["period"].map(city) * 100


def location_quotient(frame: pd.DataFrame, numerator: Columns, denominator: Columns) -> pd.Series:
    """(numerator / denominator in the area) / (the same in Seoul): above 1 = concentrated."""
    local = ratio(frame, numerator, denominator)
    city = local[frame["level"] == "city"].groupby(frame["period"]).first()
    return local / frame["period"].map(city)
