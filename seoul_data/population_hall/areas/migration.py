"""인구이동: moves into and out of Seoul and each gu (KOSTAT 국내인구이동통계).

Monthly figures: Seoul 2024-01…2026-02, each gu 2024-01…2025-12; yearly figures are sums
of twelve months. Seoul's figures are its own, not the sum of the gu: a gu's moves include
moves between gu of Seoul.
"""

from __future__ import annotations

from functools import partial

from seoul_data.population_hall.formulas import count, ratio
from seoul_data.population_hall.model import Computation, Gap, Indicator, span
from seoul_data.population_hall.tables import MONTHLY_MIGRATION, YEARLY_MIGRATION

AREA = "인구이동"
_CITY_GU = ("city", "gu")
_SOURCES = "서울: city_migration_monthly의 {city}; 자치구: gu_migration_monthly의 {gu}"
_NOTE = "자치구 전입·전출에는 서울 안 다른 구와의 이동이 포함되어 25개 구의 합이 서울시 값과 다름."


def _monthly(column: str) -> tuple[Computation, ...]:
    return (
        Computation(MONTHLY_MIGRATION, partial(count, column=column), _CITY_GU, span(2024, 2026)),
    )


def _yearly(column: str) -> tuple[Computation, ...]:
    return (
        Computation(YEARLY_MIGRATION, partial(count, column=column), _CITY_GU, span(2024, 2025)),
    )


def _flow_gap(what: str) -> tuple[Gap, ...]:
    return (Gap(_CITY_GU, what),)


INDICATORS = (
    Indicator(
        id="migration.inbound_monthly",
        name="전입 인구 (월별)",
        area=AREA,
        unit="명",
        definition="한 달 동안 다른 지역에서 옮겨 와 전입 신고한 사람의 수.",
        formula=_SOURCES.format(city="inbound", gu="총전입"),
        computations=_monthly("inbound"),
        note=_NOTE,
    ),
    Indicator(
        id="migration.outbound_monthly",
        name="전출 인구 (월별)",
        area=AREA,
        unit="명",
        definition="한 달 동안 다른 지역으로 옮겨 간 사람의 수.",
        formula=_SOURCES.format(city="outbound", gu="총전출"),
        computations=_monthly("outbound"),
        note=_NOTE,
    ),
    Indicator(
        id="migration.net_monthly",
        name="순이동 (월별)",
        area=AREA,
        unit="명",
        definition="한 달 동안의 전입 인구에서 전출 인구를 뺀 값(음수면 순유출).",
        formula=_SOURCES.format(city="net (= inbound − outbound)", gu="순이동 (= 총전입 − 총전출)"),
        computations=_monthly("net"),
        note=_NOTE,
    ),
    Indicator(
        id="migration.inbound",
        name="연간 전입 인구",
        area=AREA,
        unit="명",
        definition="한 해 동안 전입한 사람의 수(12개월 합).",
        formula="Σ 1–12월 " + _SOURCES.format(city="inbound", gu="총전입"),
        computations=_yearly("inbound"),
        note="12개월이 다 있는 해만 계산(2026년은 2월까지라 제외). " + _NOTE,
    ),
    Indicator(
        id="migration.outbound",
        name="연간 전출 인구",
        area=AREA,
        unit="명",
        definition="한 해 동안 전출한 사람의 수(12개월 합).",
        formula="Σ 1–12월 " + _SOURCES.format(city="outbound", gu="총전출"),
        computations=_yearly("outbound"),
        note="12개월이 다 있는 해만 계산(2026년은 2월까지라 제외). " + _NOTE,
    ),
    Indicator(
        id="migration.net",
        name="연간 순이동",
        area=AREA,
        unit="명",
        definition="한 해 동안의 전입 인구에서 전출 인구를 뺀 값(12개월 합).",
        formula="Σ 1–12월 " + _SOURCES.format(city="net", gu="순이동"),
        computations=_yearly("net"),
        note="12개월이 다 있는 해만 계산(2026년은 2월까지라 제외). " + _NOTE,
    ),
    Indicator(
        id="migration.effectiveness",
        name="인구이동 효과율",
        area=AREA,
        unit="%",
        definition="전입과 전출을 합한 총이동 중 순이동이 차지하는 비율로, 이동이 인구 분포를 "
        "얼마나 바꾸는지 나타낸다(0이면 들고 난 수가 같음).",
        formula="net / (inbound + outbound) × 100, 연간 합 기준",
        computations=(
            Computation(
                YEARLY_MIGRATION,
                partial(ratio, numerator="net", denominator=("inbound", "outbound"), scale=100),
                _CITY_GU,
                span(2024, 2025),
            ),
        ),
        note=_NOTE,
    ),
    Indicator(
        id="migration.net_rate",
        name="순이동률",
        area=AREA,
        unit="명/인구 천 명",
        definition="한 해 순이동 인구를 연앙인구로 나눈 값에 1,000을 곱한 것.",
        formula="순이동 / 연앙인구 × 1,000",
        gaps=_flow_gap(
            "2024–2025년 주민등록인구(연앙인구)가 없음: 인구 자료는 2021년까지, "
            "이동 자료는 2024년부터"
        ),
    ),
    Indicator(
        id="migration.net_by_age",
        name="연령별 순이동 (청년층 등)",
        area=AREA,
        unit="명",
        definition="연령대별(예: 20–39세) 전입 인구에서 전출 인구를 뺀 값.",
        formula="연령대별 (전입 − 전출)",
        gaps=_flow_gap("연령별 전입·전출 인구(국내인구이동통계 연령별)가 없음"),
    ),
    Indicator(
        id="migration.by_reason",
        name="전입 사유별 인구",
        area=AREA,
        unit="명",
        definition="주택·직업·가족·교육 등 전입 사유별 전입 인구.",
        formula="전입 사유별 전입 인구 수",
        gaps=_flow_gap("전입 사유별 이동 통계(국내인구이동통계 이동사유)가 없음"),
    ),
    Indicator(
        id="migration.origin_destination",
        name="지역 간 이동 (전출지→전입지)",
        area=AREA,
        unit="명",
        definition="서울과 다른 시도(예: 경기도), 자치구와 자치구 사이를 오간 인구.",
        formula="전출지·전입지별 이동 인구 수",
        gaps=_flow_gap(
            "전출지·전입지별(OD) 이동 통계가 없음: 자료에는 지역별 전입·전출 총수만 있음"
        ),
    ),
)
