"""The 서울 인구관 indicators on the real bundled data, checked against the raw files.

The raw files are read here directly with pandas (not through seoul_data), so a spot check
compares our computation with the published numbers, not with itself.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seoul_data import population_hall as ind
from tests.conftest import bundled_data

# the real xlsx has no default style; openpyxl says so each time it is read
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")

RAW = Path(__file__).resolve().parent.parent / "data" / "population"
POPULATION_DATASETS = {
    "population.gu_resident_total",
    "population.gu_resident_age_sex",
    "population.gu_resident_2017q1",
    "population.dong_resident_2021q2",
    "population.dong_households_density",
    "population.dong_age5",
    "population.dong_births_cbr",
    "population.sido_vital_stats",
    "population.gu_migration_monthly",
    "population.city_migration_monthly",
}
DEFINITIONS = ind.definitions()
SUPPORTED = [d.id for d in DEFINITIONS if d.supported]
UNSUPPORTED = [d.id for d in DEFINITIONS if not d.supported]


@pytest.fixture(scope="module", autouse=True)
def data_dir(tmp_path_factory) -> Path:
    """A data directory with the population datasets ingested from the bundled files."""
    with bundled_data(tmp_path_factory.mktemp("indicators"), POPULATION_DATASETS) as directory:
        yield directory


def one(frame: pd.DataFrame, **where) -> float:
    """The value of the single row matching ``where`` (column=value)."""
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return float(rows["value"].iloc[0])


def by_age_file() -> pd.DataFrame:
    """The KOSIS by-age file: one row per gu, age label and sex, one column per year."""
    return pd.read_csv(RAW / "kosis_seoul_gu_resident_pop_by_age_sex_2008_2021_utf8.csv")


def ages(frame: pd.DataFrame) -> pd.Series:
    """The age in years of each row of the by-age file ('100세 이상' → 100)."""
    return frame["연령별"].str.extract(r"^(\d+)")[0].astype(int)


# --- the definitions ---------------------------------------------------------------------


def test_69_indicators_in_6_areas_with_unique_slugs():
    assert len(DEFINITIONS) == 69
    assert ind.AREAS == (
        "서울의 가구",
        "혼인과 이혼",
        "출생과 사망",
        "인구변화",
        "인구이동",
        "외국인",
    )
    ids = [d.id for d in DEFINITIONS]
    assert len(set(ids)) == 69
    assert all(re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", i) for i in ids)
    per_area = pd.Series([d.area for d in DEFINITIONS]).value_counts()
    assert set(per_area.index) == set(ind.AREAS)
    assert per_area.between(10, 14).all(), per_area.to_dict()
    assert [d.area for d in DEFINITIONS] == sorted(
        (d.area for d in DEFINITIONS), key=ind.AREAS.index
    )


def test_at_least_45_supported_and_every_other_says_what_is_missing():
    assert len(SUPPORTED) >= 45
    for definition in DEFINITIONS:
        assert definition.name and definition.unit and definition.definition and definition.formula
        assert definition.levels, definition.id
        if definition.supported:
            assert definition.years and set(definition.datasets) <= POPULATION_DATASETS
        else:
            assert definition.missing and not definition.years and not definition.datasets
            assert "없음" in definition.missing, definition.id


def test_indicators_table_lists_all_and_filters_by_area():
    table = ind.indicators()
    assert list(table.columns[:9]) == [
        "id",
        "name",
        "area",
        "unit",
        "level",
        "years",
        "datasets",
        "supported",
        "missing",
    ]
    assert len(table) == 69 and table["supported"].sum() == len(SUPPORTED)
    marriage = ind.indicators(area="혼인과 이혼")
    assert set(marriage["area"]) == {"혼인과 이혼"} and 10 <= len(marriage) <= 14
    row = table.set_index("id").loc["households.one_person_share"]
    assert not row["supported"] and "가구원수별 가구 통계" in row["missing"]
    with pytest.raises(ValueError, match="영역"):
        ind.indicators(area="교통")


# --- every supported indicator computes ---------------------------------------------------


@pytest.mark.parametrize("indicator_id", SUPPORTED)
def test_supported_indicator_has_finite_values_at_its_levels_and_years(indicator_id):
    definition = ind.get(indicator_id)
    values = ind.indicator(indicator_id)
    assert list(values.columns) == [
        "area_name",
        "level",
        "gu",
        "year",
        "period",
        "value",
        "unit",
        "source",
    ]
    assert len(values) and np.isfinite(values["value"]).all()
    assert set(values["level"]) == set(definition.levels)
    assert set(values["year"]) == set(definition.years)
    if "city" in definition.levels:
        seoul = values[values["level"] == "city"]
        assert set(seoul["area_name"]) == {"서울특별시"} and seoul["gu"].isna().all()
    assert not values.duplicated(["level", "gu", "area_name", "period"]).any()
    assert (
        values["source"]
        .str.fullmatch(r"\S+ \(population\.\w+\)( · \S+ \(population\.\w+\))*")
        .all()
    )


@pytest.mark.parametrize("indicator_id", UNSUPPORTED)
def test_unsupported_indicator_raises_with_what_is_missing(indicator_id):
    definition = ind.get(indicator_id)
    with pytest.raises(ind.IndicatorNotSupported) as raised:
        ind.indicator(indicator_id)
    assert definition.missing in str(raised.value) and "계산할 수 없습니다" in str(raised.value)


# --- spot checks against the raw files ----------------------------------------------------


def test_seoul_population_2020_is_the_kosis_figure():
    raw = pd.read_csv(RAW / "kosis_seoul_gu_resident_pop_2010_2021_utf8.csv")
    seoul = raw[(raw["행정구역(시군구)별"] == "서울특별시") & (raw["연령별"] == "계")]
    assert int(seoul["2020"].iloc[0]) == 9_668_465
    values = ind.indicator("population_change.population", year=2020, level="city")
    assert one(values, period="2020-12") == 9_668_465


def test_population_change_rate_only_over_twelve_months():
    raw = pd.read_csv(RAW / "kosis_seoul_gu_resident_pop_2010_2021_utf8.csv")
    seoul = raw[(raw["행정구역(시군구)별"] == "서울특별시") & (raw["연령별"] == "계")].iloc[0]
    expected = (seoul["2020"] - seoul["2019"]) / seoul["2019"] * 100
    values = ind.indicator("population_change.population_change_rate", level="city")
    assert one(values, year=2020) == pytest.approx(expected)
    # 2021 is August 2021: no twelve-month change from December 2020 is made up
    assert 2021 not in set(values["year"])


@pytest.mark.parametrize("year", [2015, 2019])
def test_seoul_crude_marriage_rate_and_fertility_are_the_kostat_figures(year):
    raw = pd.read_excel(
        RAW / "kostat_sido_vital_stats_births_deaths_marriages_divorces.xlsx", sheet_name="데이터"
    )
    row = raw[(raw["행정구역별"] == "서울특별시") & (raw["시점"] == year)].iloc[0]
    marriage = ind.indicator("marriage.crude_marriage_rate", year=year)
    fertility = ind.indicator("vital.total_fertility_rate", year=year)
    assert one(marriage, level="city") == float(row["조혼인율 (천명당)"])
    assert one(fertility, level="city") == float(row["합계출산율"])
    divorces = ind.indicator("marriage.divorce_marriage_ratio", year=year)
    expected = float(row["이혼건수 (건)"]) / float(row["혼인건수 (건)"]) * 100
    assert one(divorces, level="city") == pytest.approx(expected)


def test_gangnam_persons_per_household_2017q1_is_the_published_figure():
    raw = pd.read_csv(RAW / "seoul_gu_resident_pop_2017Q1_fromxls.csv", header=None, skiprows=3)
    gangnam = raw[raw[1] == "강남구"].iloc[0]
    published = float(gangnam[12])  # 세대당인구 = 한국인 / 세대, rounded to 2 decimals
    assert 2 < published < 3
    values = ind.indicator("households.persons_per_household", gu="강남구", level="gu")
    assert one(values, period="2017-Q1") == pytest.approx(published, abs=0.005)


def test_aging_index_of_a_gu_by_hand_from_the_by_age_file():
    raw = by_age_file()
    nowon = raw[raw["행정구역(시군구)별"] == "노원구"]
    age = ages(nowon)
    people = nowon["2015 년"].astype(int)
    expected = people[age >= 65].sum() / people[age <= 14].sum() * 100
    values = ind.indicator("population_change.aging_index", gu="노원", year=2015, level="gu")
    assert one(values, area_name="노원구") == pytest.approx(expected)


def test_median_age_by_hand_from_the_by_age_file():
    raw = by_age_file()
    gangnam = raw[raw["행정구역(시군구)별"] == "강남구"]
    counts = gangnam.assign(age=ages(gangnam)).groupby("age")["2020 년"].sum().sort_index()
    # the cumulative share reaches one half inside one age year: interpolate within it
    edges = np.arange(len(counts) + 1)
    cumulative = np.concatenate([[0], counts.cumsum().to_numpy()])
    expected = np.interp(cumulative[-1] / 2, cumulative, edges)
    values = ind.indicator("population_change.median_age", gu="강남구", year=2020, level="gu")
    assert one(values, period="2020-12") == pytest.approx(expected)
    seoul = ind.indicator("population_change.median_age", level="city")
    assert seoul["value"].is_monotonic_increasing and 35 < seoul["value"].iloc[0] < 45


def test_general_fertility_rate_uses_midyear_women_15_to_49():
    raw = by_age_file()
    age = ages(raw)
    women = raw[(raw["항목"] == "여자인구수") & age.between(15, 49)]
    midyear = (women["2019 년"].sum() + women["2020 년"].sum()) / 2
    vital = pd.read_excel(
        RAW / "kostat_sido_vital_stats_births_deaths_marriages_divorces.xlsx", sheet_name="데이터"
    )
    births = float(
        vital[(vital["행정구역별"] == "서울특별시") & (vital["시점"] == 2020)].iloc[0, 2]
    )
    values = ind.indicator("vital.general_fertility_rate", year=2020, level="city")
    assert one(values, level="city") == pytest.approx(births / midyear * 1000)


def test_dong_density_matches_the_source_density_column():
    raw = pd.read_csv(RAW / "seoul_hdong_pop_households_density_2017_2021.csv", index_col=0)
    row = raw[(raw["NAME_AD"] == "청운효자동") & (raw["YEAR"] == 2019)].iloc[0]
    values = ind.indicator("population_change.population_density", gu="종로구", year=2019)
    assert one(values, area_name="청운효자동") == pytest.approx(row["P_DEN"])
    seoul = raw[raw["YEAR"] == 2019]
    expected = seoul["P_ALL"].sum() / seoul["AREA_KM"].sum()
    city = ind.indicator("population_change.population_density", year=2019, level="city")
    assert one(city, level="city") == pytest.approx(expected)


def test_sums_leave_out_a_gu_whose_dongs_are_missing():
    # the 2021 density file has no rows for 강동구 강일동·상일1동·상일2동
    raw = pd.read_csv(RAW / "seoul_hdong_pop_households_density_2017_2021.csv", index_col=0)
    assert not raw[(raw["YEAR"] == 2021) & raw["NAME_AD"].isin(["강일동", "상일1동"])].size
    values = ind.indicator("households.households", year=2021)
    year_end = values[values["period"] == "2021-12"]
    assert "강동구" not in set(year_end.loc[year_end["level"] == "gu", "area_name"])
    assert "city" not in set(year_end["level"])
    assert (year_end[year_end["level"] == "dong"]["gu"] == "강동구").any()
    seoul_2020 = raw[raw["YEAR"] == 2020]["H"].sum()
    assert one(ind.indicator("households.households", year=2020, level="city")) == seoul_2020


def test_net_migration_of_jongno_in_january_2024_is_21():
    raw = json.loads((RAW / "kosis_seoul_gu_migration_monthly_2024_2025.json").read_text())
    assert raw["data"]["종로구"]["202401"]["순이동"] == 21
    values = ind.indicator("migration.net_monthly", gu="종로구", year=2024)
    assert one(values, period="2024-01") == 21


def test_yearly_migration_sums_complete_years_only():
    raw = json.loads((RAW / "kosis_seoul_migration_monthly_total_2024_2026.json").read_text())
    net_2024 = sum(r["value"] for r in raw["net"] if r["month"].startswith("2024"))
    values = ind.indicator("migration.net", level="city")
    assert one(values, year=2024) == net_2024
    assert set(values["year"]) == {2024, 2025}  # 2026 has two months only


def test_foreign_share_and_location_quotient_of_a_gu():
    raw = pd.read_csv(RAW / "seoul_gu_resident_pop_2017Q1_fromxls.csv", header=None, skiprows=3)
    total, guro = raw[raw[1] == "합계"].iloc[0], raw[raw[1] == "구로구"].iloc[0]
    share = ind.indicator("foreigners.share", gu="구로구", level="gu")
    assert one(share, period="2017-Q1") == pytest.approx(guro[9] / guro[3] * 100)
    quotient = ind.indicator("foreigners.location_quotient", gu="구로구", level="gu")
    expected = (guro[9] / guro[3]) / (total[9] / total[3])
    assert one(quotient, period="2017-Q1") == pytest.approx(expected)
    seoul = ind.indicator("foreigners.residents", level="city", year=2017)
    assert one(seoul, period="2017-Q1") == total[9]  # our sum of gu = the file's 합계 row


def test_dependency_ratios_add_up_and_give_the_aging_index():
    old = ind.indicator("population_change.old_age_dependency")
    young = ind.indicator("population_change.youth_dependency")
    total = ind.indicator("population_change.total_dependency")
    aging = ind.indicator("population_change.aging_index")
    keys = ["level", "gu", "area_name", "period"]
    both = old.merge(young, on=keys, suffixes=("_old", "_young")).merge(total, on=keys)
    both = both.merge(aging, on=keys, suffixes=("", "_aging"))
    assert len(both) == len(total)
    assert np.allclose(both["value"], both["value_old"] + both["value_young"])
    assert np.allclose(both["value_aging"], both["value_old"] / both["value_young"] * 100)


# --- asking ---------------------------------------------------------------------------------


def test_gu_accepts_short_names_and_gives_the_gu_and_its_dongs():
    short = ind.indicator("population_change.aged_share", gu="강남", year=2020)
    full = ind.indicator("population_change.aged_share", gu="강남구", year=2020)
    pd.testing.assert_frame_equal(short, full)
    assert set(full["gu"]) == {"강남구"} and set(full["level"]) == {"gu", "dong"}
    with pytest.raises(ValueError, match="자치구"):
        ind.indicator("population_change.aged_share", gu="해운대구")


def test_unknown_id_names_close_ids():
    with pytest.raises(ValueError, match=r"population_change\.aging_index"):
        ind.indicator("population_change.aging_indx")
    with pytest.raises(ValueError, match=r"vital\.total_fertility_rate"):
        ind.indicator("합계출산률")


def test_a_level_without_data_raises_with_what_is_missing():
    with pytest.raises(ind.IndicatorNotSupported, match="모\\(母\\)의 연령별 출생아 수"):
        ind.indicator("vital.total_fertility_rate", level="gu")
    with pytest.raises(ind.IndicatorNotSupported, match="시군구별 인구동향조사"):
        ind.indicator("marriage.marriages", gu="강남구")
    with pytest.raises(ValueError, match="제공 연도"):
        ind.indicator("marriage.marriages", year=2030)


def test_source_names_the_publisher_of_each_row():
    values = ind.indicator("households.households", gu="종로구", level="gu", year=2017)
    sources = dict(zip(values["period"], values["source"], strict=True))
    assert sources["2017-Q1"] == "서울특별시 (population.gu_resident_2017q1)"
    assert sources["2017-12"] == "행정안전부 (population.dong_households_density)"
    assert math.isfinite(one(values, period="2017-Q1"))


def test_a_rate_is_never_summed_over_places():
    """Gu and Seoul rows are sums only of what the catalog declares additive."""
    from seoul_data.population_hall.tables import DONG_DENSITY_ID, _with_totals
    from seoul_data.tidy import area_rows

    with pytest.raises(ValueError, match=r"\['density'\] do not add up over places"):
        _with_totals(area_rows(DONG_DENSITY_ID, ["density"]), ["density"])
