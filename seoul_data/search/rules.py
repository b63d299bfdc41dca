"""The ranking rules, one function each, applied in the order of ``RULES``.

A rule takes the request (what was asked, its search words and their concepts, the facets)
and the scores so far, one per dataset, and returns its effects: each adds a boost to the
scores or multiplies them by a factor, and says why in a few words. A hit's ``why`` names
every effect that moved its score and none that left it as it was (a boost of 0, a factor
of 1), so an explanation cannot leave out a rule or name one that did nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from seoul_data.search.index import SearchIndex
from seoul_data.search.query import ParsedQuery
from seoul_data.search.vocabulary import BREAKDOWN_WORDS, BREAKDOWNS, GENERIC_TITLE_WORDS

CONCEPT_WEIGHT = 0.7
COVERAGE = 0.5
TITLE_PRECISION = 0.5
TITLE_CANDIDATES = 300
OTHER_DISTRICT = 0.15
DISTRICT_WITHOUT_PLACE = 0.75
BY_DISTRICT = 1.5
BREAKDOWN = 1.3
COUNT = 1.3
PLACE_LIST = 1.3
TRANSLATED = 0.6
OUT_OF_PERIOD = 0.6
_COUNT_QUESTION = re.compile(r"몇\s*(명|대|개|건|곳|마리|호|가구|세대)|얼마나\s*많|개수|인원수")
_PLACE_QUESTION = re.compile(r"어디|위치|주소|목록|리스트|좌표|지도")


@dataclass(frozen=True)
class Request:
    """What the rules know of a request."""

    index: SearchIndex
    parsed: ParsedQuery
    #: the facets the user chose (only those with a value)
    facets: dict
    #: the request's search words, typos corrected
    terms: list[str]
    #: per search word, the words of its concept and the stem of a derived noun
    linked: dict[str, tuple[str, ...]]
    #: concept words that are not search words themselves (and the language model's)
    concepts: list[str]
    #: concept words standing in at full weight for words the catalogue never uses
    standins: list[str]
    _matches: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def term_scores(self) -> list[np.ndarray]:
        """BM25 of each search word alone."""
        return [self.index.scores([t]) for t in self.terms]

    def matches(self, word: str) -> np.ndarray:
        """Which datasets a word alone scores for (kept for the rules and the reasons)."""
        if word not in self._matches:
            self._matches[word] = self.index.scores([word]) > 0
        return self._matches[word]


@dataclass(frozen=True)
class Effect:
    """One rule's change to the scores: ``change`` added, or multiplied when ``factor``."""

    change: np.ndarray
    #: the reason shown in a hit's ``why``, or a function of the dataset's position for one
    reason: str | Callable[[int], str]
    factor: bool = True

    def apply(self, scores: np.ndarray) -> np.ndarray:
        return scores * self.change if self.factor else scores + self.change

    def moved(self, i: int) -> bool:
        """Whether this changed the score of dataset ``i``."""
        return bool(self.change[i] != (1.0 if self.factor else 0.0))

    def explain(self, i: int) -> str:
        return self.reason if isinstance(self.reason, str) else self.reason(i)


Rule = Callable[[Request, np.ndarray], Iterator[Effect]]


