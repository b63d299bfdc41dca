"""The search index of the catalog: BM25 (bm25s) over kiwipiepy morphemes, plus what the
ranking rules need per dataset (its district, whether it is a translated version).

Built once per catalog state and kept in memory (about a second for Data300, well under a
minute for the 61k national list).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seoul_data.catalog import Catalog
from seoul_data.search.query import CONTENT_TAGS, kiwi, with_prefixed_nouns
from seoul_data.search.vocabulary import TITLE_MARKERS

#: How often each part of a dataset's description counts (a title word weighs most).
WEIGHTS = {"title": 3, "keywords": 2, "description": 1, "publisher": 1, "columns": 1}
_DISTRICT = re.compile(r"서울(?:특별시|시)?\s*[_ ]?\s*([가-힣]{1,4}구)")
_TRANSLATED = re.compile(r"영문|영어|중문|중국어|일문|일본어|english|chinese|japanese", re.I)
_SEOUL = {"서울", "서울특별시", "서울시"}
TITLE_BOOST = 1.0


@dataclass
class SearchIndex:
    ids: list[str]
    source_ids: list[str]
    titles: list[str]
    texts: list[str]
    publishers: list[str]
    fields: np.ndarray
    formats: np.ndarray
    access: np.ndarray
    #: the district a dataset belongs to ('' for city-wide ones)
    districts: np.ndarray
    translated: np.ndarray
    #: first and last year a dataset covers (0 where unknown)
    year_from: np.ndarray
    year_to: np.ndarray
    #: BM25 over everything, and over titles and keywords alone
    bm25: object
    title_bm25: object
    vocabulary: frozenset[str]
    #: each title's content words (for the title precision rule)
    title_terms: list[frozenset[str]]

    def __len__(self) -> int:
        return len(self.ids)

    @functools.cached_property
    def title_flags(self) -> dict[str, np.ndarray]:
        """Per-title word tests used by the ranking rules, computed once per index."""
        return {
            name: np.array([any(w in t for w in words) for t in self.titles])
            for name, words in TITLE_MARKERS.items()
        }

    @functools.cached_property
    def _words_by_initial(self) -> dict[str, list[str]]:
        words: dict[str, list[str]] = {}
        for word in self.vocabulary:
            if len(word) >= 2:
                words.setdefault(word[0], []).append(word)
        return words

    def correct(self, term: str) -> str | None:
        """The catalogue word closest to a word the catalogue does not have (a typo), by
        similarity of their letters (jamo); None when nothing is close."""
        if term in self.vocabulary or len(term) < 3:
            return None  # two letters are too few to tell a typo from another word
        candidates = [
            w for w in self._words_by_initial.get(term[0], ()) if abs(len(w) - len(term)) <= 1
        ]
        letters = {unicodedata.normalize("NFD", w): w for w in candidates}
        close = difflib.get_close_matches(
            unicodedata.normalize("NFD", term), list(letters), n=1, cutoff=0.8
        )
        return letters[close[0]] if close else None

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 of the whole description plus, weighted double, of the title alone: a long
        description must not bury a dataset whose title says exactly what was asked."""
        whole = np.asarray(self.bm25.get_scores(terms), dtype=float)
        return whole + TITLE_BOOST * np.asarray(self.title_bm25.get_scores(terms), dtype=float)


def document_terms(texts: list[str]) -> list[list[str]]:
    """Content morphemes of many texts at once (kiwipiepy's batch mode)."""
    result = []
    for tokens in kiwi().tokenize(texts):
        pairs = with_prefixed_nouns([(t.form, t.tag) for t in tokens])
        result.append(
            [form.lower() for form, tag in pairs if tag in CONTENT_TAGS and form not in _SEOUL]
        )
    return result


def build_index(catalog: Catalog) -> SearchIndex:
    """Index every catalog entry (loadable datasets and metadata-only links alike), once: a
    bundled dataset that names its data.go.kr record (the same ``source_id``, 목록키) is
    the one entry for both, the record is not listed again beside the data that loads."""
    import bm25s

    datasets = catalog.find()
    held = {d.source_id for d in datasets if d.loadable and d.source_id}
    datasets = [d for d in datasets if d.loadable or d.source_id not in held]
    parts = {name: [] for name in WEIGHTS}
    for d in datasets:
        parts["title"].append(d.title)
        parts["keywords"].append(" ".join(d.keywords))
        parts["description"].append(d.description[:1000])
        parts["publisher"].append(d.publisher)
        parts["columns"].append(" ".join(f.title or f.name for f in d.schema))
    terms = {name: document_terms(texts) for name, texts in parts.items()}
    corpus = [
        [term for name, weight in WEIGHTS.items() for term in terms[name][i] * weight]
        for i in range(len(datasets))
    ]
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index(corpus, show_progress=False)
    title_bm25 = bm25s.BM25(k1=1.2, b=0.75)
    title_bm25.index(
        [terms["title"][i] + terms["keywords"][i] for i in range(len(datasets))],
        show_progress=False,
    )
    return SearchIndex(
        ids=[d.id for d in datasets],
        source_ids=[d.source_id for d in datasets],
        titles=[d.title for d in datasets],
        texts=[
            f"{d.title} {d.description[:1000]} {' '.join(d.keywords)}".lower() for d in datasets
        ],
        publishers=[d.publisher for d in datasets],
        fields=np.array([d.field for d in datasets]),
        formats=np.array([d.format for d in datasets]),
        access=np.array([d.access for d in datasets]),
        districts=np.array([district_of(d.publisher, d.title) for d in datasets]),
        translated=np.array([bool(_TRANSLATED.search(d.title)) for d in datasets]),
        year_from=np.array([temporal_years(d.temporal)[0] for d in datasets]),
        year_to=np.array([temporal_years(d.temporal)[1] for d in datasets]),
        bm25=bm25,
        title_bm25=title_bm25,
        vocabulary=frozenset(t for doc in corpus for t in doc),
        title_terms=[frozenset(t) for t in terms["title"]],
    )


def temporal_years(temporal: str) -> tuple[int, int]:
    """First and last year of a DCAT temporal ('2010/2021', '2017-Q1', '2024-01/2025-12')."""
    years = [int(y) for y in re.findall(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)", temporal or "")]
    return (min(years), max(years)) if years else (0, 0)


def district_of(publisher: str, title: str) -> str:
    """The gu a dataset is about when its publisher (or title prefix) is a district office."""
    for text in (publisher, title[:20]):
        match = _DISTRICT.match(text.strip())
        if match and match.group(1) in _gu_names():
            return match.group(1)  # not '자치구' of '서울특별시_자치구 …'
    return ""


@functools.cache
def _gu_names() -> frozenset[str]:
    from seoul_data.geo import gu_table

    return frozenset(gu_table()["name_ko"])


def index_for(catalog: Catalog) -> SearchIndex:
    """The index of this catalog's current state (rebuilt when the catalog file changes)."""
    stat = Path(catalog.path).stat()
    return _cached(str(catalog.path), stat.st_mtime_ns, stat.st_size, catalog.readonly)


@functools.lru_cache(maxsize=4)
def _cached(path: str, mtime: int, size: int, readonly: bool) -> SearchIndex:
    return build_index(Catalog(Path(path).parent, readonly=readonly))
