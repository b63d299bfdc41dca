"""Korean natural-language, conversational data search (자연어 기반 대화형 검색).

import seoul_data as sd
session = sd.search_session()
sd.search("자전거 빌리는 곳 자료 있어?", session=session)
sd.search("그중 강남구만", session=session)
sd.ask("2019년 송파구 인구는 몇 명이야?")
"""

from __future__ import annotations

from datetime import date

from seoul_data.search.answers import Answer, ask
from seoul_data.search.conversation import Session
from seoul_data.search.engine import Hit, SearchResult, rank
from seoul_data.search.index import index_for
from seoul_data.search.query import parse


def search(
    query: str,
    k: int = 10,
    session: Session | None = None,
    *,
    field: str | None = None,
    provider: str | None = None,
    format: str | None = None,
    access: str | None = None,
    gu: str | None = None,
    today: date | None = None,
) -> SearchResult:
    """Search the catalog with a Korean request; with a ``session``, follow-ups refine it.

    field, provider, format, access, gu: facets (field is one of the 12 Data300 fields).
    """
    from seoul_data.load import open_catalog

    index = index_for(open_catalog())
    parsed = parse(query, today=today)
    if session is not None and session.wants_links(parsed.text):
        return _links(session)
    followed = False
    if session is not None:
        parsed, followed = session.resolve(parsed)
    facets = {"field": field, "provider": provider, "format": format, "access": access, "gu": gu}
    result = rank(index, parsed, k=max(1, min(int(k), 100)), facets=facets)
    if followed:
        result.notes.insert(0, f"이전 질문에 이어서 찾았습니다: {parsed.text}")
    if session is not None:
        session.record(parsed, result.hits)
    return result


def _links(session: Session) -> SearchResult:
    from seoul_data.load import open_catalog

    store = open_catalog()
    hits, notes = [], []
    for hit in session.last_hits:
        dataset = store.get(hit.id)
        link = dataset.landing_page or f'sd.load("{dataset.id}")'
        hits.append(Hit(hit.id, hit.source_id, hit.title, hit.score, [f"다운로드: {link}"]))
    if not hits:
        notes.append(
            "이전 검색 결과가 없어 링크를 드릴 수 없습니다. 먼저 찾을 데이터를 말씀해 주세요."
        )
    last = session.turns[-1]
    return SearchResult(last.text, last.filters(), hits, notes)


def search_session() -> Session:
    """A new conversation."""
    return Session()


__all__ = ["Answer", "Hit", "SearchResult", "Session", "ask", "search", "search_session"]
