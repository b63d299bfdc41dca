"""The data behind the indicators: each dataset brought to one row per area and period.

Every table has the key columns ``level`` ('city' | 'gu' | 'dong'), ``gu`` (the gu's name;
missing for Seoul as a whole), ``area_name`` (서울특별시, the gu or the dong), ``year`` and
``period``, the ``datasets`` the row's values come from (ids, comma-separated), then
float columns. ``period`` says what the year means:

- a stock counted at a month's end: ``'2020-12'``; ``'2021-08'`` where the source stops in
  August 2021 (the KOSIS gu tables);
- a flow over a calendar year (births, marriages, the year's moves): ``'2020'``;
- a quarter: ``'2017-Q1'``; a month: ``'2024-01'``.

Rows, levels and periods come from what each dataset's schema declares
(:func:`seoul_data.tidy.area_rows`); columns are picked by the measure they hold where the
datasets name them differently. Where a dataset has no row for a gu or for Seoul, the row is
the sum of its parts — only of measures the catalog says add up — and only when every part
is there: a dong missing from the file, or a missing value in one dong,
leaves the sum out rather than giving a partial total. Which dongs a gu has in a year is
read from ``population.dong_age5`` (the full 행정안전부 list).
"""

from __future__ import annotations

import pandas as pd

from seoul_data.catalog.meaning import age_columns, measure_columns, summable
from seoul_data.load import load
from seoul_data.population_hall.model import KEY_COLUMNS, Table
from seoul_data.sources import concepts, declared
from seoul_data.tidy import area_rows

#: Key columns plus the dataset ids each row's values come from.
ROW_COLUMNS = [*KEY_COLUMNS, "datasets"]
SEOUL = "서울특별시"
GU_COUNT = 25

RESIDENT_TOTAL_ID = "population.gu_resident_total"
AGE_SEX_ID = "population.gu_resident_age_sex"
GU_2017Q1_ID = "population.gu_resident_2017q1"
DONG_2021Q2_ID = "population.dong_resident_2021q2"
DONG_DENSITY_ID = "population.dong_households_density"
DONG_AGE5_ID = "population.dong_age5"
DONG_BIRTHS_ID = "population.dong_births_cbr"
VITAL_ID = "population.sido_vital_stats"
GU_MIGRATION_ID = "population.gu_migration_monthly"
CITY_MIGRATION_ID = "population.city_migration_monthly"

_QUARTER_COLUMNS = [
    "households",
    "pop_total",
    "pop_male",
    "pop_female",
    "korean_total",
    "foreign_total",
    "foreign_male",
    "foreign_female",
    "aged_65_plus",
]
_VITAL_COLUMNS = [
    "births",
    "total_fertility_rate",
    "crude_birth_rate",
    "deaths",
    "crude_death_rate",
    "natural_increase",
    "natural_increase_rate",
    "marriages",
    "crude_marriage_rate",
    "divorces",
    "crude_divorce_rate",
]
#: The three measures of a migration table, as the tables name them.
_MIGRATION = {"전입 인구": "inbound", "전출 인구": "outbound", "순이동 인구": "net"}
_MIGRATION_COLUMNS = list(_MIGRATION.values())


