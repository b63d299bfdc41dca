"""Public-data vocabulary: words staff use and the words catalogues use for the same thing.

Each group is one concept; a query word from a group also searches for the others (at a
lower weight than the word itself). Groups are general vocabulary of Korean public data
(facilities, safety, population, transport, environment), not answers to particular
queries.
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
