"""Ranking: BM25 on the request's words and their concepts, then rules for place and
language, then the facets the user chose.

Rules (each general; those that score datasets are the functions of rules.py, applied in
order, and a hit's ``why`` names each that moved its score):

1. Words of the request count fully; words of the same concept (vocabulary.py, found inside
   the request's words even when the analyser splits them, like 스쿨존, but never across a
   space or as a single syllable inside another word; a part of a compound concept that is
   another request word's own concept counts for that word only: 혼자 → 독거노인 does not
   make 혼자 mean 노인) count less, analysed the way the
   catalogue is. Keywords from the optional language model (llm.py) count the same. A word
   the catalogue never uses is stood in for by its concept at full weight (혼자 → 독거).
   A dataset that matches more of the request's words ranks above one that matches a single
   word many times (coverage: half of the score scales with the share of words matched, a
   word being matched by itself or by a word of its concept).
2. A derived noun of a counted thing also looks for its stem (출생아 → 출생, 사망자 → 사망):
   catalogue titles name the topic, requests name the counted thing. Place nouns keep their
   meaning (유치원 is not 유치).
3. A request that names a district keeps city-wide datasets and that district's own, and
   pushes other districts' datasets far down; city-wide datasets broken down by district
   (자치구별, 구별) rank up, since they answer for that district. A request that names no
   district prefers city-wide datasets to single-district ones.
4. Breakdowns the request asks for (구별, 동별, 연도별, 월별, 시간대별; several at once) are
   not search words; datasets whose title has each breakdown rank up. Naming a dong asks for
   동별 data.
5. A request for a count (몇 명, 몇 대, 몇 개, 몇 건 …) prefers statistics and status
   tables (통계, 현황, 수량, 건수 in the title) to lists of records.
   A request for where things are or a list of them (어디, 위치, 주소, 목록) prefers lists and
   location data to statistics tables.
6. Translated versions (영문, 中文 …) rank below the Korean original unless the request is
   in a foreign script.
7. A word the catalogue does not have is read as its closest catalogue word when one is
   close enough (a typo: 화장싷 → 화장실), and the hit says so.
8. Years, places, age and sex are filters shown back to the user, not search words; a
   dataset known not to cover the years asked for ranks lower and says so.
9. A dataset whose title is about what was asked outranks one about a narrower aspect of it
   (title precision: half of the score scales with the share of the title's topic words the
   request or its concepts name; words like 현황, 정보, 통계 say what kind of table it is,
   and 성별, 연령, 행정동 how it is broken down: they do not count).
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np

from seoul_data.search import llm
from seoul_data.search.index import SearchIndex, document_terms
from seoul_data.search.query import ParsedQuery, parse
from seoul_data.search.rules import RULES, Effect, Request, requested_breakdowns
from seoul_data.search.vocabulary import RELATED

_DERIVATIONAL = ("아", "자", "수", "율", "률", "량")


@dataclass(frozen=True)
class Hit:
    id: str
    source_id: str
    title: str
    score: float
    why: list[str]


@dataclass(frozen=True)
class SearchResult:
    query: str
    filters: dict
    hits: list[Hit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: of a follow-up that narrowed the hits found before ("그중 강남구만"): per hit id, the
    #: structured filter of its rows (``sd.load(id, where=...)``; empty: all of them)
    narrowed: dict[str, list] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "filters": self.filters,
            "hits": [asdict(h) for h in self.hits],
            "notes": self.notes,
            "narrowed": self.narrowed,
        }


def rank(
    index: SearchIndex,
    parsed: ParsedQuery,
    *,
    k: int = 10,
    facets: dict | None = None,
) -> SearchResult:
    """Rank the index for a parsed request; ``facets`` narrows by field, format, access,
    provider (a substring of the publisher) and gu."""
    facets = {key: value for key, value in (facets or {}).items() if value}
    terms = search_terms(parsed)
    corrections = {t: c for t in terms if (c := index.correct(t))}
    terms = [corrections.get(t, t) for t in terms]
    filters = {**parsed.filters(), **facets}
    if not terms:
        note = "검색어를 이해하지 못했습니다. 찾는 데이터를 단어로 적어 주세요 (예: 따릉이 대여소)."
        return SearchResult(parsed.text, filters, [], [note, *parsed.notes])
    request = _request(index, parsed, facets, terms)
    scores, effects = np.zeros(len(index)), []
    for rule in RULES:
        for effect in rule(request, scores):
            scores = effect.apply(scores)
            effects.append(effect)
    scores = np.where(_facet_mask(index, facets), scores, 0.0)

    top = np.argsort(-scores, kind="stable")[:k]
    typo_note = [f"오타 교정: {a}→{b}" for a, b in corrections.items()]
    hits = [
        Hit(
            id=index.ids[i],
            source_id=index.source_ids[i],
            title=index.titles[i],
            score=round(float(scores[i]), 4),
            why=_why(effects, i) + typo_note,
        )
        for i in top
        if scores[i] > 0
    ]
    notes = list(parsed.notes)
    if not hits:
        notes.append(
            "조건에 맞는 데이터를 찾지 못했습니다. 다른 표현이나 더 넓은 조건으로 찾아 보세요."
        )
    return SearchResult(parsed.text, filters, hits, notes)


def _request(index: SearchIndex, parsed: ParsedQuery, facets: dict, terms: list[str]) -> Request:
    """What the rules need: the search words, their concepts (and the language model's
    keywords) and the stand-ins for words the catalogue never uses."""
    linked = _concepts(parsed.text, terms)
    concepts = [c for c in dict.fromkeys(c for cs in linked.values() for c in cs) if c not in terms]
    if llm.configured():
        suggested = _analysed(tuple(llm.rewrite(parsed.text)))
        concepts += [t for t in suggested if t not in terms and t not in concepts and len(t) > 1]
    # a request word the catalogue never uses is stood in for by its concept at full weight,
    # and so is a catalogue compound made of two of the request's words or their concepts
    standins = [c for t in terms if t not in index.vocabulary for c in linked.get(t, ())]
    standins += _compounds(index, terms, linked)
    return Request(index, parsed, facets, terms, linked, concepts, standins)


def _why(effects: list[Effect], i: int) -> list[str]:
    """The reasons of every effect that moved dataset ``i``'s score, in the order applied."""
    return [effect.explain(i) for effect in effects if effect.moved(i)]


