"""인구변화: the size, growth, density and age-sex structure of the resident population.

Seoul and gu values come from the KOSIS gu tables (year end; 2021 = end of August 2021);
dong values from the dong tables (year end, December 2021 included). Age shares use
single-year ages for Seoul and the gu, 5-year groups for the dongs.
"""

from __future__ import annotations

from functools import partial

from seoul_data.population_hall.formulas import (
    OLD_AGE,
    WORKING_AGE,
    YOUTH,
    Band,
    age_ratio,
    count,
    median_age,
    ratio,
    yearly_change,
)
from seoul_data.population_hall.model import Computation, Gap, Indicator, span
from seoul_data.population_hall.tables import (
    DONG_AGE_GROUPS,
    DONG_DENSITY,
    RESIDENT_TOTAL,
    SINGLE_YEAR_AGES,
)

AREA = "인구변화"
_CITY_GU = ("city", "gu")
_PERIODS = (
    "서울시·자치구 값은 연말 기준이나 2021년은 8월 말(period = 2021-08), 행정동 값은 "
    "2021년도 12월 말 기준."
)
_AGES_FORMULA = (
    "gu_resident_age_sex의 age(각세, 100 = 100세 이상)별 population (서울은 25개 구 합); "
    "행정동: dong_age5의 age_0_4 … age_100_plus"
)
_POPULATION = partial(count, column="population")


def _age_structure(
    numerator: tuple[Band, ...], denominator: tuple[Band, ...] | None = None
) -> tuple[Computation, ...]:
    """The same age ratio from single-year ages (Seoul, gu) and 5-year groups (dong)."""
    measure = partial(age_ratio, numerator=numerator, denominator=denominator)
    return (
        Computation(SINGLE_YEAR_AGES, measure, _CITY_GU, span(2008, 2021)),
        Computation(DONG_AGE_GROUPS, measure, ("dong",), span(2017, 2021)),
    )


def _population_change(percent: bool) -> tuple[Computation, ...]:
    measure = partial(yearly_change, of=_POPULATION, percent=percent)
    return (
        Computation(RESIDENT_TOTAL, measure, _CITY_GU, span(2011, 2020)),
        Computation(DONG_AGE_GROUPS, measure, ("dong",), span(2018, 2021)),
    )


def _single_year_only(what: str) -> tuple[Gap, ...]:
    return (Gap(("dong",), f"{what}: 행정동별 각세(1세 단위) 인구가 없음 (5세 단위만 있음)"),)


_CHANGE_NOTE = (
    "12개월 간격의 두 연말 사이에서만 계산: 2021년 8월 말 값은 2020년 12월과 비교하지 "
    "않음(서울시·자치구 2021년 없음). 행정동이 분할·통합된 해에는 해당 행정동 값이 없음."
)

