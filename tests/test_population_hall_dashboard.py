"""서울 인구관: the hall's data functions and the dashboard, executed on a real kernel over the
real population data, driven through the widgets its page uses."""

from __future__ import annotations

import base64
import html
import io
import re

import pandas as pd
import pytest

from tests.dashboard_kernel import WIDGET_VIEW, executed

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")
GREY = [200, 200, 200, 255]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from seoul_data.sources import ingest_bundled, sources

    directory = tmp_path_factory.mktemp("hall-data")
    ingest_bundled(directory, only={s.dataset.id for s in sources()
                                    if s.dataset.id.startswith("population.")})  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_DATA_DIR", str(directory))
        patch.setenv("SEOUL_USAGE_LOG", str(directory / "usage.jsonl"))
        yield directory


@pytest.fixture(scope="module")
def hall(data_dir, tmp_path_factory):
    with executed("population_hall.ipynb", tmp_path_factory.mktemp("hall"), data_dir) as page:
        yield page


def test_one_period_per_year_and_level(data_dir):
    from seoul_data.population_hall import views

    aging = views.values("population_change.aging_index", "gu")
    periods = aging.groupby("year").period.unique()
    assert all(len(p) == 1 for p in periods)
    assert periods[2020][0] == "2020-12" and periods[2021][0] == "2021-08"  # no year end in 2021
    frame = views.map_frame("households.households", 2021, "gu")
    assert len(frame) == 25 and frame.crs.to_epsg() == 4326
    # the 2021 source has no rows for three 강동구 dongs: no partial total, a gap instead
    assert frame.set_index("place").value.isna().to_dict() == {
        g: g == "강동구" for g in frame.place
    }
    dongs = views.map_frame("households.households", 2021, "dong")
    assert len(dongs) == 425 and dongs.value.notna().sum() > 400


def test_cards_say_value_year_source_or_what_is_missing(data_dir):
    from seoul_data.population_hall import AREAS, views

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


def test_the_page_is_the_hall_only(hall):
    outputs = hall.page_outputs()
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    assert WIDGET_VIEW in outputs[0]["data"]
    assert "서울 인구관" in hall.notebook.cells[0].source
    state = hall.value("state()")
    assert state["area"] == "서울의 가구" and state["indicator"] == "households.households"
    assert state["year"] == 2021 and state["level"] == "gu" and state["status"] == ""
    assert len(re.findall(r'class="sd-card( sd-chosen)?" data-id=', state["cards"])) == 11


def test_the_map_shows_the_data_and_its_gaps(hall, data_dir):
    import seoul_data as sd

    hall.run("year_slider.value = 2021")
    state = hall.value("state()")
    names = hall.value("list(hall.map_frame('households.households', 2021, 'gu').place)")
    songpa = names.index("송파구")
    expected = sd.indicator("households.households", gu="송파구", year=2021, level="gu")
    expected = expected[expected.period == "2021-12"].value.item()
    assert f"{expected:,.0f} 세대" in state["tooltips"][songpa]
    assert "2021-12" in state["tooltips"][songpa] and "행정안전부" in state["tooltips"][songpa]
    # the tallest is the largest value, and a gu without data is flat and grey
    assert max(state["elevation"]) == state["elevation"][songpa]
    gangdong = names.index("강동구")
    assert state["elevation"][gangdong] == 0 and state["fill"][gangdong] == GREY
    assert "자료 없음" in state["tooltips"][gangdong] and "자료 없음" in state["legend"]


def test_year_level_area_and_indicator_widgets_change_the_figures(hall):
    hall.run("area_buttons.value = '인구변화'")
    start = hall.value("state()")
    assert start["area"] == "인구변화" and start["indicator"].startswith("population_change.")
    hall.run("indicator_menu.value = 'population_change.aging_index'")
    latest = hall.value("state()")
    assert latest["indicator"] == "population_change.aging_index"
    assert 'sd-card sd-chosen" data-id="population_change.aging_index"' in latest["cards"]
    hall.run("year_slider.value = 2010")
    old = hall.value("state()")
    assert old["year"] == 2010 and old["elevation"] != latest["elevation"]
    assert "2010-12" in old["tooltips"][0] and "(2010년, 자치구)" in old["legend"]
    assert old["ranking"] != latest["ranking"]
    hall.run("level_buttons.value = 'dong'")
    dongs = hall.value("state()")
    assert dongs["level"] == "dong" and len(dongs["elevation"]) == 425
    assert dongs["year"] == 2021  # dong values start in 2017; the hall goes to the latest
    hall.run("area_buttons.value = '혼인과 이혼'")
    marriage = hall.value("state()")
    # marriages are counted for the city only: the card shows it, no map pretends otherwise
    assert "서울시 전체 값만 있어" in marriage["status"]
    assert hall.value("views.layout.display") == "none"
    hall.run("area_buttons.value = '서울의 가구'")
    assert hall.value("views.layout.display") is None


def test_compare_two_districts_and_download(hall):
    hall.run("area_buttons.value = '서울의 가구'")
    before = hall.value("comparison.value")
    hall.run("second_gu.value = '노원구'")
    after = hall.value("comparison.value")
    assert before != after and after.startswith('<img alt="자치구 비교"')
    files = hall.value(
        "{k: base64.b64encode(v).decode() for k, v in "
        "downloads('households.households', 2021, 'gu').items()}"
    )
    csv = base64.b64decode(files["households.households.csv"]).decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(csv))
    assert list(table.columns[:3]) == ["지표", "지역", "단위지역"] and len(table) > 2000
    xlsx = pd.read_excel(io.BytesIO(base64.b64decode(files["households.households.xlsx"])))
    assert len(xlsx) == len(table)
    assert base64.b64decode(files["households.households_2021_gu.png"])[:4] == b"\x89PNG"
    links = hall.value("files.value")
    assert len(re.findall(r'download="[^"]+"', links)) == 3


def test_nothing_on_the_page_comes_from_outside(hall):
    # the 2D map is a self-contained page (Leaflet inlined); the rest is our own HTML
    flat = hall.value("flat.value")
    page = html.unescape(re.search(r'srcdoc="([^"]+)"', flat).group(1))
    assert "L.map(" in page or "L.map" in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page)
    text = hall.value("cards.value + legend.value + ranking.value + files.value")
    assert not re.search(r"(src|href)=\"https?://", text)
