"""A dataset added only by declaring it (seoul_data/sources/trade_area.toml: the file, its
metadata, and a schema that says what each column means) is found by search, answered by
sd.ask and mapped by the GIS gallery, with no code naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

import seoul_data as sd
from seoul_data.maps import gallery
from tests.conftest import bundled_data

DATASET = "population.gu_trade_area_residents"
LIBRARY = Path(sd.__file__).parent


@pytest.fixture(scope="module", autouse=True)
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("declared")
    with bundled_data(root, {DATASET, "population.gu_resident_total"}) as directory:
        yield directory


def test_no_code_names_the_dataset():
    naming = [p for p in LIBRARY.rglob("*.py") if DATASET in p.read_text(encoding="utf-8")]
    assert naming == []
    assert DATASET in (LIBRARY / "sources" / "trade_area.toml").read_text(encoding="utf-8")


def test_search_finds_it():
    hits = [hit.id for hit in sd.search("상권분석 상주인구").hits[:3]]
    assert DATASET in hits


def test_ask_answers_a_number_from_it():
    answer = sd.ask("2023년 1분기 강남구 상주인구는?")
    assert (answer.value, answer.dataset) == (522752, DATASET)
    women = sd.ask("2021년 3분기 마포구 여자 상주인구는?")
    assert women.value == 196686 and "여성_상주인구_수" in women.why
    twenties = sd.ask("2021년 2분기 송파구 20대 상주인구는?")
    assert twenties.value == 94065
    # the city's figure is the sum of its 25 gu, as the measure adds up
    city = sd.ask("2022년 4분기 서울 상주인구는?")
    assert city.value == 9410744 and "자치구별 값을 합친 것" in city.why


def test_the_gis_gallery_maps_it():
    assert DATASET in [dataset_id for _, dataset_id in gallery.mappable()]
    _, places, values = gallery.columns(DATASET)
    assert places[0].kind == "gu" and "총_상주인구_수" in values
    page = gallery.draw(DATASET, "choropleth", place=places[0], value="총_상주인구_수")
    # a stock counted each quarter: the latest quarter is drawn, never the quarters summed
    assert page.features == 25 and "(2025년 2분기)" in page.title
    assert "539,297" in page.html  # 강남구 in 2025 Q2


def test_a_map_draws_the_period_asked_and_refuses_one_it_lacks():
    from seoul_data.maps import choropleth
    from seoul_data.maps.places import MapError

    first = choropleth(DATASET, "총_상주인구_수", period="2019-Q1")
    assert "(2019년 1분기)" in first.title
    with pytest.raises(MapError, match="그 기간의 자료가 없습니다.*2030-Q1"):
        choropleth(DATASET, "총_상주인구_수", period="2030-Q1")


def test_datasets_declared_but_not_loaded_here_do_not_stop_answers():
    """This data directory holds two datasets; the measures' other sources are skipped."""
    assert sd.ask("2019년 송파구 인구는 몇 명이야?").value == 675961
    missing = sd.ask("2020년 출생아 수는?")
    assert missing.value is None and "적재되어 있지 않습니다" in missing.answer
