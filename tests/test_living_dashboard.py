"""생활인구 분석 dashboard, executed on a real kernel over a synthetic store calibrated on the
real samples, driven through its widgets."""

from __future__ import annotations

from datetime import date

import pytest

from tests.dashboard_kernel import WIDGET_VIEW, executed

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from seoul_data.living.generator import generate
    from seoul_data.sources import ingest_bundled

    tmp = tmp_path_factory.mktemp("living-dashboard")
    data = tmp / "data"
    wanted = {"living.dong_hourly_week_20190304", "living.gu_hourly_2024h1",
              "population.dong_age5", "population.dong_resident_2021q2"}  # fmt: skip
    ingest_bundled(data, only=wanted)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_DATA_DIR", str(data))
        # 집계구 of 종로구, 중구 and 용산구 (40 dongs): the page prefers the 집계구 store
        generate(data / "living" / "oa", start=date(2023, 3, 6), days=14, dongs=40,
                 output_areas=4000, progress=False)  # fmt: skip
    with executed("living_population.ipynb", tmp, data) as dashboard:
        yield dashboard


def test_the_page_shows_the_chosen_area_and_says_the_data_is_synthetic(page):
    outputs = page.page_outputs()
    assert [o.output_type for o in outputs] == ["display_data"] and WIDGET_VIEW in outputs[0][
        "data"
    ]
    state = page.value("state()")
    assert state["month"] == "2023-03" and state["gu"] == "중구" and state["status"] == ""
    assert "합성 자료" in state["note"] and "합성 자료" in state["top"]
    assert "가장 붐비는 시간" in state["summary"]
    assert state["heat_bytes"] > 1000 and state["ages_bytes"] > 1000
    assert len(state["elevation"]) == 425


def test_area_dong_and_hour_change_the_figures(page):
    page.run("gu_menu.value = '종로구'")
    gu = page.value("state()")
    assert gu["gu"] == "종로구" and "<b>종로구</b>" in gu["summary"]
    page.run("dong_menu.value = '무악동'")
    dong = page.value("state()")
    assert "<b>종로구 무악동</b>" in dong["summary"] and dong["heat"] != gu["heat"]
    page.run("hour_slider.value = 3")
    night = page.value("state()")
    assert night["hour"] == 3 and "3시 생활인구 상위 10개" in night["top"]
    page.run("hour_slider.value = 14")
    day = page.value("state()")
    assert day["elevation"] != night["elevation"]
    assert day["top"].replace("14시", "") != night["top"].replace("3시", "")  # other dongs lead


def test_output_areas_on_the_map_with_their_synthetic_cells(page):
    assert page.value("level_buttons.layout.display") is None  # offered: the store has 집계구
    page.run("level_buttons.value = 'oa'")
    state = page.value("state()")
    areas = page.value("len(output_area_shapes(STORE))")
    assert state["level"] == "oa" and len(state["elevation"]) == areas > 100
    assert "집계구별 평균 생활인구" in state["legend"]
    cells = page.value(
        "[round(float(output_area_shapes(STORE).dissolve('dong_code').area.sum() "
        "/ boundaries('dong').set_index(boundaries('dong').mois10.str[:8].astype(int))"
        ".loc[output_area_shapes(STORE).dong_code.unique()].area.sum()), 3)]"
    )
    assert cells == [1.0]  # the cells tile their dongs
    page.run("level_buttons.value = 'dong'")
    assert len(page.value("state()")["elevation"]) == 425


def test_without_a_store_the_page_says_what_to_do(page, tmp_path):
    page.run(f"STORE = __import__('pathlib').Path({str(tmp_path)!r}); show()")
    assert "생활인구 자료가 아직 없습니다" in page.value("status.value")
