"""The twelve Data300 fields (분야) and the mapping from data.go.kr's categories."""

from __future__ import annotations

#: Data300's fields, in the seed's order.
FIELDS: tuple[str, ...] = (
    "교육",
    "교통",
    "도시관리",
    "문화/관광",
    "보건",
    "복지",
    "산업/경제",
    "안전",
    "일반행정",
    "주택/건설",
    "환경",
    "인구/가구",
)

#: data.go.kr 분류체계 (16 categories) → Data300 field, before the title rules below.
DATAGOKR_CATEGORIES: dict[str, str] = {
    "공공행정": "일반행정",
    "과학기술": "산업/경제",
    "교육": "교육",
    "교통물류": "교통",
    "국토관리": "도시관리",
    "농축수산": "산업/경제",
    "문화관광": "문화/관광",
    "법률": "일반행정",
    "보건의료": "보건",
    "사회복지": "복지",
    "산업고용": "산업/경제",
    "식품건강": "보건",
    "재난안전": "안전",
    "재정금융": "산업/경제",
    "통일외교안보": "일반행정",
    "환경기상": "환경",
}

# data.go.kr has no population or housing category: such datasets sit under 공공행정 or
# 국토관리. A title word moves them to the field staff would look in.
_TITLE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("인구/가구", ("인구", "세대", "가구", "출생", "사망", "혼인", "이혼", "전입", "전출")),
    ("주택/건설", ("주택", "아파트", "건축", "재개발", "재건축", "공동주택", "건설")),
)


def field_for_datagokr(category: str, title: str) -> str:
    """Data300 field of a data.go.kr record from its 분류체계 and its title."""
    for field, words in _TITLE_RULES:
        if any(word in title for word in words):
            return field
    try:
        return DATAGOKR_CATEGORIES[category]
    except KeyError:
        raise ValueError(f"unknown data.go.kr category {category!r}") from None
