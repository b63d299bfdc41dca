"""출생과 사망: births, fertility, deaths and natural increase.

Seoul's figures come from KOSTAT's 인구동향조사 by province (1990–2022); births by gu and
dong come from the dong birth table (2017–2021), whose Seoul sum differs a little from the
province figure (a different compilation), so Seoul's row is always the province figure.
Deaths exist for Seoul as a whole only.
"""

from __future__ import annotations

from functools import partial

from seoul_data.population_hall.formulas import age_ratio_per_capita, count, ratio, yearly_change
from seoul_data.population_hall.model import Computation, Gap, Indicator, span
from seoul_data.population_hall.tables import (
    BIRTHS_WITH_MIDYEAR,
    DONG_BIRTHS,
    VITAL,
    VITAL_WITH_MIDYEAR,
)

AREA = "출생과 사망"
_SEOUL_ONLY = span(1990, 2022)
_GU_DONG = ("gu", "dong")
_DEATHS_BY_GU = (
    Gap(_GU_DONG, "자치구·행정동별 사망자 수: 시군구별 인구동향조사(사망) 자료가 없음"),
)
_BIRTHS_NOTE = (
    "서울시 값은 인구동향조사 시도 집계, 자치구·행정동 값은 행정동 출생 자료로 서로 다른 "
    "집계여서 자치구 합이 서울시 값과 다름. 2021년 강동구 상일1동·상일2동 출생아 수가 "
    "결측이라 2021년 강동구 값(및 행정동 합 기준 서울 값)은 없음."
)
_WOMEN_15_49 = (15, 49)
_GENERAL_FERTILITY = partial(
    age_ratio_per_capita, column="births", band=_WOMEN_15_49, prefix="female_age_"
)
_BIRTHS_CHANGE_RATE = partial(yearly_change, of=partial(count, column="births"), percent=True)


def _seoul(column: str, years: tuple[int, ...] = _SEOUL_ONLY) -> Computation:
    return Computation(VITAL, partial(count, column=column), ("city",), years)


