"""외국인: registered foreign residents, from the two quarterly snapshots the data has.

2017 Q1 gives the 25 gu (등록외국인), 2021 Q2 the dongs (외국인); there is no series of
consecutive years, so no change over time is computed.
"""

from __future__ import annotations

from functools import partial

from seoul_data.population_hall.formulas import count, location_quotient, ratio, share_of_seoul
from seoul_data.population_hall.model import Computation, Formula, Gap, Indicator, Level
from seoul_data.population_hall.tables import QUARTER_SNAPSHOTS

AREA = "외국인"
_ALL_LEVELS: tuple[Level, ...] = ("city", "gu", "dong")
_SOURCES = "gu_resident_2017q1 (2017년 1분기, 자치구) · dong_resident_2021q2 (2021년 2분기, 행정동)"
_NOTE = (
    "두 시점뿐: 2017년 1분기(자치구, 원표 '등록외국인')와 2021년 2분기(행정동, 원표 '외국인'). "
    "자치구·서울 값은 행정동(자치구) 합."
)
_FOREIGN = partial(count, column="foreign_total")


def _snapshots(
    measure: Formula, levels: tuple[Level, ...] = _ALL_LEVELS
) -> tuple[Computation, ...]:
    return (Computation(QUARTER_SNAPSHOTS, measure, levels, (2017, 2021)),)


def _gap(what: str) -> tuple[Gap, ...]:
    return (Gap(_ALL_LEVELS, what),)


INDICATORS = (
    Indicator(
        id="foreigners.residents",
        name="외국인 수",
        area=AREA,
        unit="명",
        definition="주민등록인구 통계에 함께 집계된 등록외국인의 수.",
        formula=f"foreign_total; {_SOURCES}",
        computations=_snapshots(_FOREIGN),
        note=_NOTE,
    ),
    Indicator(
        id="foreigners.share",
        name="외국인 비율",
        area=AREA,
        unit="%",
        definition="내국인과 외국인을 합한 인구 중 외국인의 비율.",
        formula=f"foreign_total / pop_total × 100; {_SOURCES}",
        computations=_snapshots(
            partial(ratio, numerator="foreign_total", denominator="pop_total", scale=100)
        ),
        note=_NOTE,
    ),
    Indicator(
        id="foreigners.sex_ratio",
        name="외국인 성비",
        area=AREA,
        unit="여자 100명당 남자 수",
        definition="외국인 여자 100명에 대한 외국인 남자의 수.",
        formula=f"foreign_male / foreign_female × 100; {_SOURCES}",
        computations=_snapshots(
            partial(ratio, numerator="foreign_male", denominator="foreign_female", scale=100)
        ),
        note=_NOTE + " 외국인 여자가 0명인 행정동은 값이 없음.",
    ),
    Indicator(
        id="foreigners.seoul_share",
        name="서울 외국인 중 비중",
        area=AREA,
        unit="%",
        definition="서울에 사는 외국인 중 해당 자치구(행정동)에 사는 외국인의 비율.",
        formula=f"foreign_total(지역) / foreign_total(서울) × 100; {_SOURCES}",
        computations=_snapshots(partial(share_of_seoul, of=_FOREIGN), ("gu", "dong")),
        note=_NOTE,
    ),
    Indicator(
        id="foreigners.location_quotient",
        name="외국인 입지계수",
        area=AREA,
        unit="배",
        definition="지역의 외국인 비율을 서울 전체의 외국인 비율로 나눈 값으로, 1보다 크면 "
        "외국인이 서울 평균보다 모여 사는 곳이다.",
        formula="(foreign_total / pop_total)(지역) / (foreign_total / pop_total)(서울); "
        + _SOURCES,
        computations=_snapshots(
            partial(location_quotient, numerator="foreign_total", denominator="pop_total"),
            ("gu", "dong"),
        ),
        note=_NOTE,
    ),
    Indicator(
        id="foreigners.by_nationality",
        name="국적별 외국인 수",
        area=AREA,
        unit="명",
        definition="중국(한국계 포함)·베트남·미국 등 국적별 등록외국인 수.",
        formula="국적별 등록외국인 수",
        gaps=_gap("국적별 등록외국인 통계(법무부 등록외국인 현황)가 없음"),
    ),
    Indicator(
        id="foreigners.by_status",
        name="체류자격별 외국인 수",
        area=AREA,
        unit="명",
        definition="결혼이민·취업·유학·재외동포 등 체류자격별 외국인 수.",
        formula="체류자격별 등록외국인 수",
        gaps=_gap("체류자격별 등록외국인 통계(법무부 출입국·외국인정책 통계)가 없음"),
    ),
    Indicator(
        id="foreigners.foreign_residents",
        name="외국인주민 수",
        area=AREA,
        unit="명",
        definition="외국인(90일 초과 체류)에 한국 국적 취득자와 외국인주민 자녀를 더한 수.",
        formula="외국인 + 국적취득자 + 외국인주민 자녀",
        gaps=_gap("행정안전부 「지방자치단체 외국인주민 현황」 자료가 없음"),
    ),
    Indicator(
        id="foreigners.multicultural_births",
        name="다문화 출생아 비율",
        area=AREA,
        unit="%",
        definition="한 해 출생아 중 부모의 한쪽 이상이 외국인 또는 귀화자인 출생아의 비율.",
        formula="다문화 출생아 수 / 출생아 수 × 100",
        gaps=(Gap(("city", "gu"), "다문화 출생 통계(통계청 다문화 인구동태통계)가 없음"),),
    ),
    Indicator(
        id="foreigners.residents_change_rate",
        name="외국인 수 증감률",
        area=AREA,
        unit="%",
        definition="외국인 수의 전년 같은 시점 대비 증감 비율.",
        formula="(foreign_total(t) − foreign_total(t−1)) / foreign_total(t−1) × 100",
        gaps=_gap(
            "1년 간격의 외국인 통계가 없음: 2017년 1분기(자치구)와 2021년 2분기(행정동) 두 시점뿐"
        ),
    ),
)
