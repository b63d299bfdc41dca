"""The measures that direct answers know: where each comes from, at which level and period.

A declarative table read by :mod:`seoul_data.search.answers` (its docstring gives the rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["year", "quarter", "month", "hour"]
Level = Literal["city", "gu", "dong", "sido"]
CITY = "서울특별시"


# -- the declarative tables -------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where a dataset keeps its place and its time."""

    area: str | None  # the column naming the gu (or 서울특별시, or a 시도); None: the city
    time: str  # the column holding the period
    kind: Kind
    dong: str | None = None  # the column naming the dong
    dong_code: tuple[str, str] | None = None  # (column, geo code system of find_dong rows)
    hour: str | None = None  # the hour column, where the time column holds only the day


_DONG_YEARS = dict(area="gu", time="year", kind="year", dong="dong")
LAYOUTS: dict[str, Layout] = {
    "population.gu_resident_total": Layout("area", "year", "year"),
    "population.gu_resident_age_sex": Layout("gu", "year", "year"),
    "population.gu_resident_2017q1": Layout("gu", "period", "quarter"),
    "population.dong_resident_2021q2": Layout("gu", "period", "quarter", dong="dong"),
    "population.dong_households_density": Layout(
        **_DONG_YEARS, dong_code=("dong_code_kostat", "kostat7")
    ),
    "population.dong_age5": Layout(**_DONG_YEARS, dong_code=("dong_code_kostat", "kostat7")),
    "population.dong_births_cbr": Layout(**_DONG_YEARS, dong_code=("dong_code_kostat", "kostat7")),
    "population.gu_fiscal_independence": Layout("gu", "year", "year"),
    "population.sido_vital_stats": Layout("region", "year", "year"),
    "population.gu_migration_monthly": Layout("gu", "month", "month"),
    "population.city_migration_monthly": Layout(None, "month", "month"),
    "living.gu_hourly_2024h1": Layout("gu", "date", "hour", hour="hour"),
    "living.dong_hourly_week_20190304": Layout(
        None, "time", "hour", dong="dong_name", dong_code=("dong_code", "mois8")
    ),
    "living.dong_hourly_week_20200309": Layout(
        None, "time", "hour", dong="dong_name", dong_code=("dong_code", "mois8")
    ),
}

#: (first age, last age or None for open-ended, column)
AgeGroups = tuple[tuple[int, int | None, str], ...]
_AGE5: AgeGroups = (
    *((a, a + 4, f"age_{a}_{a + 4}") for a in range(0, 100, 5)),
    (100, None, "age_100_plus"),
)
_AGED65: AgeGroups = ((65, None, "aged_65_plus"),)
_DECADES: AgeGroups = tuple((10 * i, 10 * i + 9, f"a{i}") for i in range(1, 7))


@dataclass(frozen=True)
class Source:
    """One dataset that holds a measure, and how to read the measure from it."""

    dataset: str
    value: str  # the column of the value
    by_sex: dict[str, str] | None = None  # {'남': column, '여': column}
    sex_rows: str | None = None  # a column holding '남'/'여': rows are filtered
    age_rows: str | None = None  # a column of single-year ages (100 = 100세 이상)
    age_groups: AgeGroups | None = None
    ratio: tuple[str, str, float] | None = None  # numerator, denominator, scale: to combine
    note: str = ""  # what the figure is, said in the answer


@dataclass(frozen=True)
class Measure:
    """A value people ask for, the words that name it, and where it is found."""

    label: str
    words: tuple[str, ...]
    unit: str
    sources: tuple[Source, ...]
    additive: bool = True  # counts add up over places (and, for flows, over months)
    flow: bool = False  # a count over a period (births, moves), not a stock at a date
    hourly: bool = False  # living population: an hourly stock, averaged over the period


def _dong_density(column: str, **kw) -> Source:
    return Source("population.dong_households_density", column, **kw)


def _quarters(column: str, **kw) -> tuple[Source, Source]:
    return (
        Source("population.gu_resident_2017q1", column, **kw),
        Source("population.dong_resident_2021q2", column, **kw),
    )


