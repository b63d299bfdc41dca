"""Korean conversational search on the real catalog with real kiwipiepy."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

import seoul_data as sd
from seoul_data.catalog import Catalog
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.sources import BUNDLED_DATA
from tests.conftest import bundled_data

SNAPSHOT = date(2022, 6, 30)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    wanted = {"transport.bicycle_facilities", "population.gu_resident_total"}
    with bundled_data(tmp_path_factory.mktemp("search-data"), wanted) as directory:
        import_datagokr(
            Catalog(directory), BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv"
        )
        yield directory


def titles(result, n=5):
    return [h.title for h in result.hits[:n]]


def test_particles_and_synonyms(data_dir):
    result = sd.search("강남구의 자전거를 빌리는 곳", today=SNAPSHOT)
    assert result.filters["gu"] == ["강남구"]
    assert all("자전거" in t for t in titles(result, 3)), titles(result)
    ddareungi = sd.search("따릉이 대여소 위치")
    assert any("공공자전거" in t for t in titles(ddareungi))
    assert any("관련어" in "; ".join(h.why) for h in ddareungi.hits[:5])


def test_every_hit_says_why(data_dir):
    result = sd.search("2020년 초미세먼지 자치구별", today=SNAPSHOT)
    assert result.filters["period"] == "2020년"
    assert result.hits and all(h.why for h in result.hits)
    for hit in result.hits[:3]:
        assert any(w.startswith(("단어:", "관련어:")) for w in hit.why), hit


def test_spacing_errors_find_the_same_data(data_dir):
    spaced = sd.search("공중 화장실 위치")
    unspaced = sd.search("공중화장실위치")
    assert titles(spaced, 3) and titles(spaced, 3) == titles(unspaced, 3)


def test_a_named_district_keeps_out_other_districts(data_dir):
    result = sd.search("마포구 불법주정차 단속 건수")
    for hit in result.hits[:5]:
        assert not any(
            f"{gu}_" in hit.title or f" {gu}" in hit.title for gu in ("강남구", "서초구", "송파구")
        ), hit.title
    assert any("마포구" in t or "자치구" in t or "서울특별시_" in t for t in titles(result))


def test_city_wide_tables_by_district_answer_for_a_named_district(data_dir):
    # '서울특별시_자치구 …' is a city-wide table by district, not a district named 자치구
    result = sd.search("강남구에 CCTV 몇 대 깔려 있는지 알 수 있는 자료 있어?")
    assert any(t.startswith("서울특별시_자치구") for t in titles(result, 3)), titles(result)
    own = sd.search("강서구 반려견 등록 몇 마리야")
    assert sum("강서구" in t for t in titles(own, 3)) == 2, titles(own)


def test_staff_words_reach_catalogue_compounds(data_dir):
    # 혼자 (→ 독거) + 어르신 (→ 노인): the catalogue writes 독거노인 as one word
    result = sd.search("혼자 사시는 어르신 몇 명인지 동별로 알고 싶어")
    assert "독거노인" in titles(result, 1)[0] and "동별" in titles(result, 1)[0], titles(result)
    assert "독거노인" in "; ".join(result.hits[0].why)
    # 노인, a part of 독거노인, is 어르신's concept: it does not also cover 혼자, so the
    # broader elderly tables (고령자, 경로당) rank below the one about people living alone
    first_elderly = next(i for i, t in enumerate(titles(result, 10)) if "고령자" in t)
    assert first_elderly > 0


def test_vocabulary_is_not_matched_inside_unrelated_words(data_dir):
    # 불광동 holds 불 (fire), '진행 중인 구역' holds 인구 across a space: neither is meant
    fire = sd.search("불광동 근처 경로당")
    assert not any("화재" in "; ".join(h.why) or "소방" in "; ".join(h.why) for h in fire.hits)
    areas = sd.search("재개발 재건축 진행 중인 구역")
    assert not any("인구" in t for t in titles(areas)), titles(areas)
    kindergartens = titles(sd.search("유치원 목록 주소"))
    assert all("유치원" in t or "어린이집" in t for t in kindergartens), kindergartens


def test_time_words_are_filters_relative_to_today(data_dir):
    last_year = sd.search("작년 코로나 확진자 자치구별 추이", today=SNAPSHOT)
    assert last_year.filters["years"] == [2021, 2021]
    assert any("코로나" in t for t in titles(last_year))
    recent = sd.search("최근 5년 출생아 수", today=SNAPSHOT)
    assert recent.filters["years"] == [2018, 2022]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "가" * 10_000,
        "🚲🚲 따릉이 😀",
        "Seoul bike 대여소 数据",
        "?!?!",
        "부산 해운대 인구",
        "그중 강남구만",
    ],
    ids=[
        "empty",
        "blank",
        "10000-chars",
        "emoji",
        "mixed-scripts",
        "punctuation",
        "unknown-place",
        "follow-up-first",
    ],
)
def test_odd_requests_get_a_clear_response(data_dir, query):
    session = sd.search_session()
    result = sd.search(query, session=session)
    assert isinstance(result.hits, list)
    assert result.hits or result.notes
    assert json.dumps(result.to_json(), ensure_ascii=False)


def test_long_requests_are_cut_with_a_note(data_dir):
    result = sd.search("따릉이 " * 300)
    assert any("500자" in note for note in result.notes)
    assert result.hits


def test_conversation_refines_and_can_be_cleared(data_dir):
    session = sd.search_session()
    first = sd.search("자전거 빌리는 곳 자료 있어?", session=session)
    assert first.hits and not first.filters.get("gu")
    refined = sd.search("그중 강남구만", session=session)
    assert refined.filters["gu"] == ["강남구"]
    assert refined.notes[0].startswith("이전 질문에 이어서")
    # nothing found holds a gu column (the facilities have coordinates only, the rest is
    # catalogue-only): each is named with its reason, none is shown again as if narrowed
    assert refined.hits == []
    assert any("위치 좌표만 있어 강남구만 고를 수 없습니다" in note for note in refined.notes)
    assert session.context()["gu"] == ["강남구"] and "자전거" in session.context()["topic"]
    links = sd.search("다운로드 링크", session=session)
    assert links.hits and all(h.why[0].startswith("다운로드:") for h in links.hits)
    assert any("data.go.kr" in h.why[0] or "sd.load" in h.why[0] for h in links.hits)
    session.clear()
    assert session.context() == {}
    fresh = sd.search("20대만", session=session)  # nothing to refine any more
    assert not fresh.notes or not fresh.notes[0].startswith("이전 질문에 이어서")


def test_facets_narrow_the_results(data_dir):
    result = sd.search("자전거", field="교통", k=20)
    assert result.hits and all(sd.describe(h.id)["field"] == "교통" for h in result.hits)
    loadable = sd.search("자전거 편의시설", provider="서울")
    assert loadable.hits


def test_cli_prints_json_per_query(data_dir, tmp_path):
    queries = tmp_path / "queries.txt"
    queries.write_text("따릉이 대여소\n강남구 CCTV\n", encoding="utf-8")
    command = [sys.executable, "-m", "seoul_data.cli", "search", "--json", "--k", "3"]
    out = subprocess.run(
        [*command, "--queries", str(queries)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(out) == 2
    first = json.loads(out[0])
    assert set(first) >= {"query", "filters", "hits"} and len(first["hits"]) == 3
    assert set(first["hits"][0]) == {"id", "source_id", "title", "score", "why"}
    assert json.loads(out[1])["filters"]["gu"] == ["강남구"]


def test_typos_are_read_as_the_closest_catalogue_word(data_dir):
    result = sd.search("공중화장싷 위치")
    assert "화장실" in result.hits[0].title
    assert "오타 교정: 공중화장싷→공중화장실" in result.hits[0].why


@pytest.mark.parametrize(
    ("text", "period"),
    [("19년 송파구 인구", "2019년"), ("2024.3 마포구 전입", "2024년 3월"),
     ("2024-03 전입", "2024년 3월"), ("98년 출생아", "1998년"), ("10년간 변화", None)],
)  # fmt: skip # a table: each question beside its period
def test_time_written_in_short_forms(text, period):
    from seoul_data.search.query import parse

    assert parse(text, today=SNAPSHOT).filters().get("period") == period


def test_why_names_every_rule_that_moved_a_hit(data_dir):
    import numpy as np

    from seoul_data.load import open_catalog
    from seoul_data.search import engine
    from seoul_data.search.index import index_for
    from seoul_data.search.query import parse
    from seoul_data.search.rules import RULES

    # a district, a breakdown, a count question and a period: several rules fire at once
    parsed = parse("2020년 강남구 자전거 대여소 자치구별 몇 개", today=SNAPSHOT)
    index = index_for(open_catalog())
    result = engine.rank(index, parsed, k=10)
    assert result.hits
    # apply the rules again, one by one, and see which of them changed each hit's score
    request = engine._request(index, parsed, {}, engine.search_terms(parsed))
    positions = {hit.id: index.ids.index(hit.id) for hit in result.hits}
    moved = {hit.id: [] for hit in result.hits}
    scores = np.zeros(len(index))
    for rule in RULES:
        for effect in rule(request, scores):
            changed = effect.apply(scores)
            for hit_id, i in positions.items():
                if changed[i] != scores[i]:
                    moved[hit_id].append((rule.__name__, effect.explain(i)))
            scores = changed
    for hit in result.hits:
        assert hit.why == [reason for _, reason in moved[hit.id]], hit
    rules_moving_top = {name for name, _ in moved[result.hits[0].id]}
    assert len(rules_moving_top) >= 2 and rules_moving_top - {"words", "concepts"}, moved
