"""Direct answers (seoul_data.search.answers) on the real bundled data.

Expected values are read here from the raw files with pandas (not through seoul_data), so a
check compares the answer with the published number, not with our own computation.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import seoul_data as sd
from seoul_data.search.answers import LAYOUTS, MEASURES, Answer, ask
from seoul_data.sources import sources
from tests.conftest import bundled_data

# the real xlsx has no default style; openpyxl says so each time it is read
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")

RAW = Path(__file__).resolve().parent.parent / "data" / "population"
DEV = Path(__file__).resolve().parent / "data" / "dev_answer_questions.tsv"
DEV_ROWS = list(csv.DictReader(DEV.open(encoding="utf-8"), delimiter="\t"))


@pytest.fixture(scope="module", autouse=True)
def data_dir(tmp_path_factory) -> Path:
    """A data directory with every bundled dataset ingested."""
    with bundled_data(tmp_path_factory.mktemp("answers")) as directory:
        yield directory


def close(value, expected: float) -> bool:
    """The evaluation's criterion: within 0.5% of the expected value."""
    return value is not None and abs(value - expected) <= 0.005 * abs(expected)


def stem(path: str) -> str:
    """A raw file's name without folder, encoding suffix and extension."""
    name = Path(path).name.split(".")[0]
    return re.sub(r"_(utf8|cp949)$", "", name)


# -- the raw files ----------------------------------------------------------------------------


def raw_gu_total(area: str, year: int) -> int:
    frame = pd.read_csv(RAW / "kosis_seoul_gu_resident_pop_2010_2021_utf8.csv")
    column = "2021. 08" if year == 2021 else str(year)  # 2021 is August, not the year end
    return int(frame.loc[frame["행정구역(시군구)별"] == area, column].iloc[0])


def raw_age_sex(gu: str, year: int, low: int, sex: str | None = None) -> int:
    frame = pd.read_csv(RAW / "kosis_seoul_gu_resident_pop_by_age_sex_2008_2021_utf8.csv")
    ages = frame["연령별"].str.extract(r"^(\d+)세")[0].astype(float)
    items = ["남자인구수", "여자인구수"] if sex is None else [f"{sex}자인구수"]
    rows = frame[(frame["행정구역(시군구)별"] == gu) & (ages >= low) & frame["항목"].isin(items)]
    return int(rows[f"{year} 년"].sum())


def raw_gu_migration(gu: str, month: str, item: str) -> int:
    data = json.loads((RAW / "kosis_seoul_gu_migration_monthly_2024_2025.json").read_text())
    return data["data"][gu][month][item]


def raw_dong(file: str, gu: str | None, year: int, column: str, dong: str | None = None) -> float:
    """A column of a dong file, summed over the gu's dongs (all of Seoul's when gu is None)."""
    frame = pd.read_csv(RAW / file)
    rows = frame[(frame["YEAR"] == year) & ((frame["SGG"] == gu) if gu else True)]
    if dong is not None:
        rows = rows[rows["NAME_AD"] == dong]
    return float(rows[column].sum())


def raw_quarter_2021(gu: str, dong: str, column: int) -> int:
    frame = pd.read_csv(
        RAW / "seoul_dong_resident_pop_2021Q2.tsv", sep="\t", skiprows=3, header=None
    )
    row = frame[(frame[1] == gu) & (frame[2] == dong)].iloc[0]
    return int(str(row[column]).replace(",", ""))


def raw_vital(region: str, year: int, column: str) -> float:
    frame = pd.read_excel(
        RAW / "kostat_sido_vital_stats_births_deaths_marriages_divorces.xlsx", sheet_name="데이터"
    )
    row = frame[(frame["행정구역별"] == region) & (frame["시점"] == year)].iloc[0]
    return float(row[column])


# -- the evaluation questions -----------------------------------------------------------------