def _as_float(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Numbers as float64 with NaN for missing values (nullable integers included)."""
    return frame.astype({c: "float64" for c in columns})


def _keyed(
    frame: pd.DataFrame,
    level: str,
    area_name: pd.Series | str,
    gu: pd.Series | None,
    datasets: str | pd.Series,
) -> pd.DataFrame:
    """The frame with the columns level, gu, area_name and datasets set."""
    keys = pd.DataFrame(
        {"level": level, "gu": gu, "area_name": area_name, "datasets": datasets},
        index=frame.index,
    )
    return pd.concat([keys, frame.drop(columns=keys.columns, errors="ignore")], axis=1)


def _sum_by(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Sums per group, NaN where any part is NaN (a partial total is no total)."""
    sums = frame.groupby(keys)[columns].sum(min_count=1)
    any_missing = frame[columns].isna().groupby([frame[k] for k in keys]).any()
    return sums.mask(any_missing).copy().reset_index()


def _registered_dongs() -> pd.DataFrame:
    """The dongs of each gu and year (gu, year, dong_code), from population.dong_age5."""
    return area_rows(DONG_AGE5_ID, [])[["gu", "year", "dong_code"]]


def _gu_sums(
    dongs: pd.DataFrame, columns: list[str], complete: bool, datasets: str
) -> pd.DataFrame:
    """Gu rows summed from dong rows; with ``complete``, NaN for a gu-year missing a dong."""
    sums = _sum_by(dongs, ["gu", "year", "period"], columns)
    if complete:
        registered = _registered_dongs()
        present = registered.merge(dongs[["gu", "year", "dong_code"]], how="left", indicator=True)
        lacking = present.loc[present["_merge"] == "left_only", ["gu", "year"]]
        lacking = lacking.drop_duplicates().assign(_lacking=True)
        known = registered[["gu", "year"]].drop_duplicates().assign(_known=True)
        sums = sums.merge(lacking, how="left").merge(known, how="left")
        incomplete = sums["_lacking"].eq(True) | sums["_known"].ne(True)
        sums.loc[incomplete, columns] = float("nan")
        sums = sums.drop(columns=["_lacking", "_known"])
    return _keyed(sums, "gu", sums["gu"], sums["gu"], datasets)


def _city_sums(gus: pd.DataFrame, columns: list[str], datasets: str) -> pd.DataFrame:
    """The Seoul row of each period: the sum of its 25 gu rows, NaN unless all 25 are there."""
    sums = _sum_by(gus, ["year", "period"], columns)
    counts = gus.groupby(["year", "period"]).size().reset_index(name="_gus")
    sums = sums.merge(counts)
    sums.loc[sums["_gus"] != GU_COUNT, columns] = float("nan")
    return _keyed(sums.drop(columns="_gus"), "city", SEOUL, None, datasets)


def _with_totals(rows: pd.DataFrame, columns: list[str], *, complete: bool = False) -> pd.DataFrame:
    """Dong (or gu) rows plus the gu and Seoul sums, as one table.

    complete: check each gu's dongs against the registered list (see ``_gu_sums``).
    """
    (datasets,) = rows["datasets"].unique()
    dataset = declared(datasets)
    measured = {c.name for c in dataset.schema if c.measure}
    not_additive = set(columns) & measured - summable(dataset, concepts())
    if not_additive:  # a rate or a mean: its sum over places means nothing
        raise ValueError(f"{datasets}: {sorted(not_additive)} do not add up over places")
    parts = [rows]
    gus = rows
    if (rows["level"] == "dong").all():
        gus = _gu_sums(rows, columns, complete, datasets)
        parts.append(gus)
    parts.append(_city_sums(gus, columns, datasets))
    table = pd.concat(parts, ignore_index=True)
    return table[ROW_COLUMNS + columns]


def resident_total() -> pd.DataFrame:
    """Registered residents of Seoul and each gu at year end, 2010–2021 (2021: August)."""
    return area_rows(RESIDENT_TOTAL_ID, ["population"])[ROW_COLUMNS + ["population"]]


def single_year_ages() -> pd.DataFrame:
    """Residents by single-year age (age_0 … age_100, 100 = 100+), female_age_0 …
    female_age_100, male, female and population, for Seoul and each gu, 2008–2021."""
    raw = load(AGE_SEX_ID, columns=["gu", "age", "sex", "year", "period", "population"])
    wide = raw.pivot_table(
        index=["gu", "year", "period"], columns=["sex", "age"], values="population", aggfunc="sum"
    )
    men, women = wide["남"], wide["여"]
    both = (men + women).rename(columns=lambda age: f"age_{age}")
    female = women.rename(columns=lambda age: f"female_age_{age}")
    totals = pd.DataFrame({"male": men.sum(axis=1), "female": women.sum(axis=1)})
    totals["population"] = totals["male"] + totals["female"]
    frame = pd.concat([both, female, totals], axis=1)
    frame = _as_float(frame.reset_index(), list(frame.columns))
    columns = [c for c in frame.columns if c not in ("gu", "year", "period")]
    return _with_totals(_keyed(frame, "gu", frame["gu"], frame["gu"], AGE_SEX_ID), columns)


def midyear_ages() -> pd.DataFrame:
    """The mean of two consecutive year-end age tables (Dec of year−1 and of year): the
    mid-year population that rates per person-year need, 2009–2020, period 'YYYY'."""
    ends = single_year_ages()
    ends = ends[ends["period"] == ends["year"].astype(str) + "-12"]
    columns = [c for c in ends.columns if c not in ROW_COLUMNS]
    keys = ["level", "gu", "area_name", "datasets", "year"]
    before = ends[keys + columns].assign(year=ends["year"] + 1)
    pairs = ends[keys + columns].merge(before, on=keys, suffixes=("", "_before"))
    before_columns = [f"{column}_before" for column in columns]
    means = (pairs[columns].to_numpy() + pairs[before_columns].to_numpy()) / 2
    means = pd.concat([pairs[keys], pd.DataFrame(means, columns=columns)], axis=1)
    means["period"] = means["year"].astype(str)
    return means[ROW_COLUMNS + columns]


def dong_density() -> pd.DataFrame:
    """Registered residents (male/female), households and area of each dong at year end,
    2017–2021, with gu and Seoul sums where every dong of the gu is in the file."""
    columns = ["population", "households", "pop_male", "pop_female", "area_km2"]
    return _with_totals(area_rows(DONG_DENSITY_ID, columns), columns, complete=True)


def dong_age_groups() -> pd.DataFrame:
    """Residents of each dong by 5-year age group at year end, 2017–2021: age_0 (0–4),
    age_5 (5–9) … age_95, age_100 (100+), and population."""
    bands = age_columns(declared(DONG_AGE5_ID), "인구")
    names = {"population": "population", **{c: f"age_{first}" for c, (first, _) in bands.items()}}
    return area_rows(DONG_AGE5_ID, names)[ROW_COLUMNS + list(names.values())]


def dong_births() -> pd.DataFrame:
    """Births (male/female) and mid-year population of each dong per calendar year,
    2017–2021, with gu and Seoul sums where every dong and value is there."""
    columns = ["births", "births_male", "births_female", "midyear_pop"]
    return _with_totals(area_rows(DONG_BIRTHS_ID, columns), columns, complete=True)


def quarter_snapshots() -> pd.DataFrame:
    """Households and population (Korean, foreign, 65+) in 2017 Q1 (gu) and 2021 Q2 (dong),
    with the gu and Seoul sums; the files' own 합계/소계 rows are these sums."""
    parts = [
        _with_totals(area_rows(dataset_id, _QUARTER_COLUMNS), _QUARTER_COLUMNS)
        for dataset_id in (GU_2017Q1_ID, DONG_2021Q2_ID)
    ]
    return pd.concat(parts, ignore_index=True)


def vital_statistics() -> pd.DataFrame:
    """Seoul's births, deaths, marriages, divorces and their rates per calendar year,
    1990–2022 (KOSTAT 인구동향조사); '-' in the source (not compiled) is NaN."""
    frame = area_rows(VITAL_ID, _VITAL_COLUMNS)
    return frame[frame["level"] == "city"].reset_index(drop=True)[ROW_COLUMNS + _VITAL_COLUMNS]


def _joined(flows: pd.DataFrame, midyear: pd.DataFrame) -> pd.DataFrame:
    """Calendar-year flows with the mid-year population of the same area and year."""
    keys = ["level", "gu", "area_name", "year"]
    joined = flows.merge(midyear.drop(columns="period"), on=keys, suffixes=("", "_midyear"))
    joined["datasets"] = joined["datasets"] + ", " + joined.pop("datasets_midyear")
    return joined


def vital_with_midyear() -> pd.DataFrame:
    """Seoul's vital statistics with the mid-year population by age and sex, 2009–2020."""
    return _joined(vital_statistics(), midyear_ages())


def births_with_midyear() -> pd.DataFrame:
    """Births of each gu (sum of its dongs) with its mid-year population by age and sex,
    2017–2020."""
    births = dong_births()
    return _joined(births[births["level"] == "gu"], midyear_ages())


def monthly_migration() -> pd.DataFrame:
    """In-, out- and net migration per month: Seoul 2024-01…2026-02, each gu 2024-01…2025-12.

    Seoul's figures are its own (KOSIS 시도), not the sum of the gu: a gu's moves include
    moves from and to other gu of Seoul.
    """
    parts = [
        area_rows(dataset_id, measure_columns(declared(dataset_id), _MIGRATION))
        for dataset_id in (CITY_MIGRATION_ID, GU_MIGRATION_ID)
    ]
    return pd.concat(parts, ignore_index=True)[ROW_COLUMNS + _MIGRATION_COLUMNS]


def yearly_migration() -> pd.DataFrame:
    """In-, out- and net migration per calendar year: sums of 12 months, complete years only."""
    months = monthly_migration()
    keys = ["level", "gu", "area_name", "datasets", "year"]
    grouped = months.groupby(keys, dropna=False)
    years = grouped[_MIGRATION_COLUMNS].sum(min_count=1).join(grouped.size().rename("_months"))
    years = years[years["_months"] == 12].reset_index()
    return years.assign(period=years["year"].astype(str))[ROW_COLUMNS + _MIGRATION_COLUMNS]


RESIDENT_TOTAL = Table("주민등록인구 (서울·자치구)", (RESIDENT_TOTAL_ID,), resident_total)
SINGLE_YEAR_AGES = Table("각세별 인구 (서울·자치구)", (AGE_SEX_ID,), single_year_ages)
DONG_DENSITY = Table("행정동 인구·세대·면적", (DONG_DENSITY_ID, DONG_AGE5_ID), dong_density)
DONG_AGE_GROUPS = Table("행정동 5세별 인구", (DONG_AGE5_ID,), dong_age_groups)
DONG_BIRTHS = Table("행정동 출생아 수", (DONG_BIRTHS_ID, DONG_AGE5_ID), dong_births)
QUARTER_SNAPSHOTS = Table(
    "분기 세대·인구 (2017년 1분기, 2021년 2분기)", (GU_2017Q1_ID, DONG_2021Q2_ID), quarter_snapshots
)
VITAL = Table("서울시 인구동태", (VITAL_ID,), vital_statistics)
VITAL_WITH_MIDYEAR = Table("서울시 인구동태와 연앙인구", (VITAL_ID, AGE_SEX_ID), vital_with_midyear)
BIRTHS_WITH_MIDYEAR = Table(
    "자치구 출생아 수와 연앙인구", (DONG_BIRTHS_ID, DONG_AGE5_ID, AGE_SEX_ID), births_with_midyear
)
MONTHLY_MIGRATION = Table("월별 인구이동", (CITY_MIGRATION_ID, GU_MIGRATION_ID), monthly_migration)
YEARLY_MIGRATION = Table("연간 인구이동", (CITY_MIGRATION_ID, GU_MIGRATION_ID), yearly_migration)
