"""서울 인구관: what the hall shows as data (seoul_data.population_hall.views) and how its page
draws it (``page``), called directly over the real population data; the page itself, executed
on a real kernel: tests/test_population_hall_dashboard.py."""

from __future__ import annotations

import html
import io
import json
import re

import ipywidgets as widgets
import pandas as pd
import pytest

from seoul_data.population_hall import AREAS, page, views
from tests.conftest import bundled_data

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")
GREY = (200, 200, 200)
HOUSEHOLDS = "households.households"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from seoul_data.sources import sources

    population = {s.dataset.id for s in sources() if s.dataset.id.startswith("population.")}
    with bundled_data(tmp_path_factory.mktemp("hall-views"), population) as directory:
        yield directory


# -- the data ------------------------------------------------------------------------------


def test_one_period_per_year_and_level(data_dir):
    aging = views.values("population_change.aging_index", "gu")
    periods = aging.groupby("year").period.unique()
    assert all(len(p) == 1 for p in periods)
    assert periods[2020][0] == "2020-12" and periods[2021][0] == "2021-08"  # no year end in 2021
    frame = views.map_frame(HOUSEHOLDS, 2021, "gu")
    assert len(frame) == 25 and frame.crs.to_epsg() == 4326
    # the 2021 source has no rows for three 강동구 dongs: no partial total, a gap instead
    assert frame.set_index("place").value.isna().to_dict() == {
        g: g == "강동구" for g in frame.place
    }
    dongs = views.map_frame(HOUSEHOLDS, 2021, "dong")
    assert len(dongs) == 425 and dongs.value.notna().sum() > 400


def test_cards_say_value_year_source_or_what_is_missing(data_dir):
    cards = [views.card(i["id"]) for area in AREAS for i in views.indicators_of(area)]
    assert len(cards) == 69
    shown = [c for c in cards if c["value"] is not None]
    assert len(shown) >= 45
    for card in shown:
        assert card["period"] and card["source"] and card["definition"], card["id"]
    for card in cards:
        if card["value"] is None:
            assert card["missing"], card["id"]
    with pytest.raises(ValueError, match="알 수 없는 전시관"):
        views.indicators_of("없는 관")


def test_the_menus(data_dir):
    menu = views.supported("서울의 가구")
    assert menu[0] == ("세대 수", HOUSEHOLDS) and all(views.get(i).supported for _, i in menu)
    assert views.supported("혼인과 이혼") and not views.levels("marriage.marriages")
    assert views.level_options(["gu", "dong"]) == [("자치구", "gu"), ("행정동", "dong")]
    assert views.gu_names() == list(views.map_frame(HOUSEHOLDS, 2021, "gu").place)
    assert len(views.gu_names()) == 25 and views.years(HOUSEHOLDS, "dong")[0] == 2017


# -- the page ------------------------------------------------------------------------------


def test_cards_show_value_change_and_source_or_what_is_missing(data_dir):
    cards = page.cards_html("서울의 가구", chosen=HOUSEHOLDS)
    assert len(re.findall(r'class="sd-card( sd-chosen)?" data-id=', cards)) == 11
    assert cards.count("sd-chosen") == 1 and f'sd-chosen" data-id="{HOUSEHOLDS}"' in cards
    assert "서울의 가구: 지표 11개 중 " in cards
    card = views.card(HOUSEHOLDS)
    shown = page.card_html(card)
    value = f"{card['value']:,.0f}세대"
    assert f'<div class="sd-value">{value}</div>' in shown and "<svg" in shown
    assert re.search(r'class="sd-change">[▲▼―] [\d,]+세대 \(\d{4}-\d\d 대비\)', shown)
    assert f"출처: {html.escape(card['source'])}" in shown
    missing = {**card, "name": "<없는 지표>", "value": None, "missing": "자료 A가 없습니다"}
    shown = page.card_html(missing)
    assert "&lt;없는 지표&gt;" in shown and "자료 없음 — 자료 A가 없습니다" in shown
    assert "sd-chosen" not in shown and "sd-chosen" in page.card_html(missing, chosen=True)


