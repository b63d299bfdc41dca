"""서울 인구관: the dashboard executed on a real kernel over the real population data, driven
through the widgets its page uses (what each view draws: tests/test_population_hall_views.py)."""

from __future__ import annotations

import base64
import html
import io
import re

import pandas as pd
import pytest

from tests.conftest import bundled_data
from tests.dashboard_kernel import WIDGET_VIEW, executed

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")
GREY = [200, 200, 200, 255]
#: What the page shows now, read from its widgets in the kernel.
STATE = """{
    "area": area_buttons.value, "indicator": indicator_menu.value,
    "level": level_buttons.value, "year": year_slider.value,
    "elevation": list(map_box.children[0].elevation) if map_box.children else [],
    "fill": list(map_box.children[0].fill) if map_box.children else [],
    "tooltips": list(map_box.children[0].tooltips) if map_box.children else [],
    "legend": legend.value, "flat_map": len(flat.value), "ranking": ranking.value,
    "comparison": len(comparison.value), "downloads": files.value.count("download="),
    "cards": cards.value, "status": status.value,
}"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from seoul_data.sources import sources

    population = {s.dataset.id for s in sources() if s.dataset.id.startswith("population.")}
    with bundled_data(tmp_path_factory.mktemp("hall-data"), population) as directory:
        yield directory


@pytest.fixture(scope="module")
def hall(data_dir, tmp_path_factory):
    with executed("population_hall.ipynb", tmp_path_factory.mktemp("hall"), data_dir) as page:
        yield page


def test_the_page_is_the_hall_only(hall):
    outputs = hall.page_outputs()
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    assert WIDGET_VIEW in outputs[0]["data"]
    assert "서울 인구관" in hall.notebook.cells[0].source
    state = hall.value(STATE)
    assert state["area"] == "서울의 가구" and state["indicator"] == "households.households"
    # 2021 has no 강동구 value: the hall opens on 2020, the latest year with all 25 gu
    assert state["year"] == 2020 and state["level"] == "gu" and state["status"] == ""
    assert len(re.findall(r'class="sd-card( sd-chosen)?" data-id=', state["cards"])) == 11
    # a page starts with the 3D map only: the other tabs are drawn when shown
    assert state["elevation"] and hall.value("tabs.selected_index") == 0
    assert (state["flat_map"], state["ranking"], state["downloads"]) == (0, "", 0)
    assert state["comparison"] == 0


def test_the_map_shows_the_data_and_its_gaps(hall, data_dir):
    import seoul_data as sd
    from seoul_data.population_hall import views

    hall.run("year_slider.value = 2021")
    state = hall.value(STATE)
    names = list(views.map_frame("households.households", 2021, "gu").place)
    songpa = names.index("송파구")
    expected = sd.indicator("households.households", gu="송파구", year=2021, level="gu")
    expected = expected[expected.period == "2021-12"].value.item()
    assert f"{expected:,.0f}세대" in state["tooltips"][songpa]
    assert "2021-12" in state["tooltips"][songpa] and "행정안전부" in state["tooltips"][songpa]
    # the tallest is the largest value, and a gu without data is flat and grey
    assert max(state["elevation"]) == state["elevation"][songpa]
    gangdong = names.index("강동구")
    assert state["elevation"][gangdong] == 0 and state["fill"][gangdong] == GREY
    assert "자료 없음" in state["tooltips"][gangdong] and "자료 없음" in state["legend"]
    assert "2021년 자치구 값이 없는 곳: 강동구" in state["legend"]


def test_year_level_area_and_indicator_widgets_change_the_figures(hall):
    hall.run("tabs.selected_index = 2")  # the ranking, redrawn with the figures while open
    hall.run("area_buttons.value = '인구변화'")
    start = hall.value(STATE)
    assert start["area"] == "인구변화" and start["indicator"].startswith("population_change.")
    hall.run("indicator_menu.value = 'population_change.aging_index'")
    latest = hall.value(STATE)
    assert latest["indicator"] == "population_change.aging_index"
    assert 'sd-card sd-chosen" data-id="population_change.aging_index"' in latest["cards"]
    hall.run("year_slider.value = 2010")
    old = hall.value(STATE)
    assert old["year"] == 2010 and old["elevation"] != latest["elevation"]
    assert "2010-12" in old["tooltips"][0] and "(2010년, 자치구)" in old["legend"]
    assert old["ranking"] != latest["ranking"]
    hall.run("level_buttons.value = 'dong'")
    dongs = hall.value(STATE)
    assert dongs["level"] == "dong" and len(dongs["elevation"]) == 425
    assert dongs["year"] == 2021  # the latest year with the most dong values
    hall.run("area_buttons.value = '혼인과 이혼'")
    marriage = hall.value(STATE)
    # marriages are counted for the city only: the card shows it, no map pretends otherwise
    assert "서울시 전체 값만 있어" in marriage["status"]
    assert hall.value("tabs.layout.display") == "none"
    hall.run("area_buttons.value = '서울의 가구'")
    assert hall.value("tabs.layout.display") is None


def test_compare_two_districts_and_download(hall):
    hall.run("area_buttons.value = '서울의 가구'")
    hall.run("tabs.selected_index = 3")
    before = hall.value("comparison.value")
    hall.run("second_gu.value = '노원구'")
    after = hall.value("comparison.value")
    assert before != after and after.startswith('<img alt="자치구 비교"')
    hall.run("tabs.selected_index = 4")
    links = hall.value("files.value")
    assert len(re.findall(r'download="[^"]+"', links)) == 3
    csv = r'download="households\.households\.csv" href="data:text/csv;base64,([^"]+)"'
    csv = base64.b64decode(re.search(csv, links).group(1)).decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(csv))
    assert list(table.columns[:3]) == ["지표", "지역", "단위지역"] and len(table) > 2000


def test_nothing_on_the_page_comes_from_outside(hall):
    # the 2D map is a self-contained page (Leaflet inlined); the rest is our own HTML
    for tab in (1, 2, 4):  # each drawn when shown, kept while the figures stay
        hall.run(f"tabs.selected_index = {tab}")
    flat = hall.value("flat.value")
    page = html.unescape(re.search(r'srcdoc="([^"]+)"', flat).group(1))
    assert "L.map(" in page or "L.map" in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page)
    text = hall.value("cards.value + legend.value + ranking.value + files.value")
    assert not re.search(r"(src|href)=\"https?://", text)
