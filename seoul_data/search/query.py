"""Understanding a Korean request: words (kiwipiepy morphemes), places, time, age and sex.

One parser serves the search, the direct answers and the conversation, so that a place or
a year is understood the same way everywhere.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date

from seoul_data import geo

#: Morpheme tags that carry meaning for retrieval: nouns, roots, foreign words, numbers,
#: verb and adjective stems.
CONTENT_TAGS = {"NNG", "NNP", "XR", "SL", "SH", "SN", "VV", "VA", "NR"}
#: Words of every request that say nothing about the data asked for.
STOPWORDS = {
    "데이터", "자료", "정보", "현황", "목록", "있", "알", "싶", "보", "하", "되", "주", "어디",
    "몇", "것", "거", "수", "곳", "좀", "관련", "알려주", "알리", "찾", "나오", "통계", "그중",
    "중", "만", "이", "그", "저", "때", "같", "등", "별로", "있는지", "위치", "어떻", "보여주",
    # every dataset here is Seoul's; time words are filters
    "서울", "서울시", "서울특별시", "이번", "달", "작년", "올해", "금년", "지난해", "재작년",
    "최근", "년", "월", "지난달", "말",
}  # fmt: skip # a word list: one word a line would fill a page
_MAX_QUERY = 500


@dataclass(frozen=True)
class Period:
    """A year range, optionally narrowed to a month or a quarter."""

    start: int
    end: int
    month: int | None = None
    quarter: int | None = None

    def label(self) -> str:
        if self.month:
            return f"{self.start}년 {self.month}월"
        if self.quarter:
            return f"{self.start}년 {self.quarter}분기"
        return f"{self.start}년" if self.start == self.end else f"{self.start}–{self.end}년"


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    #: content morphemes, lower-cased, in order
    terms: tuple[str, ...]
    gu: tuple[str, ...] = ()
    dong: tuple[dict, ...] = ()
    period: Period | None = None
    age: tuple[int, int | None] | None = None
    sex: str | None = None
    notes: tuple[str, ...] = field(default=())

    def filters(self) -> dict:
        """What was understood, in a form to show back to the user."""
        shown: dict = {}
        if self.gu:
            shown["gu"] = list(self.gu)
        if self.dong:
            shown["dong"] = [d["name_ko"] for d in self.dong]
        if self.period:
            shown["period"] = self.period.label()
            shown["years"] = [self.period.start, self.period.end]
        if self.age:
            low, high = self.age
            shown["age"] = f"{low}세 이상" if high is None else f"{low}–{high}세"
        if self.sex:
            shown["sex"] = self.sex
        return shown


@functools.cache
def kiwi():
    """The morphological analyser (kiwipiepy, its model loads offline; ~1 s, once)."""
    from kiwipiepy import Kiwi

    return Kiwi(num_workers=-1)  # batch analysis (index builds) on every core


def morphemes(text: str) -> list[tuple[str, str]]:
    """(form, tag) pairs of ``text``."""
    return [(t.form, t.tag) for t in kiwi().tokenize(text)]


def content_terms(tokens: list[tuple[str, str]]) -> list[str]:
    """Content words of a request; one-syllable verb stems (사, 하, 되) carry no topic."""
    return [
        form.lower()
        for form, tag in with_prefixed_nouns(tokens)
        if tag in CONTENT_TAGS
        and form.lower() not in STOPWORDS
        and form.strip()
        and not (tag in ("VV", "VA") and len(form) < 2)
    ]


def with_prefixed_nouns(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Tokens plus, for a noun prefix and its noun (재+개발, 초+미세, 폐+건전지), the prefixed
    noun itself: the prefix changes the meaning, so 재개발 must not match only 개발."""
    result = []
    for i, (form, tag) in enumerate(tokens):
        result.append((form, tag))
        if tag == "XPN" and i + 1 < len(tokens) and tokens[i + 1][1] in ("NNG", "NNP"):
            result.append((form + tokens[i + 1][0], "NNG"))
    return result


def parse(text: str, today: date | None = None) -> ParsedQuery:
    """Parse a request. Text past 500 characters is ignored (a request is a sentence)."""
    text = " ".join(str(text or "").split())[:_MAX_QUERY]
    if not text:
        return ParsedQuery(text="", terms=())
    today = today or date.today()
    tokens = morphemes(text)
    gu, dong = _places(text, tokens)
    notes = []
    if len(text) == _MAX_QUERY:
        notes.append("질의가 길어 앞부분 500자만 사용했습니다.")
    return ParsedQuery(
        text=text,
        terms=tuple(content_terms(tokens)),
        gu=gu,
        dong=dong,
        period=_period(text, today),
        age=_age(text),
        sex=_sex(text),
        notes=tuple(notes),
    )