INDICATORS = (
    Indicator(
        id="population_change.population",
        name="주민등록인구",
        area=AREA,
        unit="명",
        definition="주민등록표에 등록된 내국인 인구(외국인 제외).",
        formula="population (서울·자치구: gu_resident_total; 행정동: dong_age5)",
        computations=(
            Computation(RESIDENT_TOTAL, _POPULATION, _CITY_GU, span(2010, 2021)),
            Computation(DONG_AGE_GROUPS, _POPULATION, ("dong",), span(2017, 2021)),
        ),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.population_change",
        name="인구 증감",
        area=AREA,
        unit="명",
        definition="연말 주민등록인구가 1년 전 연말보다 늘거나 준 수.",
        formula="population(t년 12월) − population(t−1년 12월)",
        computations=_population_change(percent=False),
        note=_CHANGE_NOTE,
    ),
    Indicator(
        id="population_change.population_change_rate",
        name="인구 증감률",
        area=AREA,
        unit="%",
        definition="연말 주민등록인구의 1년 전 대비 증감 비율.",
        formula="(population(t) − population(t−1)) / population(t−1) × 100",
        computations=_population_change(percent=True),
        note=_CHANGE_NOTE,
    ),
    Indicator(
        id="population_change.population_density",
        name="인구밀도",
        area=AREA,
        unit="명/km²",
        definition="면적 1km²당 주민등록인구.",
        formula="population / area_km2 (dong_households_density; 자치구·서울은 행정동 합끼리 나눔)",
        computations=(
            Computation(
                DONG_DENSITY,
                partial(ratio, numerator="population", denominator="area_km2"),
                ("city", "gu", "dong"),
                span(2017, 2021),
            ),
        ),
        note="면적은 행정동 경계 도형으로 잰 값(공부상 면적과 조금 다름). 2021년 원자료에 "
        "강동구 강일동·상일1동·상일2동이 없어 2021년 강동구·서울시 값은 없음.",
    ),
    Indicator(
        id="population_change.sex_ratio",
        name="성비",
        area=AREA,
        unit="여자 100명당 남자 수",
        definition="여자 인구 100명에 대한 남자 인구의 수.",
        formula="남자 / 여자 × 100 (서울·자치구: gu_resident_age_sex의 sex별 population 합; "
        "행정동: pop_male / pop_female, dong_households_density)",
        computations=(
            Computation(
                SINGLE_YEAR_AGES,
                partial(ratio, numerator="male", denominator="female", scale=100),
                _CITY_GU,
                span(2008, 2021),
            ),
            Computation(
                DONG_DENSITY,
                partial(ratio, numerator="pop_male", denominator="pop_female", scale=100),
                ("dong",),
                span(2017, 2021),
            ),
        ),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.aged_share",
        name="고령인구 비율",
        area=AREA,
        unit="%",
        definition="전체 인구 중 65세 이상 인구의 비율(7% 이상 고령화사회, 14% 이상 "
        "고령사회, 20% 이상 초고령사회).",
        formula="Σ population(age ≥ 65) / Σ population × 100; " + _AGES_FORMULA,
        computations=_age_structure((OLD_AGE,)),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.youth_share",
        name="유소년 인구 비율",
        area=AREA,
        unit="%",
        definition="전체 인구 중 0–14세 인구의 비율.",
        formula="Σ population(0 ≤ age ≤ 14) / Σ population × 100; " + _AGES_FORMULA,
        computations=_age_structure((YOUTH,)),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.working_age_share",
        name="생산가능인구 비율",
        area=AREA,
        unit="%",
        definition="전체 인구 중 15–64세 인구의 비율.",
        formula="Σ population(15 ≤ age ≤ 64) / Σ population × 100; " + _AGES_FORMULA,
        computations=_age_structure((WORKING_AGE,)),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.aging_index",
        name="노령화지수",
        area=AREA,
        unit="유소년 인구 100명당 명",
        definition="유소년 인구(0–14세) 100명에 대한 고령인구(65세 이상)의 수.",
        formula="Σ population(age ≥ 65) / Σ population(age ≤ 14) × 100; " + _AGES_FORMULA,
        computations=_age_structure((OLD_AGE,), (YOUTH,)),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.old_age_dependency",
        name="노년부양비",
        area=AREA,
        unit="생산가능인구 100명당 명",
        definition="생산가능인구(15–64세) 100명이 부양하는 고령인구(65세 이상)의 수.",
        formula="Σ population(age ≥ 65) / Σ population(15–64) × 100; " + _AGES_FORMULA,
        computations=_age_structure((OLD_AGE,), (WORKING_AGE,)),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.youth_dependency",
        name="유소년부양비",
        area=AREA,
        unit="생산가능인구 100명당 명",
        definition="생산가능인구(15–64세) 100명이 부양하는 유소년 인구(0–14세)의 수.",
        formula="Σ population(age ≤ 14) / Σ population(15–64) × 100; " + _AGES_FORMULA,
        computations=_age_structure((YOUTH,), (WORKING_AGE,)),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.total_dependency",
        name="총부양비",
        area=AREA,
        unit="생산가능인구 100명당 명",
        definition="생산가능인구(15–64세) 100명이 부양하는 유소년·고령인구의 수"
        "(유소년부양비 + 노년부양비).",
        formula="(Σ population(age ≤ 14) + Σ population(age ≥ 65)) / Σ population(15–64) × 100; "
        + _AGES_FORMULA,
        computations=_age_structure((YOUTH, OLD_AGE), (WORKING_AGE,)),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.median_age",
        name="중위연령",
        area=AREA,
        unit="세",
        definition="전체 인구를 나이 순으로 줄 세웠을 때 한가운데 있는 사람의 나이.",
        formula="각세 x를 [x, x+1) 구간으로 보고 x + (인구/2 − x세 미만 인구) / x세 인구; "
        "gu_resident_age_sex (100 = 100세 이상, 서울은 25개 구 합)",
        computations=(Computation(SINGLE_YEAR_AGES, median_age, _CITY_GU, span(2008, 2021)),),
        gaps=_single_year_only("행정동 중위연령"),
        note=_PERIODS,
    ),
    Indicator(
        id="population_change.young_adult_share",
        name="청년인구 비율 (19–39세)",
        area=AREA,
        unit="%",
        definition="전체 인구 중 19–39세 인구의 비율(「서울특별시 청년 기본 조례」의 청년 연령).",
        formula="Σ population(19 ≤ age ≤ 39) / Σ population × 100; gu_resident_age_sex",
        computations=(
            Computation(
                SINGLE_YEAR_AGES,
                partial(age_ratio, numerator=((19, 39),)),
                _CITY_GU,
                span(2008, 2021),
            ),
        ),
        gaps=_single_year_only("행정동 19–39세 인구"),
        note=_PERIODS,
    ),
)