@pytest.mark.parametrize("row", DEV_ROWS, ids=[r["qid"] for r in DEV_ROWS])
def test_dev_question(row):
    answer = ask(row["question"])
    gold = float(row["value"])
    assert close(answer.value, gold), (answer.value, gold, answer.answer, answer.why)
    assert answer.unit == row["unit"]
    files = {s.dataset.id: s.file for s in sources()}
    assert stem(files[answer.dataset]) == stem(row["file"])
    assert f"{answer.value:,}".removesuffix(".0") in answer.answer
    assert f"출처: {sd.describe(answer.dataset)['publisher']} ({answer.dataset})" in answer.answer


# -- paraphrases and the rules ----------------------------------------------------------------

PARAPHRASES = [
    ("송파구 2019년 인구", lambda: raw_gu_total("송파구", 2019), "population.gu_resident_total"),
    (
        "서울 2015년 인구는?",
        lambda: raw_gu_total("서울특별시", 2015),
        "population.gu_resident_total",
    ),
    (
        "노원구 2015년 65세 이상 여자 인구수",
        lambda: raw_age_sex("노원구", 2015, 65, "여"),
        "population.gu_resident_age_sex",
    ),
    (
        "2019년 강남구 고령자 수",
        lambda: raw_age_sex("강남구", 2019, 65),
        "population.gu_resident_age_sex",
    ),
    (
        "2020년 서울 출생아",
        lambda: raw_vital("서울특별시", 2020, "출생건수 (명)"),
        "population.sido_vital_stats",
    ),
    (
        "서울시 2018년 사망자는 몇 명?",
        lambda: raw_vital("서울특별시", 2018, "사망건수 (명)"),
        "population.sido_vital_stats",
    ),
    (
        "2020년 부산 출생아 수",
        lambda: raw_vital("부산광역시", 2020, "출생건수 (명)"),
        "population.sido_vital_stats",
    ),
    (
        "2019년 서울 혼인 건수",
        lambda: raw_vital("서울특별시", 2019, "혼인건수 (건)"),
        "population.sido_vital_stats",
    ),
    (
        "마포구 2024년 3월 전입 인구",
        lambda: raw_gu_migration("마포구", "202403", "총전입"),
        "population.gu_migration_monthly",
    ),
    (
        "2024년 마포구 전입자 수",  # a year of a monthly flow: the sum of its 12 months
        lambda: sum(raw_gu_migration("마포구", f"2024{m:02d}", "총전입") for m in range(1, 13)),
        "population.gu_migration_monthly",
    ),
    (
        "2019년 강서구 화곡1동 인구",
        lambda: raw_dong(
            "seoul_hdong_pop_households_density_2017_2021.csv", "강서구", 2019, "P_ALL", "화곡1동"
        ),
        "population.dong_households_density",
    ),
    (
        "2019년 송파구 세대수",  # the gu from its dongs
        lambda: raw_dong("seoul_hdong_pop_households_density_2017_2021.csv", "송파구", 2019, "H"),
        "population.dong_households_density",
    ),
    (
        "2019년 역삼1동 65세 이상 인구",  # a band on the 5-year groups
        lambda: sum(
            raw_dong("seoul_hdong_pop_5yr_age_2017_2021.csv", "강남구", 2019, c, "역삼1동")
            for c in ["65_69", "70_74", "75_79", "80_84", "85_89", "90_94", "95_99", "100_"]
        ),
        "population.dong_age5",
    ),
    (
        "2018년 양천구 출생아 수",
        lambda: raw_dong("seoul_hdong_births_cbr_2017_2021.csv", "양천구", 2018, "B_ALL"),
        "population.dong_births_cbr",
    ),
    (
        "2020년 서울 출생아 수 (행정동별 출생 자료 합계)",  # the source named wins
        lambda: raw_dong("seoul_hdong_births_cbr_2017_2021.csv", None, 2020, "B_ALL"),
        "population.dong_births_cbr",
    ),
    ("중구 재정자립도 2017년", lambda: 62.4, "population.gu_fiscal_independence"),
    (
        "2021년 2분기 종로구 외국인 수",
        lambda: raw_quarter_2021("종로구", "소계", 10),
        "population.dong_resident_2021q2",
    ),
    (
        "2021년 2분기 서울 인구",  # the city from the dong rows = the published 합계 row
        lambda: raw_quarter_2021("합계", "합계", 4),
        "population.dong_resident_2021q2",
    ),
]