def _sexes(prefix: str) -> dict[str, str]:
    return {"남": f"{prefix}_male", "여": f"{prefix}_female"}


def _vital(column: str) -> Source:
    return Source("population.sido_vital_stats", column, note="통계청 인구동향조사, 연간")


_KOREANS = "주민등록인구(한국인)"
_WITH_FOREIGNERS = "분기 말 기준, 등록외국인 포함"
MEASURES: tuple[Measure, ...] = (
    Measure("한국인 인구", ("한국인", "한국인 인구", "내국인", "내국인 인구"), "명", (
        *_quarters("korean_total", by_sex=_sexes("korean"), note="분기 말 기준"),
        Source("population.gu_resident_total", "population", note=_KOREANS),
        Source("population.gu_resident_age_sex", "population", sex_rows="sex", age_rows="age",
               note=_KOREANS),
        _dong_density("population", by_sex=_sexes("pop"), note=_KOREANS),
    )),
    Measure("등록외국인 수", ("외국인", "외국인 수", "외국인 인구", "등록외국인", "foreigners"),
            "명", _quarters("foreign_total", by_sex=_sexes("foreign"), note="분기 말 기준")),
    Measure("세대당 인구", ("세대당 인구", "세대당인구", "세대당", "세대원 수"), "명", (
        _dong_density("population", ratio=("population", "households", 1.0),
                      note="주민등록인구 ÷ 세대 수"),
        *_quarters("persons_per_household", ratio=("korean_total", "households", 1.0),
                   note="한국인 인구 ÷ 세대 수"),
    ), additive=False),
    Measure("세대 수", ("세대", "세대 수", "세대수", "households"), "세대", (
        _dong_density("households"), *_quarters("households", note="분기 말 기준"),
    )),
    Measure("인구밀도", ("인구밀도", "인구 밀도", "밀도", "density"), "명/km²", (
        _dong_density("density", ratio=("population", "area_km2", 1.0)),
    ), additive=False),
    Measure("면적", ("면적", "넓이", "area"), "km²", (_dong_density("area_km2"),)),
    Measure("합계출산율", ("합계출산율", "출산율", "fertility"), "명",
            (_vital("total_fertility_rate"),), additive=False),
    Measure("조출생률", ("조출생률", "출생률", "birth rate"), "명(인구 천 명당)", (
        _vital("crude_birth_rate"),
        Source("population.dong_births_cbr", "crude_birth_rate",
               ratio=("births", "midyear_pop", 1000.0)),
    ), additive=False),
    Measure("출생아 수", ("출생아", "출생아 수", "출생", "출산", "신생아", "births"), "명", (
        _vital("births"),
        Source("population.dong_births_cbr", "births", by_sex=_sexes("births")),
    ), flow=True),
    Measure("조사망률", ("조사망률", "사망률"), "명(인구 천 명당)",
            (_vital("crude_death_rate"),), additive=False),
    Measure("사망자 수", ("사망자", "사망자 수", "사망", "deaths"), "명", (_vital("deaths"),),
            flow=True),
    Measure("자연증가율", ("자연증가율", "자연 증가율"), "명(인구 천 명당)",
            (_vital("natural_increase_rate"),), additive=False),
    Measure("자연증가", ("자연증가", "자연 증가", "자연증가 수"), "명",
            (_vital("natural_increase"),), flow=True),
    Measure("조혼인율", ("조혼인율", "혼인율", "결혼율"), "건(인구 천 명당)",
            (_vital("crude_marriage_rate"),), additive=False),
    Measure("혼인 건수", ("혼인", "혼인 건수", "결혼", "marriages"), "건", (_vital("marriages"),),
            flow=True),
    Measure("조이혼율", ("조이혼율", "이혼율"), "건(인구 천 명당)",
            (_vital("crude_divorce_rate"),), additive=False),
    Measure("이혼 건수", ("이혼", "이혼 건수", "divorces"), "건", (_vital("divorces"),),
            flow=True),
    Measure("전입 인구", ("전입", "전입자", "전입 인구", "전입자 수", "들어온"), "명", (
        Source("population.gu_migration_monthly", "총전입"),
        Source("population.city_migration_monthly", "inbound"),
    ), flow=True),
    Measure("전출 인구", ("전출", "전출자", "전출 인구", "전출자 수", "나간"), "명", (
        Source("population.gu_migration_monthly", "총전출"),
        Source("population.city_migration_monthly", "outbound"),
    ), flow=True),
    Measure("순이동 인구", ("순이동", "순이동 인구", "순유입", "순전입", "net migration"), "명", (
        Source("population.gu_migration_monthly", "순이동"),
        Source("population.city_migration_monthly", "net"),
    ), flow=True),
    Measure("재정자립도", ("재정자립도", "재정 자립도", "자립도"), "%", (
        Source("population.gu_fiscal_independence", "fiscal_independence"),
    ), additive=False),
    Measure("생활인구", ("생활인구", "생활 인구", "유동인구", "living population"), "명", (
        Source("living.gu_hourly_2024h1", "population", note="시간대별 추정치의 평균"),
        *(Source(f"living.dong_hourly_week_{week}", "t", by_sex={"남": "m", "여": "f"},
                 age_groups=groups, note="시간대별 추정치의 평균")
          # the 2020 file has no 60대 column
          for week, groups in (("20190304", _DECADES), ("20200309", _DECADES[:5]))),
    ), hourly=True),
    # last: its word is the shortest and the most general
    Measure("인구", ("인구", "인구수", "주민등록인구", "주민등록 인구", "주민 수", "고령자",
                   "노인 인구", "어르신", "population"), "명", (
        Source("population.gu_resident_total", "population", note=_KOREANS),
        Source("population.gu_resident_age_sex", "population", sex_rows="sex", age_rows="age",
               note=_KOREANS),
        _dong_density("population", by_sex=_sexes("pop"), note=_KOREANS),
        Source("population.dong_age5", "population", age_groups=_AGE5, note=_KOREANS),
        *_quarters("pop_total", by_sex=_sexes("pop"), age_groups=_AGED65,
                   note=_WITH_FOREIGNERS),
    )),
)  # fmt: skip

