"""혼인과 이혼: Seoul's marriages and divorces per calendar year (KOSTAT 인구동향조사).

The source is compiled by province (시도) only, so these indicators are for Seoul as a
whole; gu and dong values are declared missing.
"""

from __future__ import annotations

from functools import partial

from seoul_data.population_hall.formulas import age_ratio_per_capita, count, ratio, yearly_change
from seoul_data.population_hall.model import Computation, Formula, Gap, Indicator, span
from seoul_data.population_hall.tables import VITAL, VITAL_WITH_MIDYEAR

AREA = "혼인과 이혼"
_BY_GU = (
    Gap(
        ("gu", "dong"),
        "자치구·행정동별 혼인·이혼 건수: 시군구별 인구동향조사(혼인·이혼) 자료가 없음 "
        "(시도 단위만 있음)",
    ),
)
_ADULTS = (15, None)  # 15세 이상
_MIDYEAR_NOTE = (
    "분모는 주민등록 15세 이상 인구의 전년 말·당해 말 평균(연앙인구 근사)으로, 통계청 "
    "공표치(추계인구 기준)와 다를 수 있음. 2021년은 인구가 8월 말까지만 있어 제외."
)


def _seoul(measure: Formula, years: tuple[int, ...]) -> tuple[Computation, ...]:
    return (Computation(VITAL, measure, ("city",), years),)


def _general_rate(column: str) -> tuple[Computation, ...]:
    measure = partial(age_ratio_per_capita, column=column, band=_ADULTS)
    return (Computation(VITAL_WITH_MIDYEAR, measure, ("city",), span(2009, 2020)),)


INDICATORS = (
    Indicator(
        id="marriage.marriages",
        name="혼인 건수",
        area=AREA,
        unit="건",
        definition="한 해 동안 신고된 혼인 건수(남편 주소지 기준).",
        formula="marriages (sido_vital_stats, region = 서울특별시)",
        computations=_seoul(partial(count, column="marriages"), span(1990, 2022)),
        gaps=_BY_GU,
    ),
    Indicator(
        id="marriage.crude_marriage_rate",
        name="조혼인율",
        area=AREA,
        unit="건/인구 천 명",
        definition="한 해의 혼인 건수를 그 해 연앙인구로 나눈 값에 1,000을 곱한 것.",
        formula="crude_marriage_rate (통계청 공표값 = marriages / 연앙인구 × 1,000)",
        computations=_seoul(partial(count, column="crude_marriage_rate"), span(1990, 2022)),
        gaps=_BY_GU,
    ),
    Indicator(
        id="marriage.general_marriage_rate",
        name="일반혼인율",
        area=AREA,
        unit="건/15세 이상 인구 천 명",
        definition="15세 이상 인구 천 명당 혼인 건수로, 혼인할 수 있는 연령의 인구만 분모로 한다.",
        formula="marriages / ((age ≥ 15 인구, t−1년 12월) + (t년 12월)) / 2 × 1,000; "
        "gu_resident_age_sex 전 자치구 합",
        computations=_general_rate("marriages"),
        gaps=_BY_GU,
        note=_MIDYEAR_NOTE,
    ),
    Indicator(
        id="marriage.marriages_change_rate",
        name="혼인 건수 증감률",
        area=AREA,
        unit="%",
        definition="혼인 건수의 전년 대비 증감 비율.",
        formula="(marriages(t) − marriages(t−1)) / marriages(t−1) × 100",
        computations=_seoul(
            partial(yearly_change, of=partial(count, column="marriages"), percent=True),
            span(1991, 2022),
        ),
        gaps=_BY_GU,
    ),
    Indicator(
        id="marriage.divorces",
        name="이혼 건수",
        area=AREA,
        unit="건",
        definition="한 해 동안 신고된 이혼 건수(남편 주소지 기준).",
        formula="divorces (sido_vital_stats, region = 서울특별시)",
        computations=_seoul(partial(count, column="divorces"), span(1990, 2022)),
        gaps=_BY_GU,
    ),
    Indicator(
        id="marriage.crude_divorce_rate",
        name="조이혼율",
        area=AREA,
        unit="건/인구 천 명",
        definition="한 해의 이혼 건수를 그 해 연앙인구로 나눈 값에 1,000을 곱한 것.",
        formula="crude_divorce_rate (통계청 공표값 = divorces / 연앙인구 × 1,000)",
        computations=_seoul(partial(count, column="crude_divorce_rate"), span(1990, 2022)),
        gaps=_BY_GU,
    ),
    Indicator(
        id="marriage.general_divorce_rate",
        name="일반이혼율",
        area=AREA,
        unit="건/15세 이상 인구 천 명",
        definition="15세 이상 인구 천 명당 이혼 건수.",
        formula="divorces / ((age ≥ 15 인구, t−1년 12월) + (t년 12월)) / 2 × 1,000; "
        "gu_resident_age_sex 전 자치구 합",
        computations=_general_rate("divorces"),
        gaps=_BY_GU,
        note=_MIDYEAR_NOTE,
    ),
    Indicator(
        id="marriage.divorces_change_rate",
        name="이혼 건수 증감률",
        area=AREA,
        unit="%",
        definition="이혼 건수의 전년 대비 증감 비율.",
        formula="(divorces(t) − divorces(t−1)) / divorces(t−1) × 100",
        computations=_seoul(
            partial(yearly_change, of=partial(count, column="divorces"), percent=True),
            span(1991, 2022),
        ),
        gaps=_BY_GU,
    ),
    Indicator(
        id="marriage.divorce_marriage_ratio",
        name="혼인 대비 이혼 비율",
        area=AREA,
        unit="%",
        definition="같은 해 혼인 100건에 대한 이혼 건수.",
        formula="divorces / marriages × 100",
        computations=_seoul(
            partial(ratio, numerator="divorces", denominator="marriages", scale=100),
            span(1990, 2022),
        ),
        gaps=_BY_GU,
        note="같은 해에 이혼한 부부는 대부분 그 해 혼인한 부부가 아니므로 '이혼할 확률'이 아님.",
    ),
    Indicator(
        id="marriage.mean_age_first_marriage",
        name="평균 초혼연령",
        area=AREA,
        unit="세",
        definition="초혼인 남편(아내)의 혼인 신고 시 평균 연령.",
        formula="Σ(초혼 연령 × 초혼 건수) / 초혼 건수 (남·여 따로)",
        gaps=(
            Gap(
                ("city", "gu"),
                "평균 초혼연령: 혼인 종류(초혼·재혼)별·연령별 혼인 건수"
                "(인구동향조사 혼인통계)가 없음",
            ),
        ),
    ),
    Indicator(
        id="marriage.remarriage_share",
        name="재혼 비율",
        area=AREA,
        unit="%",
        definition="전체 혼인 중 남편 또는 아내가 재혼인 혼인의 비율.",
        formula="재혼 포함 혼인 건수 / 혼인 건수 × 100",
        gaps=(
            Gap(
                ("city", "gu"),
                "재혼 건수: 혼인 종류(초혼·재혼)별 혼인 건수(인구동향조사 혼인통계)가 없음",
            ),
        ),
    ),
)