@pytest.mark.parametrize(
    ("question", "expected", "dataset"), PARAPHRASES, ids=[p[0] for p in PARAPHRASES]
)
def test_paraphrase(question, expected, dataset):
    answer = ask(question)
    assert close(answer.value, expected()), (answer.value, expected(), answer.answer)
    assert answer.dataset == dataset


def test_series_is_the_measure_over_the_available_years():
    answer = ask("2019년 송파구 인구는 몇 명이야?")
    periods = [point["period"] for point in answer.series]
    assert periods == [f"{year}년" for year in range(2010, 2022)]
    assert {"period": "2019년", "value": 675961} in answer.series
    monthly = ask("2024년 3월 마포구 전입자 수")
    assert {"period": "2024년 3월", "value": 4560} in monthly.series


def test_a_year_range_gives_its_last_year_and_lists_the_range():
    answer = ask("2015년부터 2020년까지 송파구 인구")
    assert answer.value == raw_gu_total("송파구", 2020)
    assert f"2015년 {raw_gu_total('송파구', 2015):,}명" in answer.answer


def test_no_period_gives_the_latest():
    answer = ask("종로구 인구")
    assert answer.period == "2021년"
    assert answer.value == raw_gu_total("종로구", 2021)
    assert "8월 말 기준" in answer.answer


def test_a_year_without_annual_data_falls_back_to_its_quarter():
    answer = ask("2017년 종로구 외국인 수")
    assert answer.period == "2017년 1분기"
    assert answer.dataset == "population.gu_resident_2017q1"
    assert "분기 자료" in answer.answer


def test_several_places_are_listed_and_summed_only_when_asked():
    gangnam, seocho = raw_gu_total("강남구", 2019), raw_gu_total("서초구", 2019)
    listed = ask("2019년 강남구와 서초구 인구")
    assert listed.value is None
    assert f"{gangnam:,}" in listed.answer and f"{seocho:,}" in listed.answer
    assert ask("2019년 강남구와 서초구 인구 합계").value == gangnam + seocho


def test_population_hall_indicators_answer_their_names():
    answer = ask("2015년 노원구 고령인구 비율")
    expected = raw_age_sex("노원구", 2015, 65) / raw_age_sex("노원구", 2015, 0) * 100
    assert close(answer.value, expected)
    assert answer.unit == "%"


def test_living_population_is_an_hourly_average_over_the_dates_it_has():
    answer = ask("2019년 서울 생활인구")
    assert answer.dataset == "living.dong_hourly_week_20190304"
    assert answer.period == "2019-03-04 – 2019-03-10"
    assert "평균" in answer.answer


def test_why_says_what_was_understood_and_how():
    summed = ask("2018년 양천구 출생아 수 (행정동별 출생 자료 합계)", session=None)
    assert "양천구(자치구)" in summed.why and "행정동별 값을 합친 것" in summed.why
    two = ask("2019년 송파구 인구와 세대수")
    assert two.unit == "세대" and "인구" in two.why and "하나만" in two.why


# -- no answer --------------------------------------------------------------------------------

