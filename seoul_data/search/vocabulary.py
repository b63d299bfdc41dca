"""Public-data vocabulary: words staff use and the words catalogues use for the same thing.

Each group is one concept; a query word from a group also searches for the others (at a
lower weight than the word itself). Groups are general vocabulary of Korean public data
(facilities, safety, population, transport, environment), not answers to particular
queries.

Also the words catalogue titles use to say what kind of table a dataset is and how it is
broken down: the index tests each title for them once, and the ranking rules use the tests.
"""

from __future__ import annotations

CONCEPTS: tuple[tuple[str, ...], ...] = (
    # transport
    ("따릉이", "공공자전거", "자전거"),
    ("전기차", "ev", "전기자동차"),
    ("충전소", "충전기", "충전시설"),
    ("택시", "택시승강장", "승강장"),
    ("주정차", "주차", "불법주차"),
    ("승하차", "승차", "하차", "이용객", "승객"),
    ("지하철", "도시철도", "전철"),
    ("버스", "시내버스", "정류소", "정류장"),
    ("스쿨존", "어린이보호구역", "보호구역"),
    # environment
    ("미세먼지", "대기질", "대기오염", "pm10", "먼지"),
    ("초미세먼지", "pm2.5", "미세먼지"),
    ("수질", "물", "하천"),
    ("쓰레기", "폐기물"),
    ("건전지", "폐건전지", "전지"),
    ("가로수", "수목", "나무"),
    # safety
    ("더위", "폭염", "무더위", "무더위쉼터"),
    ("추위", "한파", "한파쉼터"),
    ("대피소", "대피", "대피시설", "구호소", "구호시설"),
    ("cctv", "방범", "카메라"),
    ("비상벨", "안심벨"),
    ("제설함", "제설", "염화칼슘"),
    ("설치", "깔리"),
    ("화재", "불", "소방"),
    ("귀가", "안심귀가", "스카우트"),
    # welfare and health
    ("어르신", "노인", "고령", "고령자", "경로당"),
    ("독거", "혼자", "홀몸", "1인", "독거노인"),
    ("수급자", "기초생활", "기초생활수급자", "생활보장"),
    ("약국", "휴일지킴이", "심야약국"),
    ("코로나", "코로나19", "확진자", "감염병"),
    ("흡연", "흡연구역", "흡연시설", "흡연부스"),
    ("반려견", "반려동물", "동물등록", "개"),
    # population
    ("인구", "주민등록인구", "주민"),
    ("출생", "출생아", "출산"),
    ("사망", "사망자"),
    ("외국인", "등록외국인", "외국인주민"),
    ("가구", "세대", "가구원"),
    ("통장", "반장", "통반장"),
    ("유동인구", "생활인구"),
    # economy and housing
    ("실거래가", "거래", "매매", "부동산"),
    ("빈집", "공가"),
    ("임대주택", "공공임대", "임대"),
    ("재개발", "재건축", "정비사업", "정비구역"),
    ("상권", "골목상권", "매출"),
    ("착한가격", "착한가격업소"),
    ("재정자립도", "재정"),
    # education and culture
    ("학원", "교습소"),
    ("유치원", "어린이집"),
    ("도서관", "구립도서관", "공공도서관"),
    ("공연", "축제", "문화행사", "행사"),
    ("궁궐", "고궁", "4대궁", "궁", "경복궁", "창덕궁", "덕수궁", "창경궁", "종묘"),
    ("관람객", "관람인원", "방문객", "입장객", "이용객"),
    ("와이파이", "wifi", "무선인터넷"),
    ("화장실", "공중화장실"),
)


def _related() -> dict[str, tuple[str, ...]]:
    related: dict[str, set[str]] = {}
    for group in CONCEPTS:
        for word in group:
            related.setdefault(word, set()).update(w for w in group if w != word)
    return {word: tuple(sorted(others)) for word, others in related.items()}


RELATED: dict[str, tuple[str, ...]] = _related()

#: Title words that say what kind of table a dataset is, not what it is about.
GENERIC_TITLE_WORDS = frozenset({
    "현황", "정보", "통계", "목록", "데이터", "자료", "서비스", "조회", "관련", "제공", "내역",
    "기준", "서울특별시", "서울시", "서울", "특별시",
})  # fmt: skip # a word list: one word a line would fill a page
_HOURLY = ("시간대", "시간별", "시간평균", "시간 평균")
#: Breakdowns a request can ask for, and how catalogue titles write them.
BREAKDOWNS = {
    "구별": ("구별", "자치구"), "자치구별": ("구별", "자치구"),
    "동별": ("동별", "행정동"), "행정동별": ("동별", "행정동"),
    "연도별": ("연도별", "년도별", "연별"), "년도별": ("연도별", "년도별", "연별"),
    "월별": ("월별",), "시간대별": _HOURLY, "시간별": _HOURLY,
    "요일별": ("요일",), "연령별": ("연령",), "성별": ("성별",),
}  # fmt: skip # a table: each line pairs related requests
#: Title words that say how a table is broken down (성별, 연령별), not what it is about.
BREAKDOWN_WORDS = frozenset(w for forms in BREAKDOWNS.values() for w in forms) | {"연령"}
#: Title words the ranking rules test, by name (the index precomputes them per title).
TITLE_MARKERS = {
    "statistics": ("통계", "현황", "수량", "건수", "인원"),
    "places": ("위치", "정보", "목록", "주소", "좌표", "현황"),
    "statistics_only": ("통계",),
    "by_district": ("자치구", "구별"),
    **{f"breakdown:{word}": forms for word, forms in BREAKDOWNS.items()},
}