def words(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 1: each word of the request counts fully."""
    per_term = request.term_scores

    def reason(i: int) -> str:
        return "단어: " + ", ".join(
            t for t, s in zip(request.terms, per_term, strict=True) if s[i] > 0
        )

    yield Effect(np.sum(per_term, axis=0), reason, factor=False)


def concepts(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 1: the words of the request's concepts count less."""
    if request.concepts:
        yield Effect(
            CONCEPT_WEIGHT * request.index.scores(request.concepts),
            lambda i: "관련어: " + _matched(request, request.concepts, i),
            factor=False,
        )


def standins(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 1: a concept standing in for a word the catalogue never uses (혼자 → 독거), or a
    catalogue compound of two request words (독거노인), counts as much as a word."""
    if request.standins:
        wanted = list(dict.fromkeys(request.standins))
        yield Effect(
            (1 - CONCEPT_WEIGHT) * request.index.scores(wanted),
            lambda i: "대신 찾은 말: " + _matched(request, wanted, i),
            factor=False,
        )


def coverage(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 1: a dataset about all of the request beats one about a single word of it; a
    word counts as covered by itself or by a word of its concept (혼자 → 독거)."""
    if len(request.terms) < 2:
        return
    covered = [s > 0 for s in request.term_scores]
    for n, term in enumerate(request.terms):
        for c in request.linked.get(term, ()):
            covered[n] = covered[n] | request.matches(c)
    share = np.mean(covered, axis=0)
    count = len(request.terms)
    yield Effect(
        1 - COVERAGE + COVERAGE * share,
        lambda i: f"단어 범위: 요청한 말 {count}개 중 {round(share[i] * count)}개",
    )


def title_precision(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 9: the leading candidates scale by how much of their title the request asked
    for: a dataset about exactly that outranks one about a narrower aspect of it."""
    wanted = {*request.terms, *request.concepts, *request.standins}
    factor, named = np.ones(len(scores)), {}
    for i in np.argsort(-scores)[:TITLE_CANDIDATES]:
        if scores[i] <= 0:
            break
        topic = {
            w
            for w in request.index.title_terms[i]
            if w not in GENERIC_TITLE_WORDS and w not in BREAKDOWN_WORDS and len(w) > 1
        }
        if topic:
            named[i] = (sum(any(w in x or x in w for x in wanted) for w in topic), len(topic))
            share = named[i][0] / named[i][1]
            factor[i] = 1 - TITLE_PRECISION + TITLE_PRECISION * share
    yield Effect(factor, lambda i: f"제목 범위: 제목의 주제어 {named[i][1]}개 중 {named[i][0]}개")


def place(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 3: a named district keeps city-wide datasets and its own, pushes other districts'
    far down and ranks up city-wide tables by district; no named district prefers city-wide
    datasets to single-district ones."""
    index = request.index
    chosen = request.facets.get("gu")
    wanted = set(request.parsed.gu) | ({chosen} if chosen else set())
    district = index.districts != ""
    if not wanted:
        yield Effect(
            np.where(district, DISTRICT_WITHOUT_PLACE, 1.0),
            lambda i: f"장소: {index.districts[i]} 자료 (자치구 없는 요청: 서울시 전체 자료 우선)",
        )
        return
    other = district & ~np.isin(index.districts, list(wanted))
    by_district = ~district & index.title_flags["by_district"]
    own = district & ~other
    asked = ", ".join(sorted(wanted))

    def reason(i: int) -> str:
        if other[i]:
            return f"장소: 다른 자치구({index.districts[i]}) 자료"
        if own[i]:
            return f"장소: {index.districts[i]}"
        return f"장소: 서울시 자치구별 자료 ({asked} 포함)"

    yield Effect(np.select([other, own | by_district], [OTHER_DISTRICT, BY_DISTRICT], 1.0), reason)


def breakdowns(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 4: datasets whose title has a breakdown the request asks for rank up; naming a
    dong asks for 동별 data unless another breakdown is asked for."""
    parsed = request.parsed
    for breakdown in requested_breakdowns(parsed.text) or (["동별"] if parsed.dong else []):
        titled = request.index.title_flags[f"breakdown:{breakdown}"]
        yield Effect(np.where(titled, BREAKDOWN, 1.0), f"구분: {breakdown} 자료")


def question_kind(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 5: a request for a count prefers statistics tables, one for where things are or
    a list of them prefers lists and location data."""
    flags = request.index.title_flags
    if _COUNT_QUESTION.search(request.parsed.text):
        yield Effect(np.where(flags["statistics"], COUNT, 1.0), "질문: 수를 물어 통계 자료 우선")
    elif _PLACE_QUESTION.search(request.parsed.text):
        places = flags["places"] & ~flags["statistics_only"]
        yield Effect(np.where(places, PLACE_LIST, 1.0), "질문: 위치·목록을 물어 목록 자료 우선")


def translation(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 6: translated versions rank below the Korean original unless the request is in a
    foreign script."""
    if not any(ord(ch) < 0x3130 and ch.isalpha() for ch in request.parsed.text):
        translated = request.index.translated
        yield Effect(np.where(translated, TRANSLATED, 1.0), "번역본 (한국어 원본 우선)")


def period(request: Request, scores: np.ndarray) -> Iterator[Effect]:
    """Rule 8: a dataset known not to cover the years asked for ranks lower."""
    asked, index = request.parsed.period, request.index
    if not asked:
        return
    known = index.year_from > 0
    outside = known & ((index.year_to < asked.start) | (index.year_from > asked.end))

    def reason(i: int) -> str:
        first, last = int(index.year_from[i]), int(index.year_to[i])
        return f"기간: 자료는 {first}–{last}년 ({asked.label()} 없음)"

    yield Effect(np.where(outside, OUT_OF_PERIOD, 1.0), reason)


#: The rules in the order they apply (the order matters: title precision looks at the
#: leading candidates of the scores before it).
RULES: tuple[Rule, ...] = (
    words,
    concepts,
    standins,
    coverage,
    title_precision,
    place,
    breakdowns,
    question_kind,
    translation,
    period,
)


def requested_breakdowns(text: str) -> list[str]:
    """The breakdowns a request asks for (자치구별 and 시간별 in one request)."""
    compact, found = text.replace(" ", ""), []
    for word in sorted(BREAKDOWNS, key=len, reverse=True):
        if word in compact:
            found.append(word)
            compact = compact.replace(word, " ")
    return found


def _matched(request: Request, candidates: list[str], i: int) -> str:
    return ", ".join([w for w in candidates if request.matches(w)[i]][:5])