#: Words that name a source: (pattern in the question, dataset metadata key, value it holds).
SOURCE_HINTS: tuple[tuple[str, str, str], ...] = (
    (r"통계청", "publisher", "통계청"),
    (r"행정안전부|행안부", "publisher", "행정안전부"),
    (r"인구\s*동태", "title", "인구동태"),
    (r"시도별", "title", "시도별"),
    (r"자치구별", "spatial", "gu"),
    (r"행정동\s*별|행정동\s*자료|동별", "spatial", "dong"),
    (r"주민등록", "title", "주민등록"),
    (r"열린\s*데이터", "provider", "열린데이터"),
)
#: Phrases that name a source and contain a measure word; removed before measures are read.
NOT_MEASURE = re.compile(r"인구\s*동태|인구\s*동향|인구\s*이동\s*통계")
#: Words asking for the sum of several places.
SUM_WORDS = re.compile(r"합계|합산|합쳐|더한|총합|전체|모두|\b합\b")
#: 시도 outside Seoul, as the vital statistics name them; the short names people write.
OTHER_REGIONS = {
    "부산": "부산광역시", "대구": "대구광역시", "인천": "인천광역시", "광주": "광주광역시",
    "대전": "대전광역시", "울산": "울산광역시", "세종": "세종특별자치시", "경기": "경기도",
    "강원": "강원도", "충북": "충청북도", "충청북": "충청북도", "충남": "충청남도",
    "충청남": "충청남도", "전북": "전라북도", "전라북": "전라북도", "전남": "전라남도",
    "전라남": "전라남도", "경북": "경상북도", "경상북": "경상북도", "경남": "경상남도",
    "경상남": "경상남도", "제주": "제주특별자치도",
}  # fmt: skip
#: Extra names of Population Hall indicators, beside their own names.
INDICATOR_WORDS = {
    "고령화율": "population_change.aged_share",
    "고령자 비율": "population_change.aged_share",
    "노인 비율": "population_change.aged_share",
    "1인 가구": "households.one_person_households",
    "독거노인": "households.elderly_living_alone",
}
