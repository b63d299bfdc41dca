"""The words of questions that direct answers read beside measures and places: words that
name a source, that ask for a sum, and the other 시도 (see :mod:`seoul_data.search.answers`).

What a measure is and which datasets hold it is declared in the catalog (``[[measures]]``
and the schemas' ``measure`` columns, :mod:`seoul_data.catalog.meaning`), not here.
"""

from __future__ import annotations

import re

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
}  # fmt: skip # a table: short names and their 시도, in pairs
#: Extra names of Population Hall indicators, beside their own names.
INDICATOR_WORDS = {
    "고령화율": "population_change.aged_share",
    "고령자 비율": "population_change.aged_share",
    "노인 비율": "population_change.aged_share",
    "1인 가구": "households.one_person_households",
    "독거노인": "households.elderly_living_alone",
}