_DONG = re.compile(r"[가-힣]{1,6}\d{0,2}(?:[·.]\d{1,2})?동")


def _places(text: str, tokens: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[dict, ...]]:
    gus: list[str] = []
    dongs: list[dict] = []
    # dong names written out in full ('화곡1동', '면목3·8동') first: kiwi splits them
    for written in _DONG.findall(text):
        for row in geo.find_dong(written):
            if row not in dongs:
                dongs.append(row)
    for form, tag in tokens:
        if tag not in ("NNP", "NNG", "SL", "SH"):
            continue
        name = geo.find_gu(form)
        if name and (form.endswith("구") or tag == "NNP" or form.lower() != form):
            if name not in gus:
                gus.append(name)
        elif tag == "NNP" and not dongs and len(form) > 1:
            # a proper noun that is a dong without '동' ('신촌'); common nouns ('공항') are not
            dongs.extend(row for row in geo.find_dong(form) if row not in dongs)
    # a dong names its gu ('화곡동' → 강서구) unless the gu was said
    for row in dongs:
        if row["gu_name_ko"] not in gus:
            gus.append(row["gu_name_ko"])
    return tuple(gus), tuple(dongs)


_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*년?")
_SHORT_YEAR = re.compile(r"(?<!\d)(\d{2})\s*년(?!\s*(?:간|동안|째))")
_MONTH = re.compile(r"(20\d{2}|19\d{2})\s*(?:년\s*(\d{1,2})\s*월|[.-]\s*(\d{1,2})(?![\d.]))")
_QUARTER = re.compile(r"(20\d{2}|19\d{2})\s*년\s*([1-4])\s*분기")
_RECENT = re.compile(r"최근\s*(\d{1,2})\s*년")
_RANGE = re.compile(r"(20\d{2}|19\d{2})\s*년?\s*(?:부터|~|-|–)\s*(20\d{2}|19\d{2})")


def _period(text: str, today: date) -> Period | None:
    if match := _QUARTER.search(text):
        return Period(int(match[1]), int(match[1]), quarter=int(match[2]))
    match = _MONTH.search(text)
    if match and 1 <= int(match[2] or match[3]) <= 12:
        return Period(int(match[1]), int(match[1]), month=int(match[2] or match[3]))
    if match := _RANGE.search(text):
        low, high = sorted((int(match[1]), int(match[2])))
        return Period(low, high)
    if match := _RECENT.search(text):
        return Period(today.year - int(match[1]) + 1, today.year)
    if "재작년" in text:
        return Period(today.year - 2, today.year - 2)
    if "작년" in text or "지난해" in text:
        return Period(today.year - 1, today.year - 1)
    if "올해" in text or "금년" in text:
        return Period(today.year, today.year)
    if "지난달" in text or "지난 달" in text:
        previous = date(today.year, today.month, 1).toordinal() - 1
        last = date.fromordinal(previous)
        return Period(last.year, last.year, month=last.month)
    if "이번 달" in text or "이번달" in text:
        return Period(today.year, today.year, month=today.month)
    if match := _YEAR.search(text):
        return Period(int(match[1]), int(match[1]))
    if match := _SHORT_YEAR.search(text):
        # '19년' is 2019 (a year up to this one), '98년' is 1998
        short = int(match[1])
        year = 2000 + short if 2000 + short <= today.year else 1900 + short
        return Period(year, year)
    return None


def _age(text: str) -> tuple[int, int | None] | None:
    if match := re.search(r"(\d{1,3})\s*세\s*이상", text):
        return int(match[1]), None
    if match := re.search(r"(\d{1,2})0\s*대", text):
        decade = int(match[1]) * 10
        return decade, decade + 9
    if any(word in text for word in ("어르신", "노인", "고령", "노년")):
        return 65, None
    if "청년" in text:
        return 19, 39
    if any(word in text for word in ("어린이", "유소년", "아동")):
        return 0, 14
    return None


def _sex(text: str) -> str | None:
    if any(word in text for word in ("여성", "여자")):
        return "여"
    if any(word in text for word in ("남성", "남자")):
        return "남"
    return None
