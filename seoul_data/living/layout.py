"""The official layout of Seoul's living population files and our column names.

Official CSV (Seoul Open Data Plaza, 내국인): 기준일ID (YYYYMMDD), 시간대구분 (00–23), the area code
(행정동코드 8-digit MOIS; 집계구코드 13-digit KOSTAT in the 집계구 file), 총생활인구수, and 28 bands
남자0세부터9세생활인구수 … 여자70세이상생활인구수 (14 age bands × 2 sexes); small 집계구 cells are
suppressed as ``*``.
"""

from __future__ import annotations

#: The 14 age bands: (first age, last age or None for "and over").
AGES: tuple[tuple[int, int | None], ...] = (
    (0, 9), (10, 14), (15, 19), (20, 24), (25, 29), (30, 34), (35, 39), (40, 44),
    (45, 49), (50, 54), (55, 59), (60, 64), (65, 69), (70, None),
)  # fmt: skip # a table: the 14 bands, eight a row
SEXES = (("m", "남자"), ("f", "여자"))


def _age_key(first: int, last: int | None) -> str:
    return f"{first:02d}_{last:02d}" if last is not None else f"{first:02d}_plus"


def _age_label(first: int, last: int | None) -> str:
    return f"{first}세부터{last}세" if last is not None else f"{first}세이상"


#: Our band columns (m00_09 … f70_plus), in the official order (men's 14, then women's).
BANDS: tuple[str, ...] = tuple(f"{s}{_age_key(a, b)}" for s, _ in SEXES for a, b in AGES)
#: Official Korean column name → ours.
OFFICIAL: dict[str, str] = {
    "기준일ID": "date",
    "시간대구분": "hour",
    "행정동코드": "dong_code",
    "집계구코드": "oa_code",
    "총생활인구수": "total",
    **{
        f"{ko}{_age_label(a, b)}생활인구수": f"{s}{_age_key(a, b)}"
        for s, ko in SEXES
        for a, b in AGES
    },
}
#: Korean titles of our columns (charts, tables).
TITLES: dict[str, str] = {
    "date": "날짜",
    "hour": "시간대",
    "gu_code": "자치구코드",
    "dong_code": "행정동코드",
    "oa_code": "집계구코드",
    "total": "총생활인구",
    **{
        f"{s}{_age_key(a, b)}": f"{ko} {a}–{b}세" if b is not None else f"{ko} {a}세 이상"
        for s, ko in SEXES
        for a, b in AGES
    },
}
#: Age groups for charts (several bands summed), by Korean label.
AGE_GROUPS: dict[str, tuple[str, ...]] = {
    "0–19세": ("00_09", "10_14", "15_19"),
    "20–39세": ("20_24", "25_29", "30_34", "35_39"),
    "40–59세": ("40_44", "45_49", "50_54", "55_59"),
    "60세 이상": ("60_64", "65_69", "70_plus"),
}