UNANSWERABLE = [
    ("2019년 부산 인구", ["부산", "서울 밖"], "population.gu_resident_total"),
    ("해운대구 인구", ["해운대구", "서울 밖"], None),
    ("송파구 1인 가구 수", ["1인 가구"], "population.dong_households_density"),
    ("2030년 송파구 인구", ["2030년", "2010/2021"], "population.gu_resident_total"),
    ("작년 서울 출생아 수", ["1990/2022"], "population.sido_vital_stats"),
    ("서울 재정자립도", ["더해서 구할 수 없습니다"], "population.gu_fiscal_independence"),
    ("2026년 서울 전입", ["12개월"], "population.city_migration_monthly"),
    ("2019년 역삼1동 청년 인구", ["19–39세", "연령 구간"], "population.dong_age5"),
    ("2019년 종로구 20대 여성 생활인구", ["연령과 성별"], None),
    ("2020년 종로구 60대 생활인구", ["60–69세", "연령 구간"], None),
    ("2024년 3월 서울 출생아 수", ["월별 자료가 아닙니다"], None),
    ("여의도 인구", ["여의도"], None),
    ("화성의 인구는?", ["화성"], None),
    ("서울 아파트 가격", ["무엇의 값을"], None),
]


@pytest.mark.parametrize(("question", "said", "suggested"), UNANSWERABLE)
def test_no_number_when_the_data_cannot_answer(question, said, suggested):
    answer = ask(question)
    assert answer.value is None and answer.dataset is None
    assert answer.answer.startswith("답할 수 없습니다")
    for words in said:
        assert words in answer.answer
    if suggested:
        assert "가까운 자료: " in answer.answer and suggested in answer.answer


ODD_INPUT = [
    "",
    "   \n\t ",
    "x" * 10_000,
    "인구 " * 3_000,
    "😀" * 50,
    "인구 ㅋㅋ abc 人口 😀 population",
    "2019년 2019년 2019년 송파구 송파구",
    "\x00\x01 송파구",
    "99999년 송파구 인구",
    "2019년 13월 송파구 전입",
]


@pytest.mark.parametrize("question", ODD_INPUT, ids=range(len(ODD_INPUT)))
def test_odd_input_gets_a_clear_answer(question):
    answer = ask(question)
    assert isinstance(answer, Answer) and answer.answer
    json.dumps(answer.to_json(), ensure_ascii=False)


def test_to_json():
    shown = ask("2017년 중구 재정자립도").to_json()
    assert {"answer", "value", "unit", "period", "place", "dataset"} <= set(shown)
    assert shown["value"] == 62.4 and shown["place"] == "중구" and shown["period"] == "2017년"
    assert shown["filters"]["gu"] == ["중구"]
    assert json.loads(json.dumps(shown, ensure_ascii=False)) == shown


# -- the measures, as the catalog declares them ------------------------------------------------


def test_every_measure_source_reads_real_columns():
    """The declared columns are in the ingested files, not only in the schema."""
    for measure in MEASURES:
        for source in measure.sources:
            assert source.dataset in LAYOUTS, source.dataset
            assert sd.describe(source.dataset)["loadable"], source.dataset
            columns = set(sd.load(source.dataset, limit=1).columns)
            named = [source.value, *(source.by_sex or {}).values(), *(source.ratio or ())[:2]]
            named = [c for c in named if c]  # a derived ratio has no column of its own
            named += [c for _, _, c in source.age_groups or ()]
            named += [c for c in (source.sex_rows, source.age_rows) if c]
            layout = LAYOUTS[source.dataset]
            named += [c for c in (layout.area, layout.time, layout.dong, layout.hour) if c]
            assert set(named) <= columns, (source.dataset, set(named) - columns)


def test_follow_up_questions_reuse_the_last_one(data_dir):
    import seoul_data as sd

    session = sd.search_session()
    first = sd.ask("2019년 송파구 인구는 몇 명이야?", session=session)
    assert first.value == 675961
    again = sd.ask("강남구는?", session=session)
    assert again.value == 545169 and again.place == "강남구" and "2019" in again.period
    later = sd.ask("2020년은?", session=session)
    assert later.value == 539231


def test_a_dong_per_household_figure_is_a_ratio_not_its_population():
    """세대당 인구 of one dong is computed from the ratio its dataset declares."""
    answer = ask("2020년 종로구 사직동 세대당 인구는?")
    assert answer.value == pytest.approx(2.002, abs=0.001)
    assert "population ÷ households" in answer.why