def _concepts(text: str, terms: list[str]) -> dict[str, tuple[str, ...]]:
    """Per request word, the terms of its related words (rule 1) and the stem of a derived
    noun (rule 2). Vocabulary words are found inside the request's words (스쿨존 even when the
    analyser splits it), never across a space, and one-syllable ones only as whole words."""
    tokens = [t for t in re.split(r"[\s,.?!~]+", text.lower()) if t]
    words = {
        w for w in RELATED if (w in terms or any(w == t or (len(w) > 1 and w in t) for t in tokens))
    }
    linked: dict[str, list[str]] = {}
    whole: dict[str, set[str]] = {}  # per owner, concept terms that are whole words
    for word in sorted(words):
        related = RELATED[word] + ((word,) if word not in terms else ())
        found, single = [], set()
        for phrase in related:
            parts = [t for t in _analysed((phrase,)) if len(t) > 1 and not t.isdigit()]
            found += parts
            single |= set(parts) if len(parts) == 1 else set()
        owners = [t for t in terms if t in word or word in t] or [word]
        for owner in owners:
            linked.setdefault(owner, []).extend(found)
            whole.setdefault(owner, set()).update(single)
    # a part of a compound concept (노인 of 혼자 → 독거노인) that is another request word's
    # own concept (어르신 → 노인) covers that word, not this one
    for owner, found in linked.items():
        theirs = set().union(*(w for o, w in whole.items() if o != owner))
        linked[owner] = [t for t in found if t in whole[owner] or t not in theirs]
    for term in terms:
        if len(term) >= 3 and term.endswith(_DERIVATIONAL):
            linked.setdefault(term, []).append(term[:-1])
    return {owner: tuple(dict.fromkeys(found)) for owner, found in linked.items()}


@functools.lru_cache(maxsize=4096)
def _analysed(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for terms in document_terms(list(words)) for t in terms) if words else ()


def _compounds(index: SearchIndex, terms: list[str], linked: dict) -> list[str]:
    """Catalogue words made of two request words or their concepts (혼자 → 독거, 어르신 →
    노인: 독거노인), for the words the catalogue writes as one."""
    options = [(t, *linked.get(t, ())) for t in terms]
    return [
        a + b
        for i, first in enumerate(options)
        for j, second in enumerate(options)
        if i != j
        for a in first
        for b in second
        if a + b in index.vocabulary and a + b not in terms
    ]


def search_terms(parsed: ParsedQuery) -> list[str]:
    """Request words minus what became filters (places, years, breakdowns) — each once."""
    places = {g.lower() for g in parsed.gu} | {d["name_ko"] for d in parsed.dong}
    places |= {g[:-1] for g in parsed.gu}  # '강남' of '강남구'
    years = set()
    if parsed.period:
        years = {str(y) for y in range(parsed.period.start, parsed.period.end + 1)}
    breakdowns = requested_breakdowns(parsed.text)
    breakdown_words = {w[:-1] for w in breakdowns} | ({"구", "동", "별"} if breakdowns else set())
    seen, terms = set(), []
    for term in parsed.terms:
        if term in places or term in years or term in seen:
            continue
        if term.isdigit() and len(term) <= 2:
            continue  # '2분기', '3월', '20대' are filters
        if term in breakdown_words:
            continue  # '자치구별' is a breakdown, not the word 자치구
        seen.add(term)
        terms.append(term)
    return terms


def _facet_mask(index: SearchIndex, facets: dict) -> np.ndarray:
    mask = np.ones(len(index), dtype=bool)
    for name, column in (
        ("field", index.fields),
        ("format", index.formats),
        ("access", index.access),
    ):
        if facets.get(name):
            mask &= column == facets[name]
    if facets.get("provider"):
        mask &= np.array([facets["provider"] in p for p in index.publishers])
    return mask


def search_parsed_text(
    index: SearchIndex, text: str, k: int = 10, today: date | None = None, **facets
) -> SearchResult:
    """Parse and rank in one call (for benchmarks and tools without a session)."""
    return rank(index, parse(text, today=today), k=k, facets=facets)
