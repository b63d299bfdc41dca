"""Korean natural-language, conversational data search (자연어 기반 대화형 검색).

import seoul_data as sd
session = sd.search_session()
sd.search("자전거 빌리는 곳 자료 있어?", session=session)
sd.search("그중 강남구만", session=session)   # the datasets found, narrowed to 강남구
sd.ask("2019년 송파구 인구는 몇 명이야?")
"""

from __future__ import annotations

from datetime import date

from seoul_data.search.answers import Answer, ask
from seoul_data.search.conversation import Session
from seoul_data.search.engine import Hit, SearchResult, rank, search_terms
from seoul_data.search.index import index_for
from seoul_data.search.narrowing import Conditions, load_call, narrow_hits, wants_narrowing
from seoul_data.search.query import parse
from seoul_data.search.rules import requested_breakdowns


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

    A follow-up that only names a place or a period ("그중 2020년만") narrows the datasets
    found before to their rows of that place and period (``narrowed`` of the result: the
    structured filter of each kept hit's rows), or says why it cannot.
    field, provider, format, access, gu: facets (field is one of the 12 Data300 fields).
    """
    from seoul_data.load import open_catalog

    index = index_for(open_catalog())
    parsed = parse(query, today=today)
    if session is not None and session.wants_links(parsed.text):
        return _links(session)
    followed = False
    if session is not None:
        asked = parsed
        parsed, followed = session.resolve(parsed)
        if followed and session.found:
            breakdowns = requested_breakdowns(asked.text)
            if wants_narrowing(asked, search_terms(asked), breakdowns):
                return _narrowed(session, parsed)
    facets = {"field": field, "provider": provider, "format": format, "access": access, "gu": gu}
    result = rank(index, parsed, k=max(1, min(int(k), 100)), facets=facets)
    if followed:
        result.notes.insert(0, f"이전 질문에 이어서 찾았습니다: {parsed.text}")
    if session is not None:
        session.record(parsed, result.hits)
    return result


def _narrowed(session: Session, parsed) -> SearchResult:
    """The hits found before, narrowed to the conversation's place and period."""
    conditions = Conditions.of(parsed)
    narrowing = narrow_hits(session.found, conditions)
    session.record_narrowed(parsed, narrowing.hits, narrowing.where)
    notes = [f"이전 질문에 이어서: {narrowing.notes[0]}", *narrowing.notes[1:], *parsed.notes]
    if not narrowing.hits:
        period = conditions.period.label() if conditions.period else ""
        said = [p for p in (conditions.place(), period) if p and p not in session.found_for]
        example = " ".join([*said, session.found_for])
        notes.append(f"새로 찾으려면 '그중' 없이 찾는 말과 함께 물어 보세요 (예: 「{example}」).")
    return SearchResult(parsed.text, parsed.filters(), narrowing.hits, notes, narrowing.where)


def _links(session: Session) -> SearchResult:
    """The links of the hits shown last (of those found before when a narrowing kept none).
    A catalogue-only entry has no file here: its page is on the internet portal, which the
    city's separated network cannot reach, so it is given as text beside who holds it."""
    from seoul_data.load import open_catalog

    store = open_catalog()
    hits, notes = [], []
    for hit in session.last_hits or session.found:
        dataset = store.get(hit.id)
        if dataset.loadable:
            link = load_call(dataset.id, session.narrowed.get(hit.id))
        else:
            link = (
                f"플랫폼에 파일이 없습니다. 보유 기관: {dataset.publisher or '알 수 없음'}"
                " ('이 자료 요청하기'로 요청할 수 있습니다)"
            )
            if dataset.landing_page:
                link += f"; 인터넷망 PC에서: {dataset.landing_page}"
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
