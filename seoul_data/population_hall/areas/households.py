"""서울의 가구: registered households (세대) by year end and by quarter.

주민등록 세대 is an administrative unit, not the census household (가구): one household
may register as several 세대. Household-composition indicators need the census
(인구총조사) and are declared unsupported with what is missing.
"""

from __future__ import annotations

from functools import partial

from seoul_data.population_hall.formulas import count, ratio, yearly_change
from seoul_data.population_hall.model import Computation, Formula, Gap, Indicator, span
from seoul_data.population_hall.tables import DONG_DENSITY, QUARTER_SNAPSHOTS

AREA = "서울의 가구"
ALL_LEVELS = ("city", "gu", "dong")
_CENSUS = "통계청 인구총조사"
_GANGDONG_2021 = (
    "2021년 원자료에 강동구 강일동·상일1동·상일2동 행이 없어 2021년 강동구와 서울시 "
    "합계는 제공하지 않음(부분 합계를 내지 않음)."
)


def _households_and_quarters(
    measure_year_end: Formula, measure_quarter: Formula
) -> tuple[Computation, ...]:
    return (
        Computation(DONG_DENSITY, measure_year_end, ALL_LEVELS, span(2017, 2021)),
        Computation(QUARTER_SNAPSHOTS, measure_quarter, ALL_LEVELS, (2017, 2021)),
    )


def _census_gap(what: str) -> tuple[Gap, ...]:
    return (Gap(ALL_LEVELS, f"{what}({_CENSUS})가 없음"),)


INDICATORS = (
    Indicator(
        id="households.households",
        name="세대 수",
        area=AREA,
        unit="세대",
        definition="주민등록상 세대의 수. 인구총조사의 가구와 달리 한 가구가 여러 세대로 "
        "등록될 수 있다.",
        formula="households (연말: dong_households_density, 자치구·서울은 행정동 합; "
        "분기: gu_resident_2017q1·dong_resident_2021q2)",
        computations=_households_and_quarters(
            partial(count, column="households"), partial(count, column="households")
        ),
        note="연말 값(2017–2021년 12월)과 분기 값(2017년 1분기 자치구, 2021년 2분기 행정동)은 "
        "period로 구분. " + _GANGDONG_2021,
    ),
    Indicator(
        id="households.persons_per_household",
        name="세대당 인구",
        area=AREA,
        unit="명",
        definition="주민등록 인구(내국인)를 세대 수로 나눈 값으로, 한 세대에 평균 몇 명이 "
        "등록되어 있는지 나타낸다.",
        formula="population / households (연말); korean_total / households "
        "(분기, 원표의 세대당인구와 같음)",
        computations=_households_and_quarters(
            partial(ratio, numerator="population", denominator="households"),
            partial(ratio, numerator="korean_total", denominator="households"),
        ),
        note="세대는 내국인만 등록하므로 분모·분자 모두 내국인 기준. " + _GANGDONG_2021,
    ),
    Indicator(
        id="households.households_change",
        name="세대 수 증감",
        area=AREA,
        unit="세대",
        definition="연말 세대 수가 1년 전 연말보다 늘거나 준 수.",
        formula="households(t년 12월) − households(t−1년 12월), dong_households_density",
        computations=(
            Computation(
                DONG_DENSITY,
                partial(yearly_change, of=partial(count, column="households")),
                ALL_LEVELS,
                span(2018, 2021),
            ),
        ),
        note="행정동이 분할·통합된 해에는 해당 행정동의 증감이 없음. " + _GANGDONG_2021,
    ),
    Indicator(
        id="households.households_change_rate",
        name="세대 수 증감률",
        area=AREA,
        unit="%",
        definition="연말 세대 수의 1년 전 대비 증감 비율.",
        formula="(households(t) − households(t−1)) / households(t−1) × 100, "
        "dong_households_density",
        computations=(
            Computation(
                DONG_DENSITY,
                partial(yearly_change, of=partial(count, column="households"), percent=True),
                ALL_LEVELS,
                span(2018, 2021),
            ),
        ),
        note="행정동이 분할·통합된 해에는 해당 행정동의 증감률이 없음. " + _GANGDONG_2021,
    ),
    Indicator(
        id="households.one_person_share",
        name="1인 가구 비율",
        area=AREA,
        unit="%",
        definition="일반가구 중 가구원이 1명인 가구의 비율.",
        formula="1인 가구 수 / 일반가구 수 × 100",
        gaps=_census_gap("1인 가구 수: 가구원수별 가구 통계"),
    ),
    Indicator(
        id="households.one_person_households",
        name="1인 가구 수",
        area=AREA,
        unit="가구",
        definition="가구원이 1명인 일반가구의 수.",
        formula="가구원수 = 1인 일반가구 수",
        gaps=_census_gap("1인 가구 수: 가구원수별 가구 통계"),
    ),
    Indicator(
        id="households.elderly_living_alone",
        name="65세 이상 1인 가구 수 (독거노인)",
        area=AREA,
        unit="가구",
        definition="65세 이상 노인이 혼자 사는 일반가구의 수.",
        formula="가구주 65세 이상 · 가구원수 1인 일반가구 수",
        gaps=_census_gap("65세 이상 1인 가구 수: 가구주 연령별·가구원수별 가구 통계"),
    ),
    Indicator(
        id="households.elderly_head_share",
        name="고령자 가구 비율",
        area=AREA,
        unit="%",
        definition="가구주가 65세 이상인 가구가 일반가구에서 차지하는 비율.",
        formula="가구주 65세 이상 일반가구 수 / 일반가구 수 × 100",
        gaps=_census_gap("가구주 연령별 가구 통계"),
    ),
    Indicator(
        id="households.average_household_size",
        name="평균 가구원 수",
        area=AREA,
        unit="명",
        definition="일반가구의 가구원 수 합계를 일반가구 수로 나눈 값"
        "(주민등록 세대당 인구와 다름).",
        formula="일반가구원 수 / 일반가구 수",
        gaps=_census_gap("일반가구 수와 일반가구원 수"),
    ),
    Indicator(
        id="households.single_parent_share",
        name="한부모 가구 비율",
        area=AREA,
        unit="%",
        definition="일반가구 중 한부모와 미혼 자녀로 이루어진 가구의 비율.",
        formula="한부모 가구 수 / 일반가구 수 × 100",
        gaps=_census_gap("가구 유형(세대 구성)별 가구 통계"),
    ),
    Indicator(
        id="households.projected_households",
        name="장래 가구 수 (추계)",
        area=AREA,
        unit="가구",
        definition="현재 추세가 이어진다고 가정할 때 앞으로 연도별로 예상되는 가구 수.",
        formula="통계청 장래가구추계(시도)의 추계 가구 수",
        gaps=(Gap(("city",), "장래 가구 수: 통계청 장래가구추계(시도) 자료가 없음"),),
    ),
)