INDICATORS = (
    Indicator(
        id="vital.births",
        name="출생아 수",
        area=AREA,
        unit="명",
        definition="한 해 동안 태어난 아이의 수(국내 거주 출생아, 출생 신고 기준).",
        formula="births (서울: sido_vital_stats; 자치구·행정동: dong_births_cbr, "
        "자치구는 행정동 합)",
        computations=(
            _seoul("births"),
            Computation(DONG_BIRTHS, partial(count, column="births"), _GU_DONG, span(2017, 2021)),
        ),
        note=_BIRTHS_NOTE,
    ),
    Indicator(
        id="vital.total_fertility_rate",
        name="합계출산율",
        area=AREA,
        unit="명 (가임여성 1명당)",
        definition="한 여성이 가임기간(15–49세) 동안 낳을 것으로 예상되는 평균 출생아 수.",
        formula="total_fertility_rate (통계청 공표값 = Σ 모의 연령별 출산율, sido_vital_stats)",
        computations=(_seoul("total_fertility_rate", span(1993, 2022)),),
        gaps=(
            Gap(
                _GU_DONG,
                "자치구·행정동별 합계출산율: 모(母)의 연령별 출생아 수가 없음 "
                "(행정동 자료에는 출생아 총수만 있음)",
            ),
        ),
        note="1990–1992년은 원자료에 합계출산율이 없음('-').",
    ),
    Indicator(
        id="vital.crude_birth_rate",
        name="조출생률",
        area=AREA,
        unit="명/인구 천 명",
        definition="한 해의 출생아 수를 그 해 연앙인구로 나눈 값에 1,000을 곱한 것.",
        formula="crude_birth_rate (서울: 통계청 공표값); "
        "births / midyear_pop × 1,000 (자치구·행정동: dong_births_cbr)",
        computations=(
            _seoul("crude_birth_rate"),
            Computation(
                DONG_BIRTHS,
                partial(ratio, numerator="births", denominator="midyear_pop", scale=1000),
                _GU_DONG,
                span(2017, 2021),
            ),
        ),
        note=_BIRTHS_NOTE,
    ),
    Indicator(
        id="vital.general_fertility_rate",
        name="일반출산율",
        area=AREA,
        unit="명/15–49세 여자 천 명",
        definition="가임기(15–49세) 여자 인구 천 명당 한 해 출생아 수.",
        formula="births / ((여자 15–49세, t−1년 12월) + (t년 12월)) / 2 × 1,000; "
        "여자 인구는 gu_resident_age_sex (sex = 여)",
        computations=(
            Computation(
                VITAL_WITH_MIDYEAR,
                _GENERAL_FERTILITY,
                ("city",),
                span(2009, 2020),
            ),
            Computation(
                BIRTHS_WITH_MIDYEAR,
                _GENERAL_FERTILITY,
                ("gu",),
                span(2017, 2020),
            ),
        ),
        gaps=(Gap(("dong",), "행정동별 여자 연령별 인구가 없음 (5세별 인구는 남녀 합계만 있음)"),),
        note="분모는 주민등록 여자 인구의 전년 말·당해 말 평균(연앙인구 근사). 2021년은 "
        "자치구 인구가 8월 말까지만 있어 제외. " + _BIRTHS_NOTE,
    ),
    Indicator(
        id="vital.births_change_rate",
        name="출생아 수 증감률",
        area=AREA,
        unit="%",
        definition="출생아 수의 전년 대비 증감 비율.",
        formula="(births(t) − births(t−1)) / births(t−1) × 100",
        computations=(
            Computation(VITAL, _BIRTHS_CHANGE_RATE, ("city",), span(1991, 2022)),
            Computation(DONG_BIRTHS, _BIRTHS_CHANGE_RATE, _GU_DONG, span(2018, 2021)),
        ),
        note=_BIRTHS_NOTE,
    ),
    Indicator(
        id="vital.birth_sex_ratio",
        name="출생성비",
        area=AREA,
        unit="여아 100명당 남아 수",
        definition="한 해 태어난 여아 100명에 대한 남아의 수.",
        formula="births_male / births_female × 100 (dong_births_cbr; 자치구·서울은 행정동 합)",
        computations=(
            Computation(
                DONG_BIRTHS,
                partial(ratio, numerator="births_male", denominator="births_female", scale=100),
                ("city", "gu", "dong"),
                span(2017, 2021),
            ),
        ),
        note="출생아가 적은 행정동은 해마다 크게 흔들리므로 해석에 주의. 여아 출생이 0인 "
        "행정동은 값이 없음. " + _BIRTHS_NOTE,
    ),
    Indicator(
        id="vital.deaths",
        name="사망자 수",
        area=AREA,
        unit="명",
        definition="한 해 동안 사망한 사람의 수(국내 거주자, 사망 신고 기준).",
        formula="deaths (sido_vital_stats, region = 서울특별시)",
        computations=(_seoul("deaths"),),
        gaps=_DEATHS_BY_GU,
    ),
    Indicator(
        id="vital.crude_death_rate",
        name="조사망률",
        area=AREA,
        unit="명/인구 천 명",
        definition="한 해의 사망자 수를 그 해 연앙인구로 나눈 값에 1,000을 곱한 것.",
        formula="crude_death_rate (통계청 공표값 = deaths / 연앙인구 × 1,000)",
        computations=(_seoul("crude_death_rate"),),
        gaps=_DEATHS_BY_GU,
        note="인구 고령화의 영향을 받으므로 지역·연도 비교에는 연령표준화 사망률이 필요함.",
    ),
    Indicator(
        id="vital.natural_increase",
        name="자연증가",
        area=AREA,
        unit="명",
        definition="한 해의 출생아 수에서 사망자 수를 뺀 값(음수면 자연감소).",
        formula="natural_increase (= births − deaths, sido_vital_stats)",
        computations=(_seoul("natural_increase"),),
        gaps=_DEATHS_BY_GU,
    ),
    Indicator(
        id="vital.natural_increase_rate",
        name="자연증가율",
        area=AREA,
        unit="명/인구 천 명",
        definition="자연증가(출생−사망)를 연앙인구로 나눈 값에 1,000을 곱한 것.",
        formula="natural_increase_rate (통계청 공표값 = crude_birth_rate − crude_death_rate)",
        computations=(_seoul("natural_increase_rate"),),
        gaps=_DEATHS_BY_GU,
    ),
    Indicator(
        id="vital.mean_childbearing_age",
        name="평균 출산연령",
        area=AREA,
        unit="세",
        definition="한 해 출산한 여성의 평균 연령.",
        formula="Σ(모의 연령 × 출생아 수) / 출생아 수",
        gaps=(
            Gap(
                ("city", "gu"),
                "평균 출산연령: 모(母)의 연령별 출생아 수(인구동향조사 출생통계)가 없음",
            ),
        ),
    ),
    Indicator(
        id="vital.life_expectancy",
        name="기대수명",
        area=AREA,
        unit="세",
        definition="올해 태어난 아이가 현재의 연령별 사망률대로 살 때 기대되는 평균 생존 연수.",
        formula="생명표의 0세 기대여명",
        gaps=(
            Gap(
                ("city", "gu"),
                "기대수명: 연령별 사망자 수 또는 시도별 생명표(통계청)가 없음",
            ),
        ),
    ),
)