def test_map_layers_show_the_data_and_its_gaps(data_dir):
    import seoul_data as sd

    layers = page.map_layers(HOUSEHOLDS, 2021, "gu")
    names = list(layers.frame.place)
    songpa, gangdong = names.index("송파구"), names.index("강동구")
    expected = sd.indicator(HOUSEHOLDS, gu="송파구", year=2021, level="gu")
    expected = expected[expected.period == "2021-12"].value.item()
    assert layers.tooltips[songpa].startswith(
        f"<b>송파구</b><br>세대 수: {expected:,.0f}세대<br><small>2021-12 · 행정안전부"
    )
    # the tallest is the largest value, and a gu without data is flat and grey
    assert max(layers.elevation) == layers.elevation[songpa] == page.TALLEST
    assert layers.elevation[gangdong] == 0 and layers.fill[gangdong] == GREY
    assert layers.tooltips[gangdong].endswith("세대 수: 자료 없음<br><small>2021년</small>")
    assert "세대 수 (2021년, 자치구)" in layers.legend and "자료 없음" in layers.legend
    assert "2021년 자치구 값이 없는 곳: 강동구" in layers.legend
    # so the hall opens on the latest year that has every gu, not on a grey 강동구
    assert (
        views.years(HOUSEHOLDS, "gu")[-1] == 2021 and views.default_year(HOUSEHOLDS, "gu") == 2020
    )
    assert "값이 없는 곳" not in page.map_layers(HOUSEHOLDS, 2020, "gu").legend
    dongs = page.map_layers(HOUSEHOLDS, 2021, "dong")
    assert len(dongs.elevation) == len(dongs.tooltips) == 425 and "(종로구)" in dongs.tooltips[0]


def test_the_2d_map_is_leaflet_inlined_with_the_25_gu(data_dir):
    flat = page.flat_map(page.map_layers(HOUSEHOLDS, 2021, "gu"))
    assert flat.startswith("<iframe") and 'title="지도"' in flat
    inner = html.unescape(re.search(r'srcdoc="([^"]+)"', flat).group(1))
    assert "L.map" in inner and inner.count('"type": "Feature"') == 25
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", inner)
    # the tooltip's alias, and 강동구 without data (in the page's JSON, \u-escaped)
    assert all(json.dumps(text)[1:-1] in inner for text in ("세대 수 (2021년)", "자료 없음"))


def test_charts_and_downloads(data_dir):
    ranking = page.ranking_image(HOUSEHOLDS, 2021, "gu")
    assert ranking.startswith('<img alt="세대 수 순위" src="data:image/png;base64,')
    assert page.ranking_image(HOUSEHOLDS, 2020, "gu") != ranking
    assert page.compare_image(HOUSEHOLDS, "강남구", "송파구").startswith('<img alt="자치구 비교"')
    assert page.compare_png(HOUSEHOLDS, "강남구", "노원구")[:4] == b"\x89PNG"
    files = page.downloads(HOUSEHOLDS, 2021, "gu")
    table = pd.read_csv(io.StringIO(files[f"{HOUSEHOLDS}.csv"].decode("utf-8-sig")))
    assert list(table.columns[:3]) == ["지표", "지역", "단위지역"] and len(table) > 2000
    assert len(pd.read_excel(io.BytesIO(files[f"{HOUSEHOLDS}.xlsx"]))) == len(table)
    assert files[f"{HOUSEHOLDS}_2021_gu.png"][:4] == b"\x89PNG"
    links = page.download_links(HOUSEHOLDS, 2021, "gu")
    assert re.findall(r'download="([^"]+)" href="data:([^;]+);', links) == [
        (f"{HOUSEHOLDS}.csv", "text/csv"),
        (f"{HOUSEHOLDS}.xlsx", page.XLSX),
        (f"{HOUSEHOLDS}_2021_gu.png", "image/png"),
    ]
    assert ">지표 표 (CSV)</a><br>" in links and ">순위 그래프 (PNG)</a>" in links
    assert not re.search(r"(src|href)=\"https?://", ranking + links + page.cards_html(AREAS[0]))


def test_the_3d_map_keeps_its_widget_for_new_values_and_changes_it_for_a_level(data_dir):
    box = widgets.VBox()
    page.show_map(box, page.map_layers(HOUSEHOLDS, 2021, "gu"))
    first = box.children[0]
    page.show_map(box, page.map_layers(HOUSEHOLDS, 2015, "gu"))
    assert box.children[0] is first and first.revision == 2 and len(first.elevation) == 25
    page.show_map(box, page.map_layers(HOUSEHOLDS, 2021, "dong"))
    assert box.children[0] is not first and len(box.children[0].elevation) == 425


def test_sliders_move_to_a_new_range_either_way():
    slider = widgets.IntSlider()  # 0–100
    page.set_range(slider, 2010, 2021)
    assert (slider.min, slider.max, slider.value) == (2010, 2021, 2021)
    page.set_range(slider, 1990, 2000)
    assert (slider.min, slider.max, slider.value) == (1990, 2000, 2000)
    page.set_range(slider, 2017, 2021)
    assert (slider.min, slider.max, slider.value) == (2017, 2021, 2021)
    page.set_range(slider, 2017, 2021, 2020)
    assert (slider.min, slider.max, slider.value) == (2017, 2021, 2020)
